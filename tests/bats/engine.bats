#!/usr/bin/env bats
# How redock reaches the engine, seen through 'redock list': the real
# engine, an engine that is not there, and a fake one that misbehaves.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

teardown() {
	fake_engine_stop
	redock_teardown
}

@test "list shows a container with redock's labels, its alias and its 127.0.0.1 port" {
	require_engine
	name=$USER:web
	docker run -d --name "$REDOCK_TEST_RUN-list" -l "$TEST_LABEL" \
	    -l "io.redock.owner=$USER" \
	    -l "io.redock.name=$name" -l io.redock.alias=web-container \
	    -p 127.0.0.1::22 debian:bookworm-slim sleep 300 >/dev/null
	port=$(docker port "$REDOCK_TEST_RUN-list" 22/tcp | sed 's/.*://')

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "NAME "*" STATE "*" ALIAS "*" PORT "*" IMAGE "*" CREATED "*" ENVIRONMENT" ]]
	row=$(printf '%s\n' "$output" | grep "^$name ")
	read -r -a f <<<"$row"
	[ "${f[0]}" = "$name" ]
	[ "${f[1]}" = running ]
	[ "${f[2]}" = web-container ]
	[ "${f[3]}" = "$port" ]
	[ "${f[4]}" = debian:bookworm-slim ]
}

@test "list --json gives the same as an array of objects" {
	require_engine
	name=$USER:db
	docker create --name "$REDOCK_TEST_RUN-json" -l "$TEST_LABEL" \
	    -l "io.redock.owner=$USER" \
	    -l "io.redock.name=$name" debian:bookworm-slim true >/dev/null
	run --separate-stderr redock list --json
	[ "$status" -eq 0 ]
	got=$(python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["name"] == sys.argv[1]]
assert len(rows) == 1, rows
r = rows[0]
assert set(r) == {"name", "state", "alias", "port", "image", "created",
    "settings", "environment"}, r
print(r["state"], r["alias"], r["port"], r["image"], r["created"][:4])
' "$name" <<<"$output")
	[ "$got" = "created None None debian:bookworm-slim $(date -u +%Y)" ]
}

@test "a committed image without its container is listed as saved" {
	require_engine
	name=$USER:saved
	docker create --name "$REDOCK_TEST_RUN-saved" -l "$TEST_LABEL" \
	    -l "io.redock.owner=$USER" \
	    -l "io.redock.name=$name" debian:bookworm-slim true >/dev/null
	docker commit "$REDOCK_TEST_RUN-saved" "$name" >/dev/null
	docker rm "$REDOCK_TEST_RUN-saved" >/dev/null
	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	row=$(printf '%s\n' "$output" | grep "^$name ")
	read -r -a f <<<"$row"
	[ "${f[1]}" = saved ]
	[ "${f[4]}" = "$name" ]
}

@test "an engine that is not there: one clear line and exit 1" {
	DOCKER_HOST=unix:///nonexistent run --separate-stderr redock list
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[ "$stderr" = "redock: cannot reach the engine at unix:///nonexistent: no such file or directory: is the engine running?" ]
}

@test "-H wins over DOCKER_HOST" {
	DOCKER_HOST=unix:///nonexistent run --separate-stderr redock \
	    -H unix:///nonexistent/other list
	[ "$status" -eq 1 ]
	[[ $stderr == *"at unix:///nonexistent/other: "* ]]
}

@test "a malformed -H is a usage error, a malformed DOCKER_HOST an error" {
	run --separate-stderr redock -H 'ftp://me@host' list
	[ "$status" -eq 2 ]
	assert_one_line_stderr
	[ "$stderr" = "redock: invalid engine address 'ftp://me@host': use unix:///PATH, tcp://HOST[:PORT] or ssh://[USER@]HOST[:PORT]" ]
	run --separate-stderr redock -H 'ssh://-oProxyCommand=x' list
	[ "$status" -eq 2 ]
	assert_one_line_stderr
	[[ $stderr == "redock: invalid engine address 'ssh://-oProxyCommand=x': "* ]]
	DOCKER_HOST=tcp://host:99999 run --separate-stderr redock list
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == "redock: invalid engine address 'tcp://host:99999': the port is too large" ]]
}

@test "nothing listening on tcp: connection refused, one line" {
	run --separate-stderr redock -H tcp://127.0.0.1:1 list
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ "$stderr" = "redock: cannot reach the engine at tcp://127.0.0.1:1: connection refused: is the engine running?" ]
}

@test "an engine that closes the connection or is too old: one line, exit 1" {
	fake_engine --ping close
	run --separate-stderr redock -H "$FAKE" list
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == "redock: the engine at $FAKE closed the connection during GET /_ping" ]]

	kill "$FAKE_PROC_PID"; wait "$FAKE_PROC_PID" || true
	fake_engine --api-version 1.30
	run --separate-stderr redock -H "$FAKE" list
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"speaks API 1.30 at most; redock needs 1.41 or newer" ]]
}

@test "an engine with nothing of redock's: list prints its header and exits 0" {
	fake_engine --api-version 1.41
	# The fake engine's list answer is empty: list prints the header.
	run --separate-stderr redock -H "$FAKE" list
	[ "$status" -eq 0 ]
	[[ $output =~ ^NAME\ +STATE\ +ALIAS\ +PORT\ +IMAGE\ +CREATED\ +ENVIRONMENT$ ]]
	[ -z "$stderr" ]
}
