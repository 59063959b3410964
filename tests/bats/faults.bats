#!/usr/bin/env bats
# redock killed with SIGKILL at random points of start, kill and sync,
# fifty times each, and containers or images removed behind its back,
# against the real engine. After each fault ~/.ssh/config must be whole
# (every line of the user's still there, ssh -G still reads it), and the
# next command must repair or clean up: after it, no container of ours
# is left never started, every running one has an alias with its port,
# and no alias lacks a container.
#
# Another run may use the same engine at the same time, and a container's
# engine name is its alias: every TAG here starts with "q", which no other
# file uses but restart.bats (which runs alone), and no other run is in
# this file meanwhile (FILE_LOCK, helper.bash).

load helper

RUNS=${REDOCK_FAULT_RUNS:-50}

# The user's own configuration, which must come through every fault.
USER_CONFIG='# the user'"'"'s own
Host userbox
    HostName 127.0.0.2
    User alice

Host *
    ServerAliveInterval 17'

setup() {
	redock_setup
	require_engine
	mkdir -m 0700 "$HOME/.ssh"
	printf '%s\n' "$USER_CONFIG" >"$HOME/.ssh/config"
}

# Runs redock; fails saying why unless it exits 0.
must() {
	run --separate-stderr redock "$@"
	if [ "$status" -ne 0 ]; then
		echo "run $i (stopped at $w): redock $*: status $status:" \
		    "$stderr" >&2
		return 1
	fi
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Runs redock with the given arguments in the background and kills it
# with SIGKILL after a random time of up to $1 ms.
kill_at_random() {
	local max=$1 pid
	shift
	"$REDOCK" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v r="$RANDOM" -v m="$max" \
	    'BEGIN { printf "%.3f", r / 32768 * m / 1000 }')"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# kill_at_random $1 with the arguments after $2, then counts in seen[]
# where that left alias $2 (w) and asserts that the config is whole.
killed_at_random() {
	local max=$1 alias=$2

	shift 2
	kill_at_random "$max" "$@"
	w=$(where "$alias")
	seen[$w]=$((${seen[$w]:-0} + 1))
	assert_whole
}

# ~/.ssh/config is whole: the user's lines are all there, ssh reads it
# and still gives them their meaning, and nobody but the user may write.
assert_whole() {
	local config=$HOME/.ssh/config line out

	while IFS= read -r line; do
		if ! grep -qxF -- "$line" "$config"; then
			echo "the user's line '$line' is gone from $config:" >&2
			cat "$config" >&2
			return 1
		fi
	done <<<"$USER_CONFIG"
	if ! out=$(ssh -G -F "$config" userbox 2>&1); then
		echo "ssh -G cannot read $config: $out" >&2
		return 1
	fi
	if ! grep -qx 'hostname 127.0.0.2' <<<"$out" ||
	    ! grep -qx 'serveraliveinterval 17' <<<"$out"; then
		echo "ssh -G lost the user's settings: $out" >&2
		return 1
	fi
	if [ -n "$(find "$config" -perm /022)" ]; then
		echo "$config is group- or world-writable" >&2
		return 1
	fi
}

# This test's containers: "NAME STATE" lines, NAME the engine's name
# without the owner (ALIAS, or a spare's).
our_containers() {
	docker ps -a --filter label=io.redock.name \
	    --format '{{.Names}} {{.State}} {{.Label "io.redock.name"}}' |
	    awk -v u="$USER:" -v o="$USER." 'index($3, u) == 1 {
		if (index($1, o) == 1)
			$1 = substr($1, length(o) + 1)
		print $1, $2
	    }'
}

# The engine and ~/.ssh agree, as they must after a command that ran to
# its end: no container never started, a running one has its alias
# with its port, every alias has its container, no temporary is left.
assert_consistent() {
	local name state port f left

	while read -r name state; do
		[ -n "$name" ] || continue
		if [ "$state" = created ]; then
			echo "$name was left never started" >&2
			return 1
		fi
		[ "$state" = running ] || continue
		if [ ! -f "$(fragment "$name")" ]; then
			echo "$name runs without an alias" >&2
			return 1
		fi
		port=$(docker_port "$(ename "$name")")
		if [ "$(fragment_port "$name")" != "$port" ]; then
			echo "the alias of $name does not have its port $port" >&2
			return 1
		fi
		if [ "$(grep -cx "Host $name" "$HOME/.ssh/config")" != 1 ]; then
			echo "$name is not once in ~/.ssh/config" >&2
			return 1
		fi
	done < <(our_containers)
	for f in "$HOME"/.ssh/config.d/10-redock-*; do
		[ -e "$f" ] || continue
		name=${f##*/10-redock-}
		if ! docker inspect "$(ename "$name")" >/dev/null 2>&1; then
			echo "the alias $name has no container" >&2
			return 1
		fi
	done
	left=$(find "$HOME/.ssh" -name '.*sshconf-*')
	if [ -n "$left" ]; then
		echo "temporaries left: $left" >&2
		return 1
	fi
}

# Where a killed command stopped, as seen from outside, for alias $1:
# the state of its container (none, created, running, ...) and whether
# it has a fragment.
where() {
	local state

	state=$(docker inspect -f '{{.State.Status}}' "$(ename "$1")" \
	    2>/dev/null) ||
	    state=none
	if [ -e "$HOME/.ssh/config.d/10-redock-$1" ]; then
		echo "$state+alias"
	else
		echo "$state"
	fi
}

@test "start killed at random points: the config stays whole, sync or the next start repairs" {
	local -A seen=()

	t0=$(now_ms)
	redock start --no-shell qa
	t=$(($(now_ms) - t0))
	redock kill qa

	for i in $(seq "$RUNS"); do
		killed_at_random $((t * 12 / 10)) qa-container start --no-shell qa

		if ((i % 2)); then
			# sync cleans up, then start works.
			must sync
			assert_consistent
			if [ "$w" = created ]; then
				[[ $output == *"removed '$USER:qa': an interrupted start left it never started"* ]]
				[ "$(where qa-container)" = none ]
			fi
		fi
		must start --no-shell qa
		assert_consistent
		assert_whole
		run ssh_to qa-container true
		[ "$status" -eq 0 ]

		run redock kill qa
		[ "$status" -eq 0 ]
		[ "$(where qa-container)" = none ]
	done
	tally start
}

# A kill killed after it asked the engine to remove the container leaves
# the engine removing it, and Docker lists a running container that it
# removes as running until it is gone: sync then rightly keeps its alias,
# which the engine makes stale a moment later. Wait until no removal is
# under way: "docker rm" without -f is refused for a running container,
# in other words when another removal of it is in progress, and touches
# nothing either way.
removal_settled() {
	local c _ out

	c=$(ename "$1")
	for _ in $(seq 100); do
		[ "$(docker inspect -f '{{.State.Running}}' "$c" \
		    2>/dev/null)" = true ] || return 0
		out=$(docker rm "$c" 2>&1) && {
			echo "docker rm removed $c, which was running" >&2
			return 1
		}
		[[ $out == *"already in progress"* ]] || return 0
		sleep 0.05
	done
	echo "the engine is still removing $c after 5 s" >&2
	return 1
}

@test "kill killed at random points: the config stays whole, sync or the next start repairs" {
	local -A seen=()

	redock start --no-shell qk
	t0=$(now_ms)
	redock kill qk
	t=$(($(now_ms) - t0))

	for i in $(seq "$RUNS"); do
		redock start --no-shell qk >/dev/null
		killed_at_random $((t * 12 / 10)) qk-container kill qk
		removal_settled qk-container

		if ((i % 2)); then
			must sync
			assert_consistent
		else
			must start --no-shell qk
			assert_consistent
			run ssh_to qk-container true
			[ "$status" -eq 0 ]
		fi
		assert_whole
		if [ "$(where qk-container)" != none ]; then
			must kill qk
		fi
		[ "$(where qk-container)" = none ]
	done
	tally kill
}

@test "sync killed at random points: the config stays whole, the next sync repairs" {
	local -A seen=()

	redock start --no-shell qs qt
	frag=$HOME/.ssh/config.d/10-redock-qs-container
	ghost=$HOME/.ssh/config.d/10-redock-qghost-container
	saved=$(cat "$frag")
	t0=$(now_ms)
	rm "$frag"
	redock sync >/dev/null
	t=$(($(now_ms) - t0))

	for i in $(seq "$RUNS"); do
		# Something for sync to do: an alias lost, an alias whose
		# container is gone.
		rm -f "$frag"
		sed 's/qs-container/qghost-container/' <<<"$saved" >"$ghost"
		kill_at_random $((t * 15 / 10)) sync
		w=
		[ ! -e "$frag" ] || w=added
		[ -e "$ghost" ] || w=${w:+$w,}removed
		w=${w:-nothing}
		seen[$w]=$((${seen[$w]:-0} + 1))
		assert_whole

		must sync
		assert_consistent
		assert_whole
		[ -f "$frag" ]
		[ ! -e "$ghost" ]
		if ((i % 10 == 0)); then
			run ssh_to qs-container true
			[ "$status" -eq 0 ]
		fi
	done
	run ssh_to qt-container true
	[ "$status" -eq 0 ]
	tally sync
}

@test "a container removed behind redock's back: one line for kill and exec, start makes it again" {
	redock start --no-shell qr
	pin=$(grep '^qr-container ' "$REDOCK_HOME/known_hosts")
	docker rm -f "$(ename qr-container)" >/dev/null
	before=$(snapshot)

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[[ $output != *"$USER:qr"* ]]
	exits_one_line 1 redock kill qr
	[ "$stderr" = "redock: cannot kill '$USER:qr': it has no container" ]
	exits_one_line 1 redock exec qr true
	run --separate-stderr redock commit qr
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ "$(snapshot)" = "$before" ]

	# start makes a new one, with the host key pinned before.
	run --separate-stderr redock start --no-shell qr
	[ "$status" -eq 0 ]
	[ "$(grep '^qr-container ' "$REDOCK_HOME/known_hosts")" = "$pin" ]
	run ssh_to qr-container true
	[ "$status" -eq 0 ]
	assert_consistent
	assert_whole
}

@test "a container the engine is removing as start begins: start makes it again, its key pinned as before" {
	redock start --no-shell qv
	pin=$(grep '^qv-container ' "$REDOCK_HOME/known_hosts")

	# The engine lists a container it is removing as it was until the
	# removal is well under way: start takes it for the NAME's, and its
	# boot fails (a key upload into a file system being removed, a
	# start of a container being removed). Before the fix every one of
	# thirty such starts failed.
	for i in $(seq 10); do
		docker rm -f "$(ename qv-container)" >/dev/null 2>&1 &
		sleep "0.0$((RANDOM % 6))"
		w="docker rm -f"
		must start --no-shell qv
		wait
		redock start --no-shell qv >/dev/null
		[ "$(grep '^qv-container ' "$REDOCK_HOME/known_hosts")" = "$pin" ]
		run ssh_to qv-container true
		[ "$status" -eq 0 ]
		assert_consistent
		assert_whole
	done
}

@test "a container removed while start waits for its sshd: start makes it again, its key pinned as before" {
	# An image whose sshd comes up 2 s after its container starts: a
	# wait long enough to remove the container in.
	c=$(docker create --label "io.redock.owner=$USER" \
	    --name "$(ename qw-tmp)" redock:base)
	docker commit --change \
	    'CMD ["/bin/sh", "-c", "sleep 2; exec /usr/sbin/sshd -D -e"]' \
	    "$c" "$USER:qw" >/dev/null
	docker rm "$c" >/dev/null
	redock start --no-shell qw
	pin=$(grep '^qw-container ' "$REDOCK_HOME/known_hosts")
	old=$(docker inspect -f '{{.Id}}' "$(ename qw-container)")
	docker stop -t 1 "$(ename qw-container)" >/dev/null

	# start finds it stopped and starts it; a second on, as it waits
	# for sshd, the container goes.
	"$REDOCK" start --no-shell qw >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 1
	docker rm -f "$(ename qw-container)" >/dev/null
	status=0
	wait "$pid" || status=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$(docker inspect -f '{{.Id}}' "$(ename qw-container)")" != "$old" ]
	[ "$(grep '^qw-container ' "$REDOCK_HOME/known_hosts")" = "$pin" ]
	run ssh_to qw-container true
	[ "$status" -eq 0 ]
	assert_consistent
	assert_whole
	redock kill qw >/dev/null
	docker rmi "$USER:qw" >/dev/null
}

@test "a committed image deleted behind redock's back: start goes back to the base, delete says so" {
	redock start --no-shell qi
	ssh_to qi-container 'echo kept >/kept'
	redock commit qi >/dev/null
	redock kill qi >/dev/null
	docker rmi "$USER:qi" >/dev/null

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[[ $output != *"$USER:qi"* ]]
	before=$(snapshot)
	# Nothing of qi is left but its host key: delete removes that.
	run --separate-stderr redock delete qi
	[ "$status" -eq 0 ]
	[ "$output" = "deleted the host key of 'qi-container': nothing else of '$USER:qi' was left" ]
	[ -z "$stderr" ]
	exits_one_line 1 redock delete qi
	[ "$(snapshot)" = "$before" ]

	run --separate-stderr redock start --no-shell qi
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:qi' from redock:base: ssh qi-container" ]
	run ssh_to qi-container 'test -e /kept'
	[ "$status" -eq 1 ]

	# Deleted while its container runs from it: the container goes on,
	# and kill still cleans up.
	redock commit qi >/dev/null
	redock kill qi >/dev/null
	redock start --no-shell qi >/dev/null
	docker rmi -f "$USER:qi" >/dev/null
	run ssh_to qi-container true
	[ "$status" -eq 0 ]
	exits_one_line 1 redock delete qi
	run --separate-stderr redock kill qi
	[ "$status" -eq 0 ]
	[ "$(where qi-container)" = none ]
	assert_consistent
	assert_whole
}
