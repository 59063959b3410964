#!/usr/bin/env bats
# redock's life cycle against the real engine, seen from outside: start,
# kill, commit, delete, list, sync and ssh-config, with the real OpenSSH
# client (and scp, rsync) reaching each container through its alias in
# ~/.ssh/config.
#
# Another run may use the same engine at the same time, and a container's
# engine name is its alias: every TAG here starts with "a" (aweb, adb,
# a1..a9), which no other file uses, and no other run is in this file
# meanwhile (FILE_LOCK, helper.bash).

load helper

setup() {
	redock_setup
	require_engine
	SHARE_DIR=
}

teardown() {
	# Test 14 may leave a shared connection: end it, remove its socket.
	if [ -n "${SHARE_DIR:-}" ]; then
		ssh -F "$HOME/.ssh/config" -O exit aweb-container \
		    >/dev/null 2>&1 || true
		rm -rf "$SHARE_DIR"
	fi
	redock_teardown
}

container_id() {
	docker inspect -f '{{.Id}}' "$1"
}

# How many containers (any state) carry io.redock.name=$1.
containers_named() {
	docker ps -a -q --filter "label=io.redock.name=$1" | wc -l
}

# The line of redock's known_hosts that pins alias $1.
pin_line() {
	grep "^$1 " "$REDOCK_HOME/known_hosts"
}

# How many "Host $1" lines ~/.ssh/config has.
host_lines() {
	grep -c -x "Host $1" "$HOME/.ssh/config" || true
}

# Asserts that "ssh ALIAS echo ok" prints ok.
assert_reachable() {
	run ssh_to "$1" echo ok
	if [ "$status" -ne 0 ] || [ "$output" != ok ]; then
		echo "ssh $1: status $status, output: $output" >&2
		return 1
	fi
}

@test "a started container answers ssh through its alias, on 127.0.0.1 only, named and labelled" {
	prints "started '$USER:aweb' from redock:base: ssh aweb-container" \
	    redock start --no-shell aweb

	prints ok ssh_to aweb-container echo ok

	# The engine names it after its owner and alias; redock's labels.
	[ "$(docker inspect -f '{{.Name}}' "$(ename aweb-container)")" = "/$(ename aweb-container)" ]
	[ "$(docker inspect -f '{{index .Config.Labels "io.redock.name"}}' \
	    "$(ename aweb-container)")" = "$USER:aweb" ]
	[ "$(docker inspect -f '{{index .Config.Labels "io.redock.alias"}}' \
	    "$(ename aweb-container)")" = aweb-container ]

	# sshd is published once, on 127.0.0.1 only, and nothing else is.
	run docker port "$(ename aweb-container)"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^22/tcp\ -\>\ 127\.0\.0\.1:[0-9]+$ ]]
	port=$(docker_port "$(ename aweb-container)")
	[ "$(fragment_port aweb-container)" = "$port" ]
	run docker inspect -f '{{json .HostConfig.PortBindings}}' "$(ename aweb-container)"
	[ "$(jq -r '[.[][] | .HostIp] | unique | join(",")' <<<"$output")" = 127.0.0.1 ]
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = 22/tcp ]
	run docker inspect -f '{{json .NetworkSettings.Ports}}' "$(ename aweb-container)"
	[ "$(jq -r '[.[][] | .HostIp] | unique | join(",")' <<<"$output")" = 127.0.0.1 ]
	# ... so the host's other addresses do not take connections there.
	for ip in $(hostname -I); do
		[[ $ip == *.*.*.* ]] || continue
		[[ $ip == 127.* ]] && continue
		run timeout 3 bash -c "exec 3<>/dev/tcp/$ip/$port"
		if [ "$status" -eq 0 ]; then
			echo "port $port takes connections on $ip" >&2
			return 1
		fi
	done
}

@test "kill then start makes a new container with the same pinned host key and the alias back" {
	redock start --no-shell aweb
	id1=$(container_id "$(ename aweb-container)")
	pin1=$(pin_line aweb-container)
	[ -n "$pin1" ]
	assert_reachable aweb-container
	[ "$(host_lines aweb-container)" = 1 ]

	prints "killed '$USER:aweb'" redock kill aweb
	run docker inspect "$(ename aweb-container)"
	[ "$status" -ne 0 ]
	[ "$(containers_named "$USER:aweb")" -eq 0 ]
	[ ! -e "$(fragment aweb-container)" ]
	[ "$(host_lines aweb-container)" = 0 ]
	# The pin stays for the next container of the alias.
	[ "$(pin_line aweb-container)" = "$pin1" ]

	prints "started '$USER:aweb' from redock:base: ssh aweb-container" \
	    redock start --no-shell aweb
	id2=$(container_id "$(ename aweb-container)")
	[ "$id2" != "$id1" ]
	[ "$(pin_line aweb-container)" = "$pin1" ]
	run grep -c "^aweb-container " "$REDOCK_HOME/known_hosts"
	[ "$output" = 1 ]
	[ -f "$(fragment aweb-container)" ]
	[ "$(host_lines aweb-container)" = 1 ]
	[ "$(fragment_port aweb-container)" = "$(docker_port "$(ename aweb-container)")" ]
	# StrictHostKeyChecking yes: the new container serves the pinned key.
	assert_reachable aweb-container
}

@test "rsync and scp go through the alias both ways" {
	command -v rsync >/dev/null || {
		echo "rsync is not installed on this host" >&2
		return 1
	}
	redock start --no-shell aweb
	# The base image carries rsync: nothing is installed first.
	run ssh_to aweb-container 'command -v rsync'
	[ "$status" -eq 0 ]
	[ "$output" = /usr/bin/rsync ]

	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/sub/deeper"
	echo hello >"$src/a.txt"
	printf 'with a space\n' >"$src/sub/name with space"
	head -c 300000 /dev/urandom >"$src/sub/deeper/random.bin"
	: >"$src/empty"
	chmod 0640 "$src/a.txt"
	sshcmd="ssh -F $HOME/.ssh/config -o BatchMode=yes -o StrictHostKeyChecking=yes"

	run rsync -a -e "$sshcmd" "$src/" aweb-container:/root/tree/
	[ "$status" -eq 0 ]
	# It is there, not only here.
	run ssh_to aweb-container 'sha1sum </root/tree/sub/deeper/random.bin'
	[ "$output" = "$(sha1sum <"$src/sub/deeper/random.bin")" ]
	run rsync -a -e "$sshcmd" aweb-container:/root/tree/ "$BATS_TEST_TMPDIR/back/"
	[ "$status" -eq 0 ]
	diff -r "$src" "$BATS_TEST_TMPDIR/back"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/back/a.txt")" = 640 ]

	head -c 1000000 /dev/urandom >"$BATS_TEST_TMPDIR/file"
	sum=$(sha256sum <"$BATS_TEST_TMPDIR/file")
	run scp -F "$HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes "$BATS_TEST_TMPDIR/file" \
	    aweb-container:/root/file
	[ "$status" -eq 0 ]
	run ssh_to aweb-container 'sha256sum </root/file'
	[ "$output" = "$sum" ]
	run scp -F "$HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes aweb-container:/root/file \
	    "$BATS_TEST_TMPDIR/file.back"
	[ "$status" -eq 0 ]
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/file.back")" = "$sum" ]
}

@test "commit keeps a file across kill and start, kill drops what was not committed, delete goes back to the base" {
	redock start --no-shell aweb
	ssh_to aweb-container 'echo kept >/root/kept'

	run redock commit -m "first save" aweb
	[ "$status" -eq 0 ]
	[[ $output =~ ^committed\ \'$USER:aweb\'\ as\ image\ ([0-9a-f]{12})$ ]]
	short=${BASH_REMATCH[1]}
	run docker image inspect -f '{{.Id}}' "$USER:aweb"
	[ "$status" -eq 0 ]
	[[ $output == "sha256:$short"* ]]
	[ "$(docker image inspect -f '{{.Author}}' "$USER:aweb")" = "$USER@$(hostname)" ]
	[ "$(docker image inspect -f '{{.Comment}}' "$USER:aweb")" = "first save" ]
	[ "$(docker image inspect -f '{{index .Config.Labels "io.redock.name"}}' \
	    "$USER:aweb")" = "$USER:aweb" ]

	# Made after the commit: lost with the container.
	ssh_to aweb-container 'echo lost >/root/lost'
	prints "killed '$USER:aweb'" redock kill aweb
	run redock start --no-shell aweb
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:aweb' from $USER:aweb: ssh aweb-container" ]
	run ssh_to aweb-container 'cat /root/kept; test ! -e /root/lost && echo no-lost'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = kept ]
	[ "${lines[1]}" = no-lost ]

	run redock delete aweb
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "killed '$USER:aweb' first: its container is gone" ]
	[ "${lines[1]}" = "deleted image '$USER:aweb'" ]
	run docker image inspect "$USER:aweb"
	[ "$status" -ne 0 ]
	[ "$(containers_named "$USER:aweb")" -eq 0 ]
	[ ! -e "$(fragment aweb-container)" ]

	prints "started '$USER:aweb' from redock:base: ssh aweb-container" \
	    redock start --no-shell aweb
	run ssh_to aweb-container 'test ! -e /root/kept && echo gone'
	[ "$status" -eq 0 ]
	[ "$output" = gone ]
}

@test "a stopped container is started again, not duplicated" {
	redock start --no-shell aweb
	id=$(container_id "$(ename aweb-container)")
	ssh_to aweb-container 'echo mine >/root/mark'
	docker stop "$(ename aweb-container)" >/dev/null
	[ "$(docker inspect -f '{{.State.Running}}' "$(ename aweb-container)")" = false ]

	prints "started '$USER:aweb' again: ssh aweb-container" \
	    redock start --no-shell aweb
	[ "$(container_id "$(ename aweb-container)")" = "$id" ]
	[ "$(containers_named "$USER:aweb")" -eq 1 ]
	[ "$(docker inspect -f '{{.State.Running}}' "$(ename aweb-container)")" = true ]
	# The port may have changed: the fragment follows the engine.
	[ "$(fragment_port aweb-container)" = "$(docker_port "$(ename aweb-container)")" ]
	[ "$(host_lines aweb-container)" = 1 ]
	prints mine ssh_to aweb-container 'cat /root/mark'
}

@test "starting a running container says it is running and changes nothing" {
	redock start --no-shell aweb
	id=$(container_id "$(ename aweb-container)")
	port=$(docker_port "$(ename aweb-container)")
	frag=$(sha1sum <"$(fragment aweb-container)")

	prints "'$USER:aweb' is running: ssh aweb-container" \
	    redock start --no-shell aweb
	[ "$(container_id "$(ename aweb-container)")" = "$id" ]
	[ "$(containers_named "$USER:aweb")" -eq 1 ]
	[ "$(docker_port "$(ename aweb-container)")" = "$port" ]
	[ "$(sha1sum <"$(fragment aweb-container)")" = "$frag" ]
	[ "$(host_lines aweb-container)" = 1 ]
	run bash -c 'ls "$1" | grep -c aweb' - "$HOME/.ssh/config.d"
	[ "$output" = 1 ]
	assert_reachable aweb-container
}

# Runs "redock $1 aN" for N = 1..6 as six processes at once; fails,
# showing their output, unless all six exit 0. Output: $BATS_TEST_TMPDIR/$1N.
in_parallel() {
	local verb=$1 i st failed= pids=()

	for i in 1 2 3 4 5 6; do
		redock "$verb" a$i >"$BATS_TEST_TMPDIR/$verb$i" 2>&1 </dev/null &
		pids[i]=$!
	done
	for i in 1 2 3 4 5 6; do
		st=0
		wait "${pids[i]}" || st=$?
		if [ "$st" -ne 0 ]; then
			echo "redock $verb a$i: status $st:" >&2
			cat "$BATS_TEST_TMPDIR/$verb$i" >&2
			failed=1
		fi
	done
	[ -z "$failed" ]
}

@test "six starts in parallel, then six kills in parallel, keep the config whole" {
	local i

	in_parallel start
	for i in 1 2 3 4 5 6; do
		[ "$(cat "$BATS_TEST_TMPDIR/start$i")" = \
		    "started '$USER:a$i' from redock:base: ssh a$i-container" ]
		[ -f "$(fragment a$i-container)" ]
		[ "$(host_lines a$i-container)" = 1 ]
		[ "$(fragment_port a$i-container)" = "$(docker_port "$(ename a$i-container)")" ]
	done
	run grep -c -E -x 'Host a[1-6]-container' "$HOME/.ssh/config"
	[ "$output" = 6 ]
	for i in 1 2 3 4 5 6; do
		assert_reachable a$i-container
	done

	in_parallel kill
	for i in 1 2 3 4 5 6; do
		[ "$(cat "$BATS_TEST_TMPDIR/kill$i")" = "killed '$USER:a$i'" ]
		[ "$(containers_named "$USER:a$i")" -eq 0 ]
		[ ! -e "$(fragment a$i-container)" ]
	done
	run grep -c -E 'a[1-6]-container' "$HOME/.ssh/config"
	[ "$output" = 0 ]
}

@test "one start with several names makes each reachable" {
	run redock start --no-shell a7 a8 a9
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	started=$output
	for i in 7 8 9; do
		[[ $'\n'$started$'\n' == *$'\n'"started '$USER:a$i' from redock:base: ssh a$i-container"$'\n'* ]]
		[ "$(containers_named "$USER:a$i")" -eq 1 ]
		[ "$(host_lines a$i-container)" = 1 ]
		[ "$(fragment_port a$i-container)" = "$(docker_port "$(ename a$i-container)")" ]
		run ssh_to a$i-container hostname
		[ "$status" -eq 0 ]
		[ "$output" = a$i ]
	done
}

@test "a user's Host * config written before the first start stays, and the alias still wins" {
	mkdir -p -m 0700 "$HOME/.ssh"
	printf 'Host *\n\tUser nobody\n\tPort 2222\n' >"$HOME/.ssh/config"
	chmod 0600 "$HOME/.ssh/config"
	cp "$HOME/.ssh/config" "$BATS_TEST_TMPDIR/user-config"

	prints "started '$USER:aweb' from redock:base: ssh aweb-container" \
	    redock start --no-shell aweb
	assert_reachable aweb-container

	# The user's lines are kept, in config and in config.d/local.
	grep -q -x 'Host \*' "$HOME/.ssh/config"
	grep -q -x $'\tUser nobody' "$HOME/.ssh/config"
	grep -q -x $'\tPort 2222' "$HOME/.ssh/config"
	cmp "$BATS_TEST_TMPDIR/user-config" "$HOME/.ssh/config.d/local"
	[ "$(host_lines aweb-container)" = 1 ]

	run ssh -G -F "$HOME/.ssh/config" aweb-container
	[ "$status" -eq 0 ]
	[[ $'\n'$output$'\n' == *$'\n'"user root"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'"port $(docker_port "$(ename aweb-container)")"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'"hostname 127.0.0.1"$'\n'* ]]
	# ... and the user's settings still hold for every other host.
	run ssh -G -F "$HOME/.ssh/config" elsewhere.example
	[[ $'\n'$output$'\n' == *$'\n'"user nobody"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'"port 2222"$'\n'* ]]
}

@test "-n HOSTNAME names the alias and the container's host name" {
	prints "started '$USER:aweb' from redock:base: ssh other-box-container" \
	    redock start --no-shell -n Other.Box aweb
	[ "$(docker inspect -f '{{.Name}}' "$(ename other-box-container)")" = "/$(ename other-box-container)" ]
	[ "$(docker inspect -f '{{index .Config.Labels "io.redock.alias"}}' \
	    "$(ename other-box-container)")" = other-box-container ]
	[ "$(docker inspect -f '{{index .Config.Labels "io.redock.name"}}' \
	    "$(ename other-box-container)")" = "$USER:aweb" ]
	[ -f "$(fragment other-box-container)" ]
	[ ! -e "$(fragment aweb-container)" ]
	[ "$(host_lines other-box-container)" = 1 ]
	[ "$(host_lines aweb-container)" = 0 ]
	run ssh_to other-box-container hostname
	[ "$status" -eq 0 ]
	[ "$output" = Other.Box ]
}

@test "list shows a running container and a saved image, as a table and as JSON" {
	redock start --no-shell aweb adb
	redock commit adb
	redock kill adb
	port=$(docker_port "$(ename aweb-container)")
	[ -n "$port" ]

	run --separate-stderr redock list --json
	[ "$status" -eq 0 ]
	json=$output
	# Valid JSON: an array of objects with exactly the eight keys.
	[ "$(jq -r 'type' <<<"$json")" = array ]
	[ "$(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | keys | join(",")' \
	    <<<"$json")" = alias,created,environment,image,name,port,settings,state ]
	[ "$(jq -c --arg n "$USER:aweb" '.[] | select(.name == $n) | .settings' \
	    <<<"$json")" = '{"hostname":null,"user":null,"mounts":[],"forward_agent":false}' ]
	[ "$(jq -r --arg n "$USER:aweb" '[.[] | select(.name == $n)] | length' \
	    <<<"$json")" = 1 ]
	[ "$(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | .state' \
	    <<<"$json")" = running ]
	[ "$(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | .alias' \
	    <<<"$json")" = aweb-container ]
	[ "$(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | .port | type' \
	    <<<"$json")" = number ]
	[ "$(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | .port' \
	    <<<"$json")" = "$port" ]
	[ "$(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | .image' \
	    <<<"$json")" = redock:base ]
	[[ $(jq -r --arg n "$USER:aweb" '.[] | select(.name == $n) | .created' \
	    <<<"$json") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	[ "$(jq -r --arg n "$USER:adb" '[.[] | select(.name == $n)] | length' \
	    <<<"$json")" = 1 ]
	[ "$(jq -r --arg n "$USER:adb" '.[] | select(.name == $n) | .state' \
	    <<<"$json")" = saved ]
	[ "$(jq -r --arg n "$USER:adb" '.[] | select(.name == $n) | .image' \
	    <<<"$json")" = "$USER:adb" ]

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^NAME\ +STATE\ +ALIAS\ +PORT\ +IMAGE\ +CREATED\ +ENVIRONMENT$ ]]
	run awk -v n="$USER:aweb" '$1 == n { print $2, $3, $4, $5 }' <<<"$output"
	[ "$output" = "running aweb-container $port redock:base" ]
	run --separate-stderr redock list
	run awk -v n="$USER:adb" '$1 == n { print $2 }' <<<"$output"
	[ "$output" = saved ]
}

@test "sync removes the alias of a container gone behind redock's back, follows a new port, then has nothing to do" {
	redock start --no-shell aweb adb
	[ -f "$(fragment adb-container)" ]

	# (a) A container removed outside redock: its alias goes.
	docker rm -f "$(ename adb-container)" >/dev/null
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[[ $'\n'$output$'\n' == *$'\n'"removed adb-container: no container has it"$'\n'* ]]
	# aweb's fragment was already right.
	[[ $output != *aweb-container* ]]
	[ ! -e "$(fragment adb-container)" ]
	[ "$(host_lines adb-container)" = 0 ]
	[ "$(host_lines aweb-container)" = 1 ]

	# (b) Restarted outside redock (docker restart, or stop and start):
	# the engine gives sshd a new port, and sync follows it.
	old=$(docker_port "$(ename aweb-container)")
	docker restart "$(ename aweb-container)" >/dev/null
	new=$(docker_port "$(ename aweb-container)")
	for i in 1 2 3 4 5; do
		[ "$new" = "$old" ] || break
		docker stop "$(ename aweb-container)" >/dev/null
		docker start "$(ename aweb-container)" >/dev/null
		new=$(docker_port "$(ename aweb-container)")
	done
	[ -n "$new" ]
	[ "$new" != "$old" ]
	[ "$(fragment_port aweb-container)" = "$old" ]
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[[ $'\n'$output$'\n' == *$'\n'"updated aweb-container ('$USER:aweb', port $new)"$'\n'* ]]
	[ "$(fragment_port aweb-container)" = "$new" ]
	[ "$(host_lines aweb-container)" = 1 ]
	wait_ssh_banner "$new"
	assert_reachable aweb-container

	# (c) Nothing changed since: nothing to say. (Containers of other
	# runs on the same engine have no host key here: sync skips them.)
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(fragment_port aweb-container)" = "$new" ]
	assert_reachable aweb-container
}

@test "ssh-config prints the alias's Host block, enough on its own to reach the container" {
	redock start --no-shell aweb
	port=$(docker_port "$(ename aweb-container)")

	run --separate-stderr redock ssh-config aweb
	[ "$status" -eq 0 ]
	[ "${lines[0]:0:1}" = "#" ] || [ "${lines[0]}" = "Host aweb-container" ]
	[[ $'\n'$output$'\n' == *$'\n'"Host aweb-container"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'$'\t'"HostName 127.0.0.1"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'$'\t'"Port $port"$'\n'* ]]
	[[ $'\n'$output$'\n' == *$'\n'$'\t'"User root"$'\n'* ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/standalone"

	# Without ~/.ssh/config at all.
	rm -f "$HOME/.ssh/config"
	run ssh -F "$BATS_TEST_TMPDIR/standalone" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes -o ConnectTimeout=10 aweb-container echo ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]

	# A name without a container has no block.
	redock kill aweb
	run --separate-stderr redock ssh-config aweb
	[ "$status" -ne 0 ]
	[ -z "$output" ]
}

@test "with sharing on, the alias shares one connection, which ssh -O controls" {
	unset REDOCK_SSH_SHARING
	SHARE_DIR=$(mktemp -d /tmp/rdXXXX)
	chmod 0700 "$SHARE_DIR"
	export XDG_RUNTIME_DIR=$SHARE_DIR

	prints "started '$USER:aweb' from redock:base: ssh aweb-container" \
	    redock start --no-shell aweb
	frag=$(fragment aweb-container)
	grep -q -x $'\tControlMaster auto' "$frag"
	grep -q -x $'\tControlPath "'"$SHARE_DIR"'/redock/%C"' "$frag"
	grep -q -E $'^\tControlPersist [0-9]+[smh]?$' "$frag"
	run grep -c 'ControlPath none' "$frag"
	[ "$output" = 0 ]
	[ "$(stat -c %a "$SHARE_DIR/redock")" = 700 ]

	prints one ssh_to aweb-container echo one
	run ssh_to aweb-container echo two
	[ "$status" -eq 0 ]
	[ "$output" = two ]
	run ssh -F "$HOME/.ssh/config" -O check aweb-container
	[ "$status" -eq 0 ]
	[[ $output == *"Master running"* ]]
	[ "$(find "$SHARE_DIR/redock" -type s | wc -l)" = 1 ]

	run ssh -F "$HOME/.ssh/config" -O exit aweb-container
	[ "$status" -eq 0 ]
	run ssh -F "$HOME/.ssh/config" -O check aweb-container
	[ "$status" -ne 0 ]
	[ "$(find "$SHARE_DIR/redock" -type s | wc -l)" = 0 ]
	rm -rf "$SHARE_DIR"
	SHARE_DIR=
}

@test "sync gives no alias to a redock container whose host key is not in redock's home" {
	# Another user's machine on a shared engine: the labels are
	# redock's, the keys are not ours.
	docker run -d --name "$(ename aother-container)" -l "$TEST_LABEL" \
	    -l "io.redock.owner=$USER" \
	    -l "io.redock.name=${USER}z:aother" \
	    -l io.redock.alias=aother-container \
	    -p 127.0.0.1::22 redock:base sleep infinity >/dev/null

	run --separate-stderr redock -v sync
	[ "$status" -eq 0 ]
	[[ $stderr == *"skipped '${USER}z:aother': no host key of alias 'aother-container'"* ]]
	[[ $output != *aother* ]]
	[ ! -e "$(fragment aother-container)" ]
	run grep -q aother "$HOME/.ssh/config"
	[ "$status" -ne 0 ]

	# Once redock has started it, its key is here and sync keeps it.
	docker rm -f "$(ename aother-container)" >/dev/null
	redock start "${USER}z:aother"
	docker restart "$(ename aother-container)" >/dev/null
	run redock sync
	[ "$status" -eq 0 ]
	[ -e "$(fragment aother-container)" ]
	[ "$(fragment_port aother-container)" = "$(docker_port "$(ename aother-container)")" ]
}

@test "three starts of the same NAME at once make one container, and each succeeds" {
	local i st pids=()

	for i in 1 2 3; do
		redock start asame >"$BATS_TEST_TMPDIR/same$i" 2>&1 </dev/null &
		pids[i]=$!
	done
	for i in 1 2 3; do
		st=0
		wait "${pids[i]}" || st=$?
		cat "$BATS_TEST_TMPDIR/same$i"
		[ "$st" -eq 0 ]
		[[ $(cat "$BATS_TEST_TMPDIR/same$i") == "started '$USER:asame' "*": ssh asame-container" ]]
	done
	[ "$(containers_named "$USER:asame")" -eq 1 ]
	[ "$(host_lines asame-container)" = 1 ]
	[ "$(fragment_port asame-container)" = "$(docker_port "$(ename asame-container)")" ]
	assert_reachable asame-container
}

# How many images (dangling ones too) carry io.redock.name=$1.
images_named() {
	docker images -a -q --no-trunc --filter "label=io.redock.name=$1" |
	    sort -u | wc -l
}

@test "a second commit drops the image it replaced, or delete does once no container uses it: nothing of NAME is left" {
	# Made from the base: the first image is of no use after the second.
	redock start --no-shell aweb
	redock commit aweb >/dev/null
	first=$(docker image inspect -f '{{.Id}}' "$USER:aweb")
	redock exec aweb touch /root/second
	run redock commit aweb
	[ "$status" -eq 0 ]
	[ "$(images_named "$USER:aweb")" = 1 ]
	run docker image inspect "$first"
	[ "$status" -ne 0 ]
	redock kill aweb >/dev/null
	prints "deleted image '$USER:aweb'" redock delete aweb
	[ "$(images_named "$USER:aweb")" = 0 ]

	# Made from the image NAME: the container still uses the one the
	# second commit replaces, which stays until delete.
	redock start --no-shell aweb
	redock commit aweb >/dev/null
	redock kill aweb >/dev/null
	redock start --no-shell aweb
	used=$(docker inspect -f '{{.Image}}' "$(ename aweb-container)")
	redock exec aweb touch /root/third
	redock commit aweb >/dev/null
	redock exec aweb touch /root/fourth
	redock commit aweb >/dev/null
	[ "$(images_named "$USER:aweb")" = 2 ]
	docker image inspect "$used" >/dev/null
	run redock delete aweb
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "killed '$USER:aweb' first: its container is gone" ]
	[ "${lines[1]}" = "deleted image '$USER:aweb'" ]
	[ "$(images_named "$USER:aweb")" = 0 ]
	[ "$(containers_named "$USER:aweb")" = 0 ]
}

@test "delete of a NAME that was started and killed, never committed, forgets its host key and pin" {
	redock start --no-shell akilled >/dev/null
	redock kill akilled >/dev/null
	[ -n "$(pin_line akilled-container)" ]
	[ -f "$REDOCK_HOME/hosts/akilled-container/ssh_host_ed25519_key" ]

	run --separate-stderr redock delete akilled
	[ "$status" -eq 0 ]
	[ "$output" = "deleted the host key of 'akilled-container': nothing else of '$USER:akilled' was left" ]
	run pin_line akilled-container
	[ -z "$output" ]
	[ ! -e "$REDOCK_HOME/hosts/akilled-container" ]

	# Then nothing is left to delete.
	run --separate-stderr redock delete akilled
	[ "$status" -eq 1 ]
	[ "$stderr" = "redock: cannot delete '$USER:akilled': there is no such image" ]
}

@test "delete forgets NAME's host key and pin once nothing of NAME is left; kill keeps them" {
	redock start --no-shell aweb adb
	pin=$(pin_line adb-container)
	redock commit aweb adb >/dev/null
	run grep -c -e '^aweb-container ' -e '^adb-container ' \
	    "$REDOCK_HOME/known_hosts"
	[ "$output" = 2 ]

	# kill: the image of NAME stays, and so do the key and its pin.
	redock kill adb >/dev/null
	[ "$(pin_line adb-container)" = "$pin" ]
	[ -f "$REDOCK_HOME/hosts/adb-container/ssh_host_ed25519_key" ]

	run redock delete adb aweb
	[ "$status" -eq 0 ]
	run grep -c -e '^aweb-container ' -e '^adb-container ' \
	    "$REDOCK_HOME/known_hosts"
	[ "$output" = 0 ]
	[ ! -e "$REDOCK_HOME/hosts/adb-container" ]
	[ ! -e "$REDOCK_HOME/hosts/aweb-container" ]
	[ ! -e "$REDOCK_HOME/hosts" ]

	# An alias that another NAME's saved image has keeps its key, which
	# that NAME's next start uses, until the last of them goes.
	for r in "${USER}x" "${USER}y"; do
		redock start --no-shell -n ashared "$r:aweb" >/dev/null
		redock commit "$r:aweb" >/dev/null
		redock kill "$r:aweb" >/dev/null
	done
	pin=$(pin_line ashared-container)
	[ -n "$pin" ]
	redock delete "${USER}x:aweb"
	[ "$(pin_line ashared-container)" = "$pin" ]
	[ -f "$REDOCK_HOME/hosts/ashared-container/ssh_host_ed25519_key" ]
	redock delete "${USER}y:aweb"
	run pin_line ashared-container
	[ -z "$output" ]
	[ ! -e "$REDOCK_HOME/hosts/ashared-container" ]
}
