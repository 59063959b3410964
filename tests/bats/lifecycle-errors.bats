#!/usr/bin/env bats
# start, commit, kill, delete, list, sync and ssh-config when they cannot
# do what they are asked: exit status 2 for a wrong command line, 1 for
# anything else, always one line on stderr, and neither the engine nor
# ~/.ssh changed by the attempt. Every tag here starts with "b" and every
# other repository with $USER, so the teardown finds what a test made.

load helper

setup() {
	redock_setup
	require_engine
	require_base
	CONF=$HOME/.ssh/config
}

teardown() {
	# debian:bookworm-slim tagged by a test: untag it by name first, or
	# the clean-up would remove the image by ID, every name with it.
	docker rmi "$USER:bforeign" >/dev/null 2>&1 || true
	redock_teardown
}

# The base image, there before anything is recorded: a start that built
# it would change the engine for reasons of its own.
require_base() {
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
}

# Records the engine and ~/.ssh as they are now.
record() {
	ENGINE_BEFORE=$(engine_objects 'b*-container')
	SSH_BEFORE=$(snapshot)
}

# Asserts that $2 (what record found in $1) is what $3 says now, or
# shows the difference.
assert_same() {
	[ "$3" = "$2" ] && return 0
	echo "$1 changed:" >&2
	diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") >&2
	return 1
}

# Asserts that the engine is as record found it: every image and
# container of the test's the same.
assert_engine_unchanged() {
	assert_same "the engine" "$ENGINE_BEFORE" \
	    "$(engine_objects 'b*-container')"
}

# Asserts that ~/.ssh is as record found it.
assert_ssh_unchanged() {
	assert_same "~/.ssh" "$SSH_BEFORE" "$(snapshot)"
}

# Asserts that grep with these arguments finds nothing ("! grep" would
# not stop a bats test).
refute_grep() {
	run grep "$@"
	if [ "$status" -ne 1 ]; then
		echo "grep $* found:" >&2
		printf '%s\n' "$output" >&2
		return 1
	fi
}

# A user's own ~/.ssh/config, then one machine started, so that there
# is a generated config and a fragment that a failure must leave alone.
prime() {
	mkdir -p -m 0700 "$HOME/.ssh"
	printf '%s\n' '# my own settings' 'ServerAliveInterval 42' >"$CONF"
	run --separate-stderr "$REDOCK" start --no-shell "${1:-bprime}"
	if [ "$status" -ne 0 ]; then
		echo "redock start ${1:-bprime}: $status: $stderr" >&2
		return 1
	fi
	[ -f "$CONF.d/10-redock-${1:-bprime}-container" ]
}

# Prints the ID of container $1, or fails.
container_id() {
	docker container inspect -f '{{.Id}}' "$1"
}

# Makes image $USER:$1 from redock:base with the command $2 (JSON).
make_image() {
	local cid

	cid=$(docker create --label "$TEST_LABEL" redock:base) || return
	docker commit --change "CMD $2" "$cid" "$USER:$1" >/dev/null
	docker rm "$cid" >/dev/null
}

@test "bad NAMEs for start, commit, kill, delete and ssh-config: exit 2, one line, nothing touched" {
	prime
	record
	long129=b$(printf 'a%.0s' $(seq 128))
	names=(
		"Bad:bx"		# upper-case repository
		"${USER}:"		# empty tag
		":bx"			# empty repository
		"bx:"
		"${USER}:-bx"		# tag starting with '-'
		"${USER}:$long129"	# 129 characters
		"${USER}:b x"		# a space
		"${USER} x:bx"
		"a//b:bc"
		$'a\nb:bc'		# a newline
		$'bx\nHost *'
		""
		"${USER}:b/x"
	)
	for cmd in start commit kill delete ssh-config; do
		for name in "${names[@]}"; do
			fails_with 2 "$cmd" "$name"
			stderr_has "invalid NAME '"
		done
	done
	# The line shows control characters escaped.
	fails_with 2 kill $'a\nb:bc'
	stderr_has "'a\\nb:bc'"
	fails_with 2 start "Bad:bx"
	stderr_has "repository 'Bad'" "lower-case"
	fails_with 2 start "${USER}:$long129"
	stderr_has "longer than 128"
	# A bad NAME after a good one: the good one is not started either.
	fails_with 2 start bgood "Bad:bx"
	run docker container inspect "$(ename bgood-container)"
	[ "$status" -ne 0 ]
	assert_engine_unchanged
	assert_ssh_unchanged
}

@test "a tag too long for a host name, -n with several NAMEs, a bad -n: exit 2" {
	prime
	record
	for n in 64 100 128; do
		tag=b$(printf 'a%.0s' $(seq $((n - 1))))
		[ "${#tag}" -eq "$n" ]
		fails_with 2 start "$tag"
		stderr_has "invalid NAME" "too long for a host name" "-n"
	done
	fails_with 2 start -n bx ba bb
	stderr_has "'-n'"
	fails_with 2 start -n 'bad host' bx
	stderr_has "invalid host name 'bad host'"
	fails_with 2 start -n '' bx
	stderr_has "invalid host name"
	fails_with 2 start -n
	fails_with 2 start --frob bx
	fails_with 2 start
	assert_engine_unchanged
	assert_ssh_unchanged
}

@test "redock:base is not a NAME: exit 2 for every command" {
	prime
	record
	for cmd in start commit kill delete ssh-config; do
		fails_with 2 "$cmd" redock:base
		stderr_has "invalid NAME 'redock:base'" "base image" "redock base --help"
	done
	assert_engine_unchanged
	assert_ssh_unchanged
	docker image inspect redock:base >/dev/null
}

@test "an unknown NAME for commit, kill, delete and ssh-config: exit 1, one line" {
	prime
	record
	fails_with 1 commit bnope
	stderr_has "cannot commit '$USER:bnope'" "has no container"
	fails_with 1 kill bnope
	stderr_has "cannot kill '$USER:bnope'" "has no container"
	fails_with 1 delete bnope
	stderr_has "cannot delete '$USER:bnope'" "no such image"
	fails_with 1 ssh-config bnope
	stderr_has "'$USER:bnope'" "has no container"
	# In another repository, and with the tag of a running machine.
	fails_with 1 kill "${USER}x:bprime"
	stderr_has "cannot kill '${USER}x:bprime'" "has no container"
	fails_with 1 ssh-config "${USER}x:bprime"
	stderr_has "'${USER}x:bprime'"
	assert_engine_unchanged
	assert_ssh_unchanged
}

@test "an alias taken by another repository is refused; -n gives the second one its own" {
	prime
	run --separate-stderr redock start --no-shell "${USER}x:bweb"
	[ "$status" -eq 0 ]
	frag=$CONF.d/10-redock-bweb-container
	[ -f "$frag" ]
	cp "$frag" "$BATS_TEST_TMPDIR/bweb-fragment"
	first=$(container_id "$(ename bweb-container)")
	record

	fails_with 1 start "${USER}y:bweb"
	stderr_has "cannot start '${USER}y:bweb'" "'bweb-container'" \
	    "taken by '${USER}x:bweb'" "-n"
	assert_engine_unchanged
	assert_ssh_unchanged
	cmp "$frag" "$BATS_TEST_TMPDIR/bweb-fragment"
	[ "$(container_id "$(ename bweb-container)")" = "$first" ]

	run --separate-stderr redock start --no-shell -n bother "${USER}y:bweb"
	[ "$status" -eq 0 ]
	[[ $output == *"bother-container"* ]]
	run docker container inspect -f \
	    '{{index .Config.Labels "io.redock.name"}} {{index .Config.Labels "io.redock.alias"}} {{.State.Running}}' \
	    "$(ename bother-container)"
	[ "$output" = "${USER}y:bweb bother-container true" ]
	[ -f "$CONF.d/10-redock-bother-container" ]
	cmp "$frag" "$BATS_TEST_TMPDIR/bweb-fragment"
	[ "$(container_id "$(ename bweb-container)")" = "$first" ]
	grep -qx 'Host bother-container' "$CONF"
	grep -qx 'Host bweb-container' "$CONF"
}

@test "a container called like the alias that redock did not make is left alone" {
	prime
	foreign=$(docker create --name "$(ename bweb-container)" \
	    --label "$TEST_LABEL" redock:base)
	record

	fails_with 1 start bweb
	stderr_has "cannot start '$USER:bweb'" "'$(ename bweb-container)'" \
	    "did not make"
	assert_engine_unchanged
	assert_ssh_unchanged
	run docker container inspect -f \
	    '{{.Id}} {{.State.Status}} {{index .Config.Labels "io.redock.name"}}' \
	    "$(ename bweb-container)"
	[ "$output" = "$foreign created " ] || [ "$output" = "$foreign created <no value>" ]
	[ ! -e "$CONF.d/10-redock-bweb-container" ]
	refute_grep 'bweb-container' "$CONF"
}

# redock's home: its host key directories and known_hosts lines.
keys_state() {
	ls -A "$REDOCK_HOME/hosts"
	cat "$REDOCK_HOME/known_hosts"
}

@test "a refused or failed start leaves no host key and no pin behind" {
	prime
	redock start --no-shell "${USER}x:btaken" >/dev/null
	redock start --no-shell bstopped >/dev/null
	docker stop -t 1 "$(ename bstopped-container)" >/dev/null
	docker create --name "$(ename bforeign-container)" --label "$TEST_LABEL" \
	    redock:base >/dev/null
	make_image bexit '["sh","-c","exit 3"]'
	before=$(keys_state)
	[ "$(grep -c . <<<"$before")" = 6 ]
	record

	# A container of that name that redock did not make.
	fails_with 1 start bforeign
	stderr_has "did not make"
	# The alias of another repository's container.
	fails_with 1 start "${USER}y:btaken"
	stderr_has "taken by"
	# Another host name for a container that has one.
	fails_with 1 start -n bother bstopped
	# A container that stops at once.
	fails_with 1 start bexit
	stderr_has "stopped"
	# Several at once, all refused.
	run --separate-stderr redock start --no-shell bforeign bexit
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 2 ]

	[ "$(keys_state)" = "$before" ]
	assert_engine_unchanged
	assert_ssh_unchanged
	[ ! -e "$REDOCK_HOME/hosts/bforeign-container" ]
	[ ! -e "$REDOCK_HOME/hosts/bexit-container" ]
	[ ! -e "$REDOCK_HOME/hosts/bother-container" ]
}

@test "no engine at -H or DOCKER_HOST: every command exits 1 in one line, ~/.ssh untouched" {
	prime
	record
	none=unix:///nonexistent/docker.sock
	real=${DOCKER_HOST:-unix:///var/run/docker.sock}
	cmds=("start bweb" "start -n bhost bweb" "kill bprime" "commit bprime"
	    "delete bprime" "list" "list --json" "sync" "sync --force"
	    "ssh-config bprime")
	for cmd in "${cmds[@]}"; do
		# -H wins over a DOCKER_HOST that works.
		DOCKER_HOST=$real fails_with 1 -H "$none" $cmd
		stderr_has "cannot reach the engine at $none"
		DOCKER_HOST=$none fails_with 1 $cmd
		stderr_has "cannot reach the engine at $none"
	done
	assert_engine_unchanged
	assert_ssh_unchanged
}

@test "a hand edit of ~/.ssh/config stops start, kill, delete and sync; sync --force drops it" {
	prime
	run --separate-stderr redock start --no-shell bweb
	[ "$status" -eq 0 ]
	run --separate-stderr redock commit bweb
	[ "$status" -eq 0 ]
	web=$(container_id "$(ename bweb-container)")
	image=$(docker image inspect -f '{{.Id}}' "$USER:bweb")
	echo '# hand' >>"$CONF"
	cp "$CONF" "$BATS_TEST_TMPDIR/edited"
	record

	for cmd in "start bhand" "start -n bhand2 ${USER}x:bweb" "kill bweb" \
	    "delete bweb" "sync"; do
		fails_with 1 $cmd
		stderr_has "cannot ${cmd%% *}: '$CONF' was edited by hand" \
		    "1 line added (first '# hand'), 0 removed" \
		    "'$CONF.d/local'" "redock sync --force"
		cmp "$CONF" "$BATS_TEST_TMPDIR/edited"
	done
	assert_engine_unchanged
	assert_ssh_unchanged
	[ "$(container_id "$(ename bweb-container)")" = "$web" ]
	[ "$(docker image inspect -f '{{.Id}}' "$USER:bweb")" = "$image" ]
	run docker container inspect "$(ename bhand-container)"
	[ "$status" -ne 0 ]
	[ ! -e "$CONF.d/10-redock-bhand-container" ]

	run --separate-stderr redock sync --force
	[ "$status" -eq 0 ]
	refute_grep -x '# hand' "$CONF"
	refute_grep -rx '# hand' "$CONF.d"
	# The user's own lines and the machines are all still there.
	grep -qx 'ServerAliveInterval 42' "$CONF"
	grep -qx 'Host bweb-container' "$CONF"
	grep -qx 'Host bprime-container' "$CONF"
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	run --separate-stderr redock kill bweb
	[ "$status" -eq 0 ]
}

@test "an sshd that never answers: start gives up after REDOCK_START_TIMEOUT and removes its container" {
	prime
	make_image bsleep '["sleep","infinity"]'
	record

	t0=$(date +%s)
	REDOCK_START_TIMEOUT=2 fails_with 1 start bsleep
	t1=$(date +%s)
	stderr_has "cannot start '$USER:bsleep'" "did not answer" "127.0.0.1:" "within 2 s"
	[ $((t1 - t0)) -lt 10 ] || { echo "took $((t1 - t0)) s" >&2; return 1; }
	assert_engine_unchanged
	assert_ssh_unchanged
	run docker container inspect "$(ename bsleep-container)"
	[ "$status" -ne 0 ]
	[ ! -e "$CONF.d/10-redock-bsleep-container" ]
}

@test "a container whose command exits at once: its log in the one line, no container left" {
	prime
	make_image bexit '["sh","-c","echo boom >&2; exit 3"]'
	record

	fails_with 1 start bexit
	stderr_has "cannot start '$USER:bexit'" "stopped" "boom"
	assert_engine_unchanged
	assert_ssh_unchanged
	run docker container inspect "$(ename bexit-container)"
	[ "$status" -ne 0 ]
	[ ! -e "$CONF.d/10-redock-bexit-container" ]
}

@test "delete refuses an image redock did not make, and a NAME never committed" {
	prime
	docker tag debian:bookworm-slim "$USER:bforeign"
	debian=$(docker image inspect -f '{{.Id}}' debian:bookworm-slim)
	record

	fails_with 1 delete bforeign
	stderr_has "cannot delete '$USER:bforeign'" "redock did not make that image"
	[ "$(docker image inspect -f '{{.Id}}' "$USER:bforeign")" = "$debian" ]
	fails_with 1 delete debian:bookworm-slim
	stderr_has "cannot delete 'debian:bookworm-slim'" "redock did not make that image"
	[ "$(docker image inspect -f '{{.Id}}' debian:bookworm-slim)" = "$debian" ]

	# bprime has a container but no image.
	prime_id=$(container_id "$(ename bprime-container)")
	fails_with 1 delete bprime
	stderr_has "cannot delete '$USER:bprime'" "never committed"
	[ "$(container_id "$(ename bprime-container)")" = "$prime_id" ]
	[ "$(docker container inspect -f '{{.State.Running}}' "$(ename bprime-container)")" = true ]
	assert_engine_unchanged
	assert_ssh_unchanged
	docker rmi "$USER:bforeign" >/dev/null
}

@test "a bad REDOCK_START_TIMEOUT is refused in one line before anything is made" {
	prime
	record
	for t in 0 abc -1 1.5 ' 3' 3601 99999999999999999999; do
		REDOCK_START_TIMEOUT=$t fails_with 1 start btime
		stderr_has "REDOCK_START_TIMEOUT is '$t'"
	done
	assert_engine_unchanged
	assert_ssh_unchanged
	run docker container inspect "$(ename btime-container)"
	[ "$status" -ne 0 ]
}

@test "with no ~/.ssh at all, start makes it with mode 700 and the machine answers ssh" {
	umask 022
	[ ! -e "$HOME/.ssh" ]
	run --separate-stderr redock start --no-shell bfresh
	[ "$status" -eq 0 ]
	[[ $output == *"ssh bfresh-container"* ]]
	[ "$(stat -c %a "$HOME/.ssh")" = 700 ]
	[ "$(stat -c %a "$CONF.d")" = 700 ]
	[ "$(stat -c %a "$CONF")" = 600 ]
	[ "$(stat -c %a "$CONF.d/10-redock-bfresh-container")" = 600 ]
	grep -qx 'Host bfresh-container' "$CONF"
	run --separate-stderr timeout 30 ssh -F "$CONF" -o BatchMode=yes \
	    bfresh-container 'hostname'
	[ "$status" -eq 0 ]
	[ "$output" = bfresh ]
}

@test "a stopped container keeps its alias: start -n with another host name exits 1" {
	prime
	run --separate-stderr redock start --no-shell bstop
	[ "$status" -eq 0 ]
	docker stop -t 0 "$(ename bstop-container)" >/dev/null
	stopped=$(container_id "$(ename bstop-container)")
	record

	fails_with 1 start -n bdifferent bstop
	stderr_has "cannot start '$USER:bstop'" "'bstop-container'" "'bdifferent-container'"
	assert_engine_unchanged
	assert_ssh_unchanged
	[ "$(container_id "$(ename bstop-container)")" = "$stopped" ]
	[ "$(docker container inspect -f '{{.State.Running}}' "$(ename bstop-container)")" = false ]
	run docker container inspect "$(ename bdifferent-container)"
	[ "$status" -ne 0 ]
	[ ! -e "$CONF.d/10-redock-bdifferent-container" ]
}
