#!/usr/bin/env bats
# The ground the other tests stand on: a Docker engine, the base image's
# parent made offline by contrib/setup, an isolated HOME for each test,
# and clean-up that happens even when a test fails.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

@test "a Docker engine answers" {
	require_engine
	run docker version --format '{{.Server.APIVersion}}'
	[ "$status" -eq 0 ]
	[[ $output =~ ^1\.[0-9]+$ ]]
}

@test "the base image's parent, debian:bookworm-slim, is there" {
	require_engine
	run docker image inspect --format '{{.Os}}' debian:bookworm-slim
	[ "$status" -eq 0 ]
	[ "$output" = linux ]
	run docker run --rm debian:bookworm-slim sh -c '. /etc/os-release && echo $VERSION_CODENAME'
	[ "$status" -eq 0 ]
	[ "$output" = bookworm ]
}

@test "each test has its own HOME, REDOCK_HOME and USER" {
	real_home=$(getent passwd "$(id -u)" | cut -d: -f6)
	[ "$HOME" != "$real_home" ]
	[[ $HOME == "$BATS_TEST_TMPDIR"/* ]]
	[[ $REDOCK_HOME == "$BATS_TEST_TMPDIR"/* ]]
	[ -d "$HOME" ]
	[ "$(stat -c %a "$HOME")" = 700 ]
	[[ $USER == "$REDOCK_TEST_RUN"t* ]]
	[ -z "${XDG_DATA_HOME:-}" ]
}

@test "what a failing test made is removed all the same" {
	require_engine
	out=$BATS_TEST_TMPDIR/fixture
	mkdir "$out"
	run env REDOCK_TEST_RUN="${REDOCK_TEST_RUN}n" FIXTURE_OUT="$out" \
	    bats --tap "$TOP/tests/bats/fixtures/fails.bats"
	[ "$status" -eq 1 ]
	[[ $output == *"not ok 1 makes containers and an image"* ]]
	for what in running redock image; do
		[ -s "$out/$what" ]
	done
	run docker container inspect "$(cat "$out/running")"
	[ "$status" -ne 0 ]
	run docker container inspect "$(cat "$out/redock")"
	[ "$status" -ne 0 ]
	run docker image inspect "$(cat "$out/image")"
	[ "$status" -ne 0 ]
}
