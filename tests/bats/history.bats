#!/usr/bin/env bats
# A NAME's history (redock.1: snapshot, snapshots, restore, reset,
# freeze, unfreeze; delete and kill) against the real engine, the real
# sshd and the real OpenSSH client: snapshots numbered 1, 2, ... and
# never a number twice; restore and reset make the container anew with
# its settings, alias and host key kept; freeze refuses what would
# change NAME; delete takes every snapshot with it, kill keeps them; bad
# input is one line, and nothing changes.
#
# The containers are made once for the file (setup_file, in one start
# of ten NAMEs): each test has NAMEs of its own, so that none depends on
# another's outcome. A container's engine name is its alias: every TAG
# here is "h", this run's id and a letter, which no other run uses.
# Snapshots are images of the repository redock-snapshot labelled with
# their NAME, which tests/objects does not look for: the file removes
# those of this run's NAMEs itself.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export T=h${REDOCK_TEST_RUN//[!a-z0-9]/}
	export FILE_HOME=$BATS_FILE_TMPDIR/home
	export FILE_REDOCK_HOME=$BATS_FILE_TMPDIR/redock-home
	export FILE_USER=${REDOCK_TEST_RUN}h
	export DATA=$BATS_FILE_TMPDIR/data
	mkdir -p -m 0700 "$FILE_HOME"
	mkdir -p "$DATA"
	echo from-the-host >"$DATA/file"
	file_env
	docker version >/dev/null 2>&1 || return 0
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	# The NAMEs, a thread each: a restore, b what a snapshot leaves,
	# c reset, d numbers, e snapshots, g two at once and stopped,
	# i freeze, k kill and delete, m and n bad input; f, started on
	# its own, has a host name and a mount.
	redock -q start --no-shell -n "${T}f-host" --mount "$DATA:/data" \
	    "${T}f" &
	redock -q start --no-shell "${T}a" "${T}b" "${T}c" "${T}d" "${T}e" \
	    "${T}g" "${T}i" "${T}k" "${T}m" "${T}n"
	wait $!
}

teardown_file() {
	file_env
	redock_cleanup
	file_unlock
}

setup() {
	file_env
	require_engine
}

# Nothing per test: the file's clean-up takes what the tests made.
teardown() {
	:
}

# The images labelled as of NAME $1 (snapshots and marks), IDs sorted.
snapshot_images() {
	docker images -q --no-trunc \
	    --filter "label=io.redock.snapshot.of=$USER:$1" | LC_ALL=C sort -u
}

# The image of snapshot $2 of NAME $1, by its labels.
snapshot_image() {
	docker images -q --no-trunc \
	    --filter "label=io.redock.snapshot.of=$USER:$1" \
	    --filter "label=io.redock.snapshot.number=$2" | sort -u
}

# The tags of the repository redock-snapshot that TAG $1 has: TAG,
# a hash of 16 hex digits, then a number or a mark.
snapshot_tags() {
	docker images --format '{{.Tag}}' redock-snapshot |
	    grep "^$1-[0-9a-f]\{16\}-" | LC_ALL=C sort || :
}

# The snapshot numbers of NAME $1 as snapshots --json gives them, on
# one line.
numbers() {
	redock snapshots --json "$1" | jq -r '[.[].number] | join(" ")'
}

container_id() {
	docker inspect -f '{{.Id}}' "$(ename "$1")"
}

# How many containers (any state) carry io.redock.name=$USER:$1.
containers_of() {
	docker ps -a -q --filter "label=io.redock.name=$USER:$1" | wc -l
}

# The content of /root/file through the alias $1, the host key checked
# strictly.
file_in() {
	ssh_to "$1" cat /root/file
}

# The settings of NAME $1 as list --json shows them.
settings_of() {
	redock list --json | jq -c --arg n "$USER:$1" \
	    '.[] | select(.name == $n) | .settings'
}

# Everything of NAME $1 (alias $2) that a refused command must leave as
# it was: its container (ID, name, state), its image, the images of its
# history with their names, the alias's fragment and host key pin.
state_of() {
	docker ps -a --no-trunc --filter "label=io.redock.name=$USER:$1" \
	    --format '{{.ID}} {{.Names}} {{.State}}' | LC_ALL=C sort
	docker image inspect -f '{{.Id}}' "$USER:$1" 2>/dev/null || :
	docker images --no-trunc \
	    --filter "label=io.redock.snapshot.of=$USER:$1" \
	    --format '{{.ID}} {{.Repository}}:{{.Tag}}' | LC_ALL=C sort
	cat "$(fragment "$2")" 2>/dev/null || :
	grep "^$2 " "$REDOCK_HOME/known_hosts" || :
}

# Asserts that the alias $1 reaches NAME's one container: the port of
# its fragment is the one the engine publishes, ssh with strict host
# key checking answers, and no spare (OWNER.ALIAS.new) is left.
assert_alias() {
	local port

	port=$(docker_port "$(ename "$1")")
	[ -n "$port" ]
	[ "$(fragment_port "$1")" = "$port" ] || {
		echo "the fragment of $1 says port $(fragment_port "$1")," \
		    "the engine $port" >&2
		return 1
	}
	run ssh_to "$1" echo ok
	[ "$status" -eq 0 ] && [ "$output" = ok ] || {
		echo "ssh $1: status $status: $output" >&2
		return 1
	}
	run docker inspect "$(ename "$1").new"
	[ "$status" -ne 0 ] || {
		echo "the spare $(ename "$1").new is left" >&2
		return 1
	}
}

@test "snapshot 1 and 2, restore brings back each: host key and pin kept, the alias's port followed" {
	local a=${T}a-container id0 id1 id2 port0 pin key

	run -0 ssh_to "$a" 'echo first >/root/file'
	run --separate-stderr redock snapshot -m first "${T}a"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	[ -z "$stderr" ]
	run -0 ssh_to "$a" 'echo second >/root/file'
	run --separate-stderr redock snapshot -m second "${T}a"
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	# Not saved: gone with restore.
	run -0 ssh_to "$a" 'echo third >/root/file; echo lost >/root/lost'

	id0=$(container_id "$a")
	port0=$(docker_port "$(ename "$a")")
	pin=$(grep "^$a " "$REDOCK_HOME/known_hosts")
	[ -n "$pin" ]
	key=$(ssh_to "$a" cat /etc/ssh/ssh_host_ed25519_key.pub)

	prints "restored '$USER:${T}a' from snapshot 1: ssh $a" \
	    redock restore "${T}a" 1
	id1=$(container_id "$a")
	[ "$id1" != "$id0" ]
	run docker inspect "$id0"
	[ "$status" -ne 0 ]
	[ "$(containers_of "${T}a")" -eq 1 ]
	assert_alias "$a"
	[ "$(docker_port "$(ename "$a")")" != "$port0" ] ||
	    echo "# (the engine gave the same port again)" >&3
	prints first file_in "$a"
	prints gone ssh_to "$a" 'test -e /root/lost || echo gone'
	# The same host key: served, pinned, the pin alone; OpenSSH with
	# strict checking, nothing of ours but the config.
	[ "$(ssh_to "$a" cat /etc/ssh/ssh_host_ed25519_key.pub)" = "$key" ]
	[ "$(grep "^$a " "$REDOCK_HOME/known_hosts")" = "$pin" ]
	run -0 ssh -F "$HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes "$a" true
	# Made from the snapshot's image.
	[ "$(docker inspect -f '{{.Image}}' "$(ename "$a")")" = \
	    "$(snapshot_image "${T}a" 1)" ]

	prints "restored '$USER:${T}a' from snapshot 2: ssh $a" \
	    redock restore "${T}a" 2
	id2=$(container_id "$a")
	[ "$id2" != "$id1" ]
	[ "$(containers_of "${T}a")" -eq 1 ]
	assert_alias "$a"
	prints second file_in "$a"
	# A restore takes no snapshot away: 1 brings back the first again.
	[ "$(numbers "${T}a")" = "1 2" ]
	prints "restored '$USER:${T}a' from snapshot 1: ssh $a" \
	    redock restore "${T}a" 1
	prints first file_in "$a"
	# And it goes on from there: the next snapshot is 3.
	prints 3 redock snapshot "${T}a"
	[ "$(numbers "${T}a")" = "1 2 3" ]
}

@test "snapshots: number, created and message; --json: integers, RFC 3339 UTC" {
	local json now created t want

	prints 1 redock snapshot -m 'the first one' "${T}e"
	prints 2 redock snapshot -m "it's second: ü" "${T}e"
	prints 3 redock snapshot "${T}e"
	now=$(date -u +%s)

	run --separate-stderr redock snapshots --json "${T}e"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	json=$output
	[ "$(jq -r 'type' <<<"$json")" = array ]
	[ "$(jq -r 'length' <<<"$json")" = 3 ]
	[ "$(jq -r '[.[] | keys | join(",")] | unique | join(" ")' \
	    <<<"$json")" = created,message,number ]
	[ "$(jq -r '[.[].number | type] | unique | join(",")' \
	    <<<"$json")" = number ]
	[ "$(jq -r '[.[].number] | join(" ")' <<<"$json")" = "1 2 3" ]
	[ "$(jq -r '.[0].message' <<<"$json")" = 'the first one' ]
	[ "$(jq -r '.[1].message' <<<"$json")" = "it's second: ü" ]
	[ "$(jq -r '.[2].message' <<<"$json")" = '' ]
	for created in $(jq -r '.[].created' <<<"$json"); do
		[[ $created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] || {
			echo "created: '$created' is not RFC 3339 UTC" >&2
			return 1
		}
		# Made in the last minutes, by this clock.
		t=$(date -u -d "$created" +%s)
		[ "$t" -le "$now" ]
		[ "$t" -gt $((now - 600)) ]
	done

	# The table: a heading, then a line each, the message last.
	run --separate-stderr redock snapshots "${T}e"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} =~ ^SNAPSHOT\ +CREATED\ +MESSAGE$ ]]
	[[ ${lines[1]} =~ ^1\ +[0-9]{4}-.*\ "the first one"$ ]]
	# A message reaches the terminal escaped (vis(3)), UTF-8 too.
	want='it'\''s second: \303\274'
	[[ ${lines[2]} == "2 "*" $want" ]]
	[[ ${lines[3]} =~ ^3\ +[0-9]{4}- ]]

	# Of a NAME that has none: an empty array, a heading alone.
	prints '[]' redock snapshots --json "${T}none"
	run -0 redock snapshots "${T}none"
	[ "${#lines[@]}" -eq 1 ]
}

@test "a snapshot leaves NAME's image and container as they are; list shows no snapshot as a NAME" {
	local b=${T}b-container image cid json id n

	run -0 ssh_to "$b" 'echo committed >/root/file'
	run -0 redock commit "${T}b"
	image=$(docker image inspect -f '{{.Id}}' "$USER:${T}b")
	cid=$(container_id "$b")
	prints 1 redock snapshot -m one "${T}b"
	prints 2 redock snapshot "${T}b"
	[ "$(docker image inspect -f '{{.Id}}' "$USER:${T}b")" = "$image" ]
	[ "$(container_id "$b")" = "$cid" ]
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename "$b")")" = running ]
	# NAME's image is no snapshot.
	[ "$(docker image inspect \
	    -f '{{index .Config.Labels "io.redock.snapshot.of"}}' \
	    "$USER:${T}b")" = "" ]

	# Each snapshot: its labels, its name, NAME's alias; no NAME.
	for n in 1 2; do
		id=$(snapshot_image "${T}b" "$n")
		[ "$(wc -w <<<"$id")" -eq 1 ]
		[ "$(docker image inspect \
		    -f '{{index .Config.Labels "io.redock.name"}}' "$id")" = "" ]
		[ "$(docker image inspect \
		    -f '{{index .Config.Labels "io.redock.alias"}}' "$id")" = "$b" ]
		docker image inspect \
		    -f '{{range .RepoTags}}{{println .}}{{end}}' "$id" |
		    grep -q "^redock-snapshot:${T}b-[0-9a-f]\{16\}-$n$"
	done
	[ "$(docker image inspect \
	    -f '{{index .Config.Labels "io.redock.snapshot.message"}}' \
	    "$(snapshot_image "${T}b" 1)")" = one ]

	# list: NAME once, running; no snapshot as a NAME.
	run --separate-stderr redock list --json
	[ "$status" -eq 0 ]
	json=$output
	[ "$(jq -r --arg n "$USER:${T}b" \
	    '[.[] | select(.name == $n)] | length' <<<"$json")" = 1 ]
	[ "$(jq -r --arg a "$b" '[.[] | select(.alias == $a)] | length' \
	    <<<"$json")" = 1 ]
	[ "$(jq -r '[.[] | select(.name | tostring |
	    test("redock-snapshot"))] | length' <<<"$json")" = 0 ]
	[ "$(jq -r --arg n "$USER:${T}b" '.[] | select(.name == $n) | .state' \
	    <<<"$json")" = running ]
	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[ -z "$(awk '$1 ~ /redock-snapshot/' <<<"$output")" ]
	[ "$(awk -v n="$USER:${T}b" '$1 == n' <<<"$output" | wc -l)" -eq 1 ]
}

@test "reset makes the container anew from NAME's image: the base, then the last commit, not a snapshot" {
	local c=${T}c-container id0 id1 image pin

	# Never committed: the base.
	run -0 ssh_to "$c" 'echo uncommitted >/root/file'
	id0=$(container_id "$c")
	pin=$(grep "^$c " "$REDOCK_HOME/known_hosts")
	prints "reset '$USER:${T}c' to redock:base: ssh $c" redock reset "${T}c"
	[ "$(container_id "$c")" != "$id0" ]
	[ "$(containers_of "${T}c")" -eq 1 ]
	assert_alias "$c"
	prints gone ssh_to "$c" 'test -e /root/file || echo gone'
	[ "$(grep "^$c " "$REDOCK_HOME/known_hosts")" = "$pin" ]

	# Committed, then a snapshot of other content, then a change:
	# reset goes to the commit, and NAME's image stays.
	run -0 ssh_to "$c" 'echo committed >/root/file'
	run -0 redock commit "${T}c"
	image=$(docker image inspect -f '{{.Id}}' "$USER:${T}c")
	run -0 ssh_to "$c" 'echo snapped >/root/file'
	prints 1 redock snapshot "${T}c"
	run -0 ssh_to "$c" 'echo changed >/root/file'
	id1=$(container_id "$c")
	prints "reset '$USER:${T}c' to $USER:${T}c: ssh $c" redock reset "${T}c"
	[ "$(container_id "$c")" != "$id1" ]
	[ "$(docker inspect -f '{{.Image}}' "$(ename "$c")")" = "$image" ]
	[ "$(containers_of "${T}c")" -eq 1 ]
	assert_alias "$c"
	prints committed file_in "$c"
	[ "$(docker image inspect -f '{{.Id}}' "$USER:${T}c")" = "$image" ]
	[ "$(grep "^$c " "$REDOCK_HOME/known_hosts")" = "$pin" ]
	# The snapshot stays.
	[ "$(numbers "${T}c")" = 1 ]

	# A stopped container is made anew, running.
	run -0 redock stop "${T}c"
	prints "reset '$USER:${T}c' to $USER:${T}c: ssh $c" redock reset "${T}c"
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename "$c")")" = running ]
	assert_alias "$c"
}

@test "numbers: snapshot -d removes one; no number is given twice, the highest removed included" {
	prints 1 redock snapshot "${T}d"
	prints 2 redock snapshot "${T}d"
	prints 3 redock snapshot "${T}d"
	run --separate-stderr redock snapshot -d "${T}d" 2
	[ "$status" -eq 0 ]
	[ "$output" = "removed snapshot 2 of '$USER:${T}d'" ]
	[ -z "$stderr" ]
	[ "$(numbers "${T}d")" = "1 3" ]
	[ -z "$(snapshot_image "${T}d" 2)" ]
	[ "$(snapshot_tags "${T}d" | grep -c -- '-2$')" -eq 0 ]
	prints 4 redock snapshot "${T}d"
	# The highest, removed: its number is not given again.
	run -0 redock snapshot -d "${T}d" 4
	[ "$(numbers "${T}d")" = "1 3" ]
	[ -z "$(snapshot_image "${T}d" 4)" ]
	prints 5 redock snapshot "${T}d"
	# All of them in one call: still no number again.
	run -0 redock snapshot -d "${T}d" 5 1 3
	[ "${#lines[@]}" -eq 3 ]
	[ "$(numbers "${T}d")" = "" ]
	prints 6 redock snapshot "${T}d"
	[ "$(numbers "${T}d")" = 6 ]
	# -q: the number all the same, it is the result; -d says nothing.
	prints 7 redock -q snapshot "${T}d"
	prints "" redock -q snapshot -d "${T}d" 7
	# One it does not have: none of them removed.
	fails_with 1 snapshot -d "${T}d" 6 8
	stderr_has "snapshot 8"
	[ "$(numbers "${T}d")" = 6 ]
}

@test "two snapshots at the same moment get two numbers; a stopped container's is taken and it stays stopped" {
	local g=${T}g-container n1 n2 p1 p2 s1 s2

	redock snapshot -m one "${T}g" >"$BATS_TEST_TMPDIR/one" &
	p1=$!
	redock snapshot -m two "${T}g" >"$BATS_TEST_TMPDIR/two" &
	p2=$!
	wait "$p1" && s1=0 || s1=$?
	wait "$p2" && s2=0 || s2=$?
	[ "$s1" -eq 0 ]
	[ "$s2" -eq 0 ]
	n1=$(cat "$BATS_TEST_TMPDIR/one")
	n2=$(cat "$BATS_TEST_TMPDIR/two")
	[ "$(printf '%s\n' "$n1" "$n2" | sort -n | paste -sd ' ')" = "1 2" ]
	[ "$(numbers "${T}g")" = "1 2" ]
	[ "$(redock snapshots --json "${T}g" | jq -r --argjson n "$n1" \
	    '.[] | select(.number == $n) | .message')" = one ]
	[ "$(snapshot_images "${T}g" | wc -l)" -eq 2 ]

	# Stopped: saved as it is, and left stopped.
	run -0 ssh_to "$g" 'echo while-running >/root/file'
	run -0 redock stop "${T}g"
	prints 3 redock snapshot -m stopped "${T}g"
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename "$g")")" = exited ]
	prints "restored '$USER:${T}g' from snapshot 3: ssh $g" \
	    redock restore "${T}g" 3
	prints while-running file_in "$g"
}

@test "settings stay across restore and reset: the host name, the mount, the alias" {
	local f=${T}f-host-container json

	json=$(settings_of "${T}f")
	[ "$(jq -r .hostname <<<"$json")" = "${T}f-host" ]
	[ "$(jq -r '.mounts[0].target' <<<"$json")" = /data ]
	run -0 ssh_to "$f" 'echo mine >/root/file'
	prints 1 redock snapshot "${T}f"
	prints "restored '$USER:${T}f' from snapshot 1: ssh $f" \
	    redock restore "${T}f" 1
	[ "$(settings_of "${T}f")" = "$json" ]
	assert_alias "$f"
	prints "${T}f-host" ssh_to "$f" hostname
	prints from-the-host ssh_to "$f" cat /data/file
	prints mine file_in "$f"
	[ "$(docker inspect \
	    -f '{{range .Mounts}}{{.Source}}:{{.Destination}}:{{.RW}}{{end}}' \
	    "$(ename "$f")")" = "$(realpath "$DATA"):/data:false" ]

	prints "reset '$USER:${T}f' to redock:base: ssh $f" redock reset "${T}f"
	[ "$(settings_of "${T}f")" = "$json" ]
	assert_alias "$f"
	prints "${T}f-host" ssh_to "$f" hostname
	prints from-the-host ssh_to "$f" cat /data/file
}

# Runs redock with the arguments after $1 and asserts that it refused
# in one line, as frozen at snapshot 1, that $1 (a glob) is the verb it
# names, and that nothing of NAME i changed ($before).
refused_frozen() {
	local verb=$1 name=$USER:${T}i

	shift
	run --separate-stderr redock "$@"
	[ "$status" -eq 1 ] || {
		echo "redock $*: exit status $status: $stderr" >&2
		return 1
	}
	[ -z "$output" ]
	assert_one_line_stderr
	[[ $stderr == "redock: cannot "$verb" '$name': it is frozen at snapshot 1: 'redock unfreeze $name' first" ]] || {
		echo "redock $*: $stderr" >&2
		return 1
	}
	[ "$(state_of "${T}i" "${T}i-container")" = "$before" ]
}

@test "freeze: commit, snapshot, snapshot -d, restore, reset, delete refused; kill, stop, start, exec work; unfreeze lifts it" {
	local fz=${T}i-container

	run -0 ssh_to "$fz" 'echo frozen-content >/root/file'
	run --separate-stderr redock freeze "${T}i"
	[ "$status" -eq 0 ]
	[ "$output" = "froze '$USER:${T}i' at snapshot 1" ]
	[ -z "$stderr" ]
	[ "$(numbers "${T}i")" = 1 ]
	snapshot_tags "${T}i" | grep -q -- '-frozen$'
	run -0 ssh_to "$fz" 'echo later >/root/file'

	before=$(state_of "${T}i" "$fz")
	refused_frozen commit commit "${T}i"
	refused_frozen snapshot snapshot "${T}i"
	refused_frozen snapshot snapshot -m x "${T}i"
	refused_frozen '*' snapshot -d "${T}i" 1
	refused_frozen restore restore "${T}i" 1
	refused_frozen reset reset "${T}i"
	refused_frozen delete delete "${T}i"
	# freeze again: it is frozen already (one line, exit 1).
	refused_frozen freeze freeze "${T}i"
	prints later file_in "$fz"

	# What does not touch the history works.
	prints later redock exec "${T}i" cat /root/file
	run -0 redock stop "${T}i"
	run -0 redock start --no-shell "${T}i"
	prints later file_in "$fz"
	run -0 redock kill "${T}i"
	[ "$(containers_of "${T}i")" -eq 0 ]
	run -0 redock start --no-shell "${T}i"
	prints gone ssh_to "$fz" 'test -e /root/file || echo gone'
	# Frozen still, after all that.
	before=$(state_of "${T}i" "$fz")
	refused_frozen restore restore "${T}i" 1
	refused_frozen reset reset "${T}i"

	# snapshots marks it.
	run -0 redock snapshots "${T}i"
	[[ ${lines[1]} =~ ^1\ .*"(frozen)"$ ]]

	run --separate-stderr redock unfreeze "${T}i"
	[ "$status" -eq 0 ]
	[ "$output" = "unfroze '$USER:${T}i' (snapshot 1 stays)" ]
	[ -z "$stderr" ]
	# The snapshot that freeze took stays, as a snapshot.
	[ "$(numbers "${T}i")" = 1 ]
	[ "$(snapshot_tags "${T}i" | grep -c -- '-frozen$')" -eq 0 ]
	prints "restored '$USER:${T}i' from snapshot 1: ssh $fz" \
	    redock restore "${T}i" 1
	prints frozen-content file_in "$fz"
	prints 2 redock snapshot "${T}i"
	run -0 redock commit "${T}i"
	# Not frozen: unfreeze has nothing to do (one line, exit 1).
	fails_with 1 unfreeze "${T}i"
	stderr_has "cannot unfreeze '$USER:${T}i': it is not frozen"
}

@test "kill keeps the snapshots and restore makes a container from one; delete removes the image and every snapshot" {
	local k=${T}k-container

	run -0 ssh_to "$k" 'echo one >/root/file'
	run -0 redock commit "${T}k"
	prints 1 redock snapshot "${T}k"
	run -0 ssh_to "$k" 'echo two >/root/file'
	prints 2 redock snapshot "${T}k"
	prints 3 redock snapshot "${T}k"
	# The highest removed: the mark that keeps its number is of the
	# history too.
	run -0 redock snapshot -d "${T}k" 3

	prints "killed '$USER:${T}k'" redock kill "${T}k"
	[ "$(containers_of "${T}k")" -eq 0 ]
	[ "$(numbers "${T}k")" = "1 2" ]
	# No container: restore makes one.
	prints "restored '$USER:${T}k' from snapshot 1: ssh $k" \
	    redock restore "${T}k" 1
	[ "$(containers_of "${T}k")" -eq 1 ]
	assert_alias "$k"
	prints one file_in "$k"

	run --separate-stderr redock delete "${T}k"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ $output == *"deleted 2 snapshots of '$USER:${T}k'"* ]]
	[[ $output == *"deleted image '$USER:${T}k'"* ]]
	run docker image inspect "$USER:${T}k"
	[ "$status" -ne 0 ]
	[ "$(containers_of "${T}k")" -eq 0 ]
	[ -z "$(docker images -q \
	    --filter "label=io.redock.snapshot.of=$USER:${T}k")" ]
	[ -z "$(snapshot_tags "${T}k")" ]
	prints '[]' redock snapshots --json "${T}k"
	# Numbers start again at 1 for a NAME deleted.
	run -0 redock start --no-shell "${T}k"
	prints 1 redock snapshot "${T}k"
}

@test "bad input: an unknown number, another NAME's snapshot, no container: one line, exit 1, nothing changed" {
	local before

	# m has a snapshot 1, n has none.
	prints 1 redock snapshot "${T}m"
	before=$(state_of "${T}m" "${T}m-container"
	    state_of "${T}n" "${T}n-container")
	fails_with 1 restore "${T}n" 1
	stderr_has "$USER:${T}n" 1
	fails_with 1 restore "${T}m" 99
	stderr_has "$USER:${T}m" 99
	fails_with 1 snapshot -d "${T}n" 1
	fails_with 1 snapshot -d "${T}m" 99
	[ "$(state_of "${T}m" "${T}m-container"
	    state_of "${T}n" "${T}n-container")" = "$before" ]
	[ "$(numbers "${T}m")" = 1 ]

	# No container: nothing to save, nothing made.
	before=$(engine_objects)
	fails_with 1 snapshot "${T}none"
	stderr_has "$USER:${T}none"
	fails_with 1 freeze "${T}none"
	fails_with 1 restore "${T}none" 1
	[ -z "$(snapshot_images "${T}none")" ]
	[ "$(engine_objects)" = "$before" ]
}

@test "bad command lines: exit 2, one line, nothing made" {
	local before s cmd

	before=$(engine_objects)
	for s in x 1x '' 0 -1 ' 1' 0x1 1.0 +1; do
		fails_with 2 restore "${T}n" "$s"
		fails_with 2 snapshot -d "${T}n" "$s"
	done
	fails_with 2 restore "${T}n" 1 2
	fails_with 2 restore "${T}n"
	fails_with 2 restore
	fails_with 2 snapshot
	fails_with 2 snapshot -m
	fails_with 2 snapshot -d "${T}n"
	fails_with 2 snapshot -d
	fails_with 2 snapshot -x "${T}n"
	fails_with 2 snapshot "${T}n" "${T}m"
	fails_with 2 snapshot -d -m x "${T}n" 1
	fails_with 2 snapshot -m $'two\nlines' "${T}n"
	fails_with 2 snapshots
	fails_with 2 snapshots "${T}n" "${T}m"
	fails_with 2 snapshots --jso "${T}n"
	fails_with 2 reset
	fails_with 2 freeze
	fails_with 2 unfreeze
	fails_with 2 freeze "${T}n" "${T}m"
	fails_with 2 unfreeze "${T}n" "${T}m"
	for cmd in snapshot snapshots reset freeze unfreeze; do
		fails_with 2 "$cmd" 'Bad:Name'
	done
	fails_with 2 restore 'Bad:Name' 1
	fails_with 2 snapshot -d 'Bad:Name' 1
	# A NAME in the snapshots' repository: none is ever a NAME.
	for cmd in snapshot snapshots reset freeze unfreeze start commit \
	    delete kill; do
		fails_with 2 "$cmd" "redock-snapshot:${T}n"
		stderr_has redock-snapshot
	done
	fails_with 2 restore "redock-snapshot:${T}n" 1
	fails_with 2 snapshot -d "redock-snapshot:${T}n" 1
	[ "$(engine_objects)" = "$before" ]
}
