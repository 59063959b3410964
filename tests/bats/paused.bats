#!/usr/bin/env bats
# A container paused behind redock's back ("docker pause"), against the
# real engine: exec and shell say in one line that it is paused and what
# resumes it, list shows it paused, start resumes it and its alias
# works again.
#
# A container's engine name is its alias: every TAG here starts with
# "zp", which no other bats file uses.

load helper

setup() {
	redock_setup
	require_engine
}

@test "a paused container: exec and shell say so and what to run, list shows it, start resumes it, kill removes it" {
	redock start --no-shell zpause
	ssh_to zpause-container 'echo mine >/root/mark'
	id=$(docker inspect -f '{{.Id}}' "$(ename zpause-container)")
	port=$(docker_port "$(ename zpause-container)")
	docker pause "$(ename zpause-container)" >/dev/null
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename zpause-container)")" = paused ]

	for cmd in "exec zpause true" "shell zpause" "exec -t zpause true"; do
		run --separate-stderr redock $cmd </dev/null
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		assert_one_line_stderr
		[ "$stderr" = "redock: cannot reach '$USER:zpause': its container is paused: 'redock start $USER:zpause' resumes it" ]
	done

	run --separate-stderr redock list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg n "$USER:zpause" '.[] | select(.name == $n) | .state' \
	    <<<"$output")" = paused ]
	run --separate-stderr redock list
	run awk -v n="$USER:zpause" '$1 == n { print $2, $3 }' <<<"$output"
	[ "$output" = "paused zpause-container" ]

	run --separate-stderr redock start --no-shell zpause
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "resumed '$USER:zpause': ssh zpause-container" ]
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename zpause-container)")" = running ]
	# The same container, as it was: resumed, not made anew.
	[ "$(docker inspect -f '{{.Id}}' "$(ename zpause-container)")" = "$id" ]
	[ "$(docker_port "$(ename zpause-container)")" = "$port" ]
	[ "$(fragment_port zpause-container)" = "$port" ]
	run ssh_to zpause-container 'cat /root/mark'
	[ "$status" -eq 0 ]
	[ "$output" = mine ]
	run redock exec zpause echo ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]

	# Paused, it is killed like any other.
	docker pause "$(ename zpause-container)" >/dev/null
	run --separate-stderr redock kill zpause
	[ "$status" -eq 0 ]
	[ "$output" = "killed '$USER:zpause'" ]
	run docker inspect "$(ename zpause-container)"
	[ "$status" -ne 0 ]
	[ ! -e "$(fragment zpause-container)" ]
}
