#!/usr/bin/env bats
# Which engine a fragment records (GET /info, "# redock: engine ID@ROOT
# via URL") is asked while the NAMEs start, on a connection of its own
# (src/start.c): every fragment still records it, and an engine that
# will not say which it is stops the start in one line with nothing
# left half-done, be the NAMEs new, running or stopped.

load helper
FILE_LOCK=shared	# TAGs unique to the run (T)

setup() {
	redock_setup
	export T=i${REDOCK_TEST_RUN//[!a-z0-9]/}
	export REDOCK_START_TIMEOUT=10
}

teardown() {
	fake_engine_stop
	redock_teardown
}

# The fake engine (tests/fake-engine) with this user's $USER:web
# running and $USER:db stopped, and an SSH greeter; $1, if given, the
# --fail rule of its GET /info.
fake_start() {
	local objects=$BATS_TEST_TMPDIR/objects.json

	unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
	cat >"$objects" <<-EOF
	{"containers": [
	  {"name": "$USER.web-container", "image": "redock:base",
	   "state": "running", "port": "banner", "labels": {
	   "io.redock.name": "$USER:web", "io.redock.alias": "web-container",
	   "io.redock.owner": "$USER", "io.redock.version": "0.1.0"}},
	  {"name": "$USER.db-container", "image": "redock:base",
	   "state": "exited", "port": "banner", "labels": {
	   "io.redock.name": "$USER:db", "io.redock.alias": "db-container",
	   "io.redock.owner": "$USER", "io.redock.version": "0.1.0"}}
	 ],
	 "images": [
	  {"tags": ["redock:base"], "labels": {
	   "io.redock.base.parent": "debian:bookworm-slim"}},
	  {"tags": ["debian:bookworm-slim"]}
	 ]}
	EOF
	fake_engine --objects "$objects" --ssh-banner ${1:+--fail "$1"}
}

# What the fake engine holds, without the count of its rules' firings.
fake_objects() {
	curl -sS --max-time 5 --unix-socket "${FAKE#unix://}" \
	    http://fake/_fake/state | sed 1d
}

@test "each fragment of a start of several NAMEs records the engine's identity" {
	local id name

	require_engine
	id=$(docker info -f '{{.ID}}@{{.DockerRootDir}}')
	run --separate-stderr redock start --no-shell "${T}a" "${T}b" "${T}c"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	for name in "${T}a" "${T}b" "${T}c"; do
		grep -qxF "# redock: engine $id via unix:///var/run/docker.sock" \
		    "$(fragment "$name-container")"
	done
	run --separate-stderr redock start --no-shell "${T}d"
	[ "$status" -eq 0 ]
	grep -qxF "# redock: engine $id via unix:///var/run/docker.sock" \
	    "$(fragment "${T}d-container")"
	redock kill "${T}a" "${T}b" "${T}c" "${T}d" >/dev/null
}

@test "an engine that will not say which it is stops a start in one line, nothing left" {
	local before args mode

	for mode in boom close; do
		fake_start "GET ^/info=$mode"
		before=$(fake_objects)
		for args in fresh "fresh other third" web db "web fresh"; do
			# shellcheck disable=SC2086
			run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" \
			    start --no-shell $args
			[ "$status" -eq 1 ]
			assert_one_line_stderr
			# A connection's failure names the engine and the call.
			[[ $stderr == "redock: cannot start: cannot tell which engine it is: "* ||
			    $stderr == "redock: the engine at $FAKE closed the connection during GET /info" ]]
			[ -z "$output" ]
			# New containers gone, db stopped again, no alias.
			[ "$(fake_objects)" = "$before" ]
			[ ! -e "$HOME/.ssh/config.d/10-redock-fresh-container" ]
			[ ! -e "$HOME/.ssh/config.d/10-redock-db-container" ]
			[ ! -e "$HOME/.ssh/config.d/10-redock-web-container" ]
			# The host keys a refused start made are forgotten.
			[ ! -e "$REDOCK_HOME/hosts/fresh-container" ]
			[ ! -e "$REDOCK_HOME/hosts/other-container" ]
		done
		fake_engine_stop
	done
}

@test "through the fake engine, without /info, a fragment records its URL" {
	fake_start
	run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" start --no-shell \
	    fresh web db
	[ "$status" -eq 0 ]
	grep -qxF "# redock: engine $FAKE via $FAKE" \
	    "$(fragment fresh-container)"
	grep -qxF "# redock: engine $FAKE via $FAKE" "$(fragment web-container)"
	grep -qxF "# redock: engine $FAKE via $FAKE" "$(fragment db-container)"
}
