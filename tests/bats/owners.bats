#!/usr/bin/env bats
# Owners (redock.1, ENGINES: a shared engine): two users of one engine,
# each with a NAME of the same TAG ("A:T" and "B:T", both with the alias
# T-container), as on a team's build server. Each container records
# its owner (io.redock.owner) and is named in the engine OWNER.ALIAS, so
# both starts succeed, each user reaches their own container over the
# alias with the real OpenSSH, and each user's list, sync, reset and
# kill see and touch their own containers alone. Environments of one
# name are apart too: each user's is a network of its own. A container
# made by a redock from before owners (no owner label, the engine name
# ALIAS) is still listed, started, synced and killed.
#
# The two users are real non-root users of this host in the docker
# group, made once for the file (helper.bash, user_make), each with a
# HOME and REDOCK_HOME of its own; their names, and so their NAMEs'
# repositories, start with the run's name, and every TAG is "ow" and
# the run's id, which no other run uses.

load helper
FILE_LOCK=alone	# its legacy container, without an owner, is every run's

setup_file() {
	file_lock
	export T=ow${REDOCK_TEST_RUN//[!a-z0-9]/}
	export UA="${REDOCK_TEST_RUN}oa" UA_HOME= UA_DIR=
	export UB="${REDOCK_TEST_RUN}ob" UB_HOME= UB_DIR=
	[ "$(id -u)" -eq 0 ] || return 0
	docker version >/dev/null 2>&1 || return 0
	docker image inspect redock:base >/dev/null 2>&1 ||
	    "$REDOCK" -q base >/dev/null
	HU=$UA user_make owners-a
	UA_HOME=$HU_HOME UA_DIR=$HU_DIR
	HU=$UB user_make owners-b
	UB_HOME=$HU_HOME UB_DIR=$HU_DIR
	# Both start the same TAG at once, once for the file.
	as_a "$REDOCK" -q start --no-shell "$T" >"$BATS_FILE_TMPDIR/a.out" \
	    2>&1 &
	as_b "$REDOCK" -q start --no-shell "$T" >"$BATS_FILE_TMPDIR/b.out" \
	    2>&1 || echo $? >"$BATS_FILE_TMPDIR/b.failed"
	wait $! || echo $? >"$BATS_FILE_TMPDIR/a.failed"
}

teardown_file() {
	redock_cleanup
	HU_DIR=$UA_DIR HU=$UA user_remove
	HU_DIR=$UB_DIR HU=$UB user_remove
	file_unlock
}

setup() {
	redock_setup
	[ "$(id -u)" -eq 0 ] || skip "needs root, to make users of this host"
	require_engine
	getent passwd "$UA" >/dev/null && getent passwd "$UB" >/dev/null || {
		echo "setup_file made no users '$UA' and '$UB'" >&2
		return 1
	}
}

# Nothing per test: the file's clean-up takes what the tests made (the
# users' containers are the file's).
teardown() {
	:
}

# Runs the rest as user A, or B (helper.bash, as_user).
as_a() {
	HU=$UA HU_HOME=$UA_HOME as_user "$@"
}

as_b() {
	HU=$UB HU_HOME=$UB_HOME as_user "$@"
}

# ssh over alias $2 as user $1 (a or b), with that user's configuration.
ssh_as() {
	local who=$1

	shift
	if [ "$who" = a ]; then
		HU=$UA HU_HOME=$UA_HOME user_ssh "$@"
	else
		HU=$UB HU_HOME=$UB_HOME user_ssh "$@"
	fi
}

# The engine's ID of the container called $1, or nothing.
id_of() {
	docker inspect -f '{{.Id}}' "$1" 2>/dev/null || :
}

# The port of the alias $2 in the fragment of user $1's configuration.
alias_port() {
	local home=$UA_HOME

	[ "$1" = a ] || home=$UB_HOME
	awk '$1 == "Port" { print $2 }' \
	    "$home/.ssh/config.d/10-redock-$2" 2>/dev/null
}

@test "two users start the same TAG on one engine: each gets a container of its own, named after its owner" {
	if [ -e "$BATS_FILE_TMPDIR/a.failed" ] ||
	    [ -e "$BATS_FILE_TMPDIR/b.failed" ]; then
		cat "$BATS_FILE_TMPDIR/a.out" "$BATS_FILE_TMPDIR/b.out" >&2
		return 1
	fi
	[ -n "$(id_of "$UA.$T-container")" ]
	[ -n "$(id_of "$UB.$T-container")" ]
	[ "$(id_of "$UA.$T-container")" != "$(id_of "$UB.$T-container")" ]
	run ! docker inspect "$T-container"
	[ "$(docker inspect -f '{{index .Config.Labels "io.redock.owner"}} {{index .Config.Labels "io.redock.name"}} {{index .Config.Labels "io.redock.alias"}}' \
	    "$UA.$T-container")" = "$UA $UA:$T $T-container" ]
	[ "$(docker inspect -f '{{index .Config.Labels "io.redock.owner"}} {{index .Config.Labels "io.redock.name"}} {{index .Config.Labels "io.redock.alias"}}' \
	    "$UB.$T-container")" = "$UB $UB:$T $T-container" ]
}

@test "each user reaches their own container over the same alias with OpenSSH" {
	docker exec "$UA.$T-container" sh -c "echo $UA >/tmp/owner"
	docker exec "$UB.$T-container" sh -c "echo $UB >/tmp/owner"
	run ssh_as a "$T-container" 'hostname; cat /tmp/owner'
	[ "$status" -eq 0 ]
	[ "$output" = "$T
$UA" ]
	run ssh_as b "$T-container" 'hostname; cat /tmp/owner'
	[ "$status" -eq 0 ]
	[ "$output" = "$T
$UB" ]
	[ "$(alias_port a "$T-container")" = "$(docker_port "$UA.$T-container")" ]
	[ "$(alias_port b "$T-container")" = "$(docker_port "$UB.$T-container")" ]
}

@test "each user's list shows their own container alone" {
	run as_a "$REDOCK" list
	[ "$status" -eq 0 ]
	[[ $output == *"$UA:$T "*running* ]]
	[[ $output != *"$UB:"* ]]
	run as_b "$REDOCK" list
	[ "$status" -eq 0 ]
	[[ $output == *"$UB:$T "*running* ]]
	[[ $output != *"$UA:"* ]]
}

@test "one user's sync leaves the other's container alone and writes no alias for it" {
	local a b

	# B's container gets a new port: only B's sync may follow it.
	docker restart -t 1 "$UB.$T-container" >/dev/null
	a=$(id_of "$UA.$T-container")
	b=$(id_of "$UB.$T-container")
	run as_a "$REDOCK" -v sync
	[ "$status" -eq 0 ]
	[[ $output != *"$UB"* ]]
	[ "$(alias_port a "$T-container")" = "$(docker_port "$UA.$T-container")" ]
	[ "$(id_of "$UB.$T-container")" = "$b" ]
	[ "$(id_of "$UA.$T-container")" = "$a" ]
	run ls "$UA_HOME/.ssh/config.d"
	[ "$output" = "10-redock-$T-container" ]

	# Restarted outside redock, B's container waits for its keys (its
	# boot step): B's sync gives them, says so, then follows the port.
	run as_b "$REDOCK" sync
	[ "$status" -eq 0 ]
	[ "$output" = "gave keys to $T-container ('$UB:$T')"$'\n'"updated $T-container ('$UB:$T', port $(docker_port "$UB.$T-container"))" ]
	[ "$(alias_port a "$T-container")" = "$(docker_port "$UA.$T-container")" ]
	run ssh_as b "$T-container" 'cat /tmp/owner'
	[ "$output" = "$UB" ]
	run ssh_as a "$T-container" 'cat /tmp/owner'
	[ "$output" = "$UA" ]
}

@test "one user's reset makes their own container anew, under their name; the other's stays" {
	local a b

	a=$(id_of "$UA.$T-container")
	b=$(id_of "$UB.$T-container")
	run as_a "$REDOCK" reset "$T"
	[ "$status" -eq 0 ]
	[ -n "$(id_of "$UA.$T-container")" ]
	[ "$(id_of "$UA.$T-container")" != "$a" ]
	[ "$(id_of "$UB.$T-container")" = "$b" ]
	# No spare or old one is left.
	[ -z "$(docker ps -aq --filter "label=io.redock.name=$UA:$T" \
	    --filter "name=$UA.$T-container.")" ]
	run ssh_as a "$T-container" 'test -e /tmp/owner || echo anew'
	[ "$output" = anew ]
	run ssh_as b "$T-container" 'cat /tmp/owner'
	[ "$output" = "$UB" ]
}

@test "one user's kill leaves the other's container running" {
	run as_a "$REDOCK" kill "$T"
	[ "$status" -eq 0 ]
	[ "$output" = "killed '$UA:$T'" ]
	[ -z "$(id_of "$UA.$T-container")" ]
	[ "$(docker inspect -f '{{.State.Running}}' "$UB.$T-container")" = true ]
	run ssh_as b "$T-container" 'cat /tmp/owner'
	[ "$status" -eq 0 ]
	[ "$output" = "$UB" ]
	# A's NAME has no container: nothing to kill, B's is not it.
	run as_a "$REDOCK" kill "$T"
	[ "$status" -ne 0 ]
	[ "$(docker inspect -f '{{.State.Running}}' "$UB.$T-container")" = true ]
}

@test "two users' environments of one name are networks of their own" {
	local ini="environment = ${T}env
[${T}e]"

	as_a sh -c "mkdir -p proj && printf '%s\n' '$ini' >proj/redock.ini"
	as_b sh -c "mkdir -p proj && printf '%s\n' '$ini' >proj/redock.ini"
	run as_a sh -c 'cd proj && exec "$0" up' "$REDOCK"
	[ "$status" -eq 0 ]
	run as_b sh -c 'cd proj && exec "$0" up' "$REDOCK"
	[ "$status" -eq 0 ]
	[ "$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' \
	    "$UA.${T}e-container")" = "$UA.redock-${T}env" ]
	[ "$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' \
	    "$UB.${T}e-container")" = "$UB.redock-${T}env" ]
	[ "$(docker network inspect -f '{{index .Labels "io.redock.owner"}}' \
	    "$UA.redock-${T}env")" = "$UA" ]
	# Each resolves its own TAG to its own container alone.
	[ "$(docker exec "$UA.${T}e-container" getent hosts "${T}e" |
	    awk '{ print $1 }')" = "$(docker inspect -f \
	    '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' \
	    "$UA.${T}e-container")" ]
	run as_a "$REDOCK" list
	[[ $output == *"$UA:${T}e "*" ${T}env"* ]]
	[[ $output != *"$UB:"* ]]

	run as_a sh -c 'cd proj && exec "$0" down' "$REDOCK"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "removed the network '$UA.redock-${T}env'" ]
	run ! docker network inspect "$UA.redock-${T}env"
	docker network inspect "$UB.redock-${T}env" >/dev/null
	[ "$(docker inspect -f '{{.State.Running}}' "$UB.${T}e-container")" = true ]
	run as_b sh -c 'cd proj && exec "$0" down' "$REDOCK"
	[ "$status" -eq 0 ]
	run ! docker network inspect "$UB.redock-${T}env"
}

@test "a container made before owners, named after its alias alone, is still listed, started, synced and killed" {
	local id

	# As a redock from before owners made it, not yet started (its keys
	# go in at its start): its labels but the owner.
	id=$(docker create --name "${T}old-container" -l "$TEST_LABEL" \
	    -l "io.redock.name=$USER:${T}old" \
	    -l "io.redock.alias=${T}old-container" \
	    -p 127.0.0.1::22 redock:base)
	run redock list
	[ "$status" -eq 0 ]
	[[ $output == *"$USER:${T}old "*"${T}old-container"* ]]

	run redock start --no-shell "${T}old"
	[ "$status" -eq 0 ]
	[ "$(id_of "${T}old-container")" = "$id" ]
	run ! docker inspect "$USER.${T}old-container"
	run ssh -F "$HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes "${T}old-container" hostname
	[ "$status" -eq 0 ]

	docker restart -t 1 "${T}old-container" >/dev/null
	run redock sync
	[ "$status" -eq 0 ]
	[[ $output == *"updated ${T}old-container"* ]]
	[ "$(fragment_port "${T}old-container")" = \
	    "$(docker_port "${T}old-container")" ]

	# Its start is not another NAME's: an alias it has stays its own.
	run redock start --no-shell "${USER}x:${T}old"
	[ "$status" -ne 0 ]
	[[ $output == *"alias '${T}old-container' is taken by '$USER:${T}old'"* ]]

	run redock kill "${T}old"
	[ "$status" -eq 0 ]
	[ "$output" = "killed '$USER:${T}old'" ]
	[ -z "$(id_of "${T}old-container")" ]
}
