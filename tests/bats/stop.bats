#!/usr/bin/env bats
# redock stop against the real engine and the real OpenSSH client: the
# container stops with its changes kept and its alias goes; start
# resumes the same container with its alias back; list shows it
# stopped; a NAME without a container is one line and exit status 1.
#
# A container's engine name is its alias: every TAG here is "s", this
# run's id and a letter, so that no other run's aliases meet these.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup() {
	redock_setup
	require_engine
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	T=s${REDOCK_TEST_RUN//[!a-z0-9]/}
}

@test "stop keeps the container's changes; start resumes it, alias back" {
	local id port
	run -0 redock start --no-shell "${T}a"
	id=$(docker inspect -f '{{.Id}}' "$(ename ${T}a-container)")
	run -0 ssh_to "${T}a-container" 'echo kept >/root/file'
	[ -f "$(fragment "${T}a-container")" ]

	run --separate-stderr redock stop "${T}a"
	[ "$status" -eq 0 ]
	[ "$output" = "stopped '$USER:${T}a': 'redock start $USER:${T}a' resumes it" ]
	[ -z "$stderr" ]
	[ "$(docker inspect -f '{{.State.Status}}' "$id")" = exited ]
	# The alias reaches nothing while it is stopped: it is gone.
	[ ! -e "$(fragment "${T}a-container")" ]
	! grep -q "${T}a-container" "$HOME/.ssh/config"
	run ssh_to "${T}a-container" true
	[ "$status" -ne 0 ]
	# list shows it, stopped.
	run -0 redock list
	[[ $output =~ "$USER:${T}a"\ +exited\ +"${T}a-container"\ +-\  ]]
	run -0 redock list --json
	[ "$(jq -r --arg n "$USER:${T}a" '.[] | select(.name == $n) | .state' \
	    <<<"$output")" = exited ]

	# start: the same container, a port of its own, the alias back.
	run -0 redock start --no-shell "${T}a"
	[ "$output" = "started '$USER:${T}a' again: ssh ${T}a-container" ]
	[ "$(docker inspect -f '{{.Id}}' "$(ename ${T}a-container)")" = "$id" ]
	port=$(docker_port "$(ename ${T}a-container)")
	[ "$(fragment_port "${T}a-container")" = "$port" ]
	run -0 ssh_to "${T}a-container" 'cat /root/file'
	[ "$output" = kept ]
}

@test "stop: a stopped one is said so, its stale alias goes" {
	run -0 redock start --no-shell "${T}b"
	# Stopped behind redock's back: the alias stays until stop.
	docker stop -t 1 "$(ename ${T}b-container)" >/dev/null
	[ -f "$(fragment "${T}b-container")" ]
	run --separate-stderr redock stop "${T}b"
	[ "$status" -eq 0 ]
	[ "$output" = "'$USER:${T}b' was stopped already" ]
	[ ! -e "$(fragment "${T}b-container")" ]
	# -q: nothing at all.
	prints "" redock -q stop "${T}b"
}

@test "stop: a NAME without a container, a bad NAME, a bad option" {
	fails_with 1 stop "${T}none"
	stderr_has "cannot stop '$USER:${T}none': it has no container"
	fails_with 2 stop 'Bad:Name'
	fails_with 2 stop --force "${T}none"
	fails_with 2 stop
}

@test "stop: each NAME in turn; one without a container makes it exit 1" {
	run -0 redock start --no-shell "${T}c"
	run --separate-stderr redock stop "${T}none" "${T}c" "${T}c"
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ "$output" = "stopped '$USER:${T}c': 'redock start $USER:${T}c' resumes it" ]
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename ${T}c-container)")" = exited ]
}
