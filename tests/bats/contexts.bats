#!/usr/bin/env bats
# Engine selection as the docker CLI does it (src/where.h): --context >
# -H > DOCKER_HOST > DOCKER_CONTEXT > the current context of
# $DOCKER_CONFIG/config.json > the local engine, the contexts made by the
# real "docker context create" in a DOCKER_CONFIG of the test's own.
#
# The context "live" names the real engine through another path, a
# symbolic link to /var/run/docker.sock, and "dead" a socket nobody
# listens on: which one redock followed shows in -v's line and in the
# error that names the dead socket. The TLS contexts name
# tests/fake-engine --tls (which requires a client certificate of its
# CA), their certificates made here with openssl and copied into the
# store by docker.

load helper
load pki
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

# $PKI: ca/ (and the client's cert.pem, key.pem), other-ca/, server/.
setup_file() {
	local tmp

	file_lock
	export T=x${REDOCK_TEST_RUN//[!a-z0-9]/}
	if command -v openssl >/dev/null; then
		export PKI=$BATS_FILE_TMPDIR/pki
		mkdir -p "$PKI/server"
		pki_config "$PKI/openssl.cnf"
		pki_ca "$PKI/ca" "redock test CA"
		pki_ca "$PKI/other-ca" "redock unrelated CA"
		pki_leaf "$PKI/ca" server 127.0.0.1 \
		    "$PKI/server/server-cert.pem" \
		    "$PKI/server/server-key.pem" 1001
		pki_leaf "$PKI/ca" client "redock test client" \
		    "$PKI/ca/cert.pem" "$PKI/ca/key.pem" 1002
		cp "$PKI/ca/ca.pem" "$PKI/server/ca.pem"
	fi
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		tmp=$(mktemp -d)
		HOME=$tmp REDOCK_HOME=$tmp/rh "$REDOCK" -q base
		rm -rf "$tmp"
	fi
}

teardown_file() {
	file_unlock
}

# A DOCKER_CONFIG of the test's own with the contexts "live" and "dead";
# nothing of the caller's environment chooses an engine.
setup() {
	redock_setup
	require_engine
	unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS DOCKER_TLS_VERIFY \
	    DOCKER_CERT_PATH REDOCK_JUMP
	export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker
	# Short: a socket's path must fit in sun_path.
	SOCKS=$(mktemp -d /tmp/rdkx.XXXXXX)
	ln -s /var/run/docker.sock "$SOCKS/live.sock"
	LIVE=unix://$SOCKS/live.sock
	DEAD=unix://$SOCKS/dead.sock
	docker context create live --docker "host=$LIVE" >/dev/null
	docker context create dead --docker "host=$DEAD" >/dev/null
}

teardown() {
	if [ -n "${FAKE_PROC_PID:-}" ]; then
		kill "$FAKE_PROC_PID" 2>/dev/null || true
		wait "$FAKE_PROC_PID" 2>/dev/null || true
	fi
	rm -rf "$SOCKS"
	redock_teardown
}

# Runs "redock ARG... list" and asserts its exit status $1; 0: with -v,
# the heading and the one line of -v ($2, after "redock: engine "); else
# nothing on stdout and the one line $2 on stderr.
list_exits() {
	local want=$1 line=$2 v=()

	shift 2
	[ "$want" -ne 0 ] || v=(-v)
	run --separate-stderr "$REDOCK" "${v[@]}" "$@" list
	printf 'status: %s\nstdout: %s\nstderr: %s\n' "$status" "$output" \
	    "$stderr"
	[ "$status" -eq "$want" ]
	if [ "$want" -eq 0 ]; then
		[[ $output == "NAME "* ]]
		[ "$stderr" = "redock: engine $line" ]
	else
		[ -z "$output" ]
		assert_one_line_stderr
		[ "$stderr" = "$line" ]
	fi
}

# What redock says when nothing answers at the dead context's socket.
dead_line() {
	echo "redock: cannot reach the engine at $DEAD: no such file or" \
	    "directory: is the engine running?"
}

@test "a context made with docker context create is followed by list and start" {
	list_exits 0 "$LIVE (context 'live', from --context)" --context live
	list_exits 1 "$(dead_line)" --context dead

	run --separate-stderr redock -v --context live start --no-shell "${T}a"
	[ "$status" -eq 0 ]
	# One line names the engine, however many the command says.
	[ "$(grep -cx "redock: engine $LIVE (context 'live', from --context)" \
	    <<<"$stderr")" -eq 1 ]
	[ "$(ssh_to "${T}a-container" hostname)" = "${T}a" ]
	grep -q " via $LIVE\$" "$(fragment "${T}a-container")"
}

@test "the docker CLI's current context is followed; -H and DOCKER_HOST beat it" {
	docker context use dead >/dev/null
	list_exits 1 "$(dead_line)"
	list_exits 0 "unix:///var/run/docker.sock (from -H)" \
	    -H unix:///var/run/docker.sock
	DOCKER_HOST=$LIVE list_exits 0 "$LIVE (from DOCKER_HOST)"
	docker context use live >/dev/null
	list_exits 0 "$LIVE (context 'live', the docker CLI's current context)"
	DOCKER_HOST=$DEAD list_exits 1 "$(dead_line)"
}

@test "DOCKER_CONTEXT beats the current context, DOCKER_HOST beats DOCKER_CONTEXT" {
	docker context use dead >/dev/null
	DOCKER_CONTEXT=live list_exits 0 "$LIVE (context 'live', from DOCKER_CONTEXT)"
	docker context use live >/dev/null
	DOCKER_CONTEXT=dead list_exits 1 "$(dead_line)"
	DOCKER_CONTEXT=dead DOCKER_HOST=$LIVE list_exits 0 \
	    "$LIVE (from DOCKER_HOST)"
}

@test "--context beats DOCKER_HOST and DOCKER_CONTEXT; 'default' is DOCKER_HOST" {
	DOCKER_HOST=$DEAD DOCKER_CONTEXT=dead list_exits 0 \
	    "$LIVE (context 'live', from --context)" --context live
	DOCKER_HOST=$LIVE list_exits 1 "$(dead_line)" --context dead
	docker context use dead >/dev/null
	DOCKER_HOST=$LIVE list_exits 0 "$LIVE (context 'default', from --context)" \
	    --context default
	DOCKER_CONTEXT=live DOCKER_HOST=$DEAD list_exits 1 "$(dead_line)" \
	    --context default
}

@test "--context with -H is a usage error, as docker has it" {
	fails_with 2 --context live -H "$LIVE" list
	[ "$stderr" = "redock: give -H or --context, not both" ]
	fails_with 2 -H "$LIVE" --context live list --help
	fails_with 2 --context '' list
}

@test "a missing context: one line naming it and the store, exit 2 from the command line, 1 else" {
	fails_with 2 --context nope list
	[ "$stderr" = "redock: context 'nope' (--context) does not exist in '$DOCKER_CONFIG/contexts'" ]
	DOCKER_CONTEXT=nope fails_with 1 list
	[ "$stderr" = "redock: context 'nope' (DOCKER_CONTEXT) does not exist in '$DOCKER_CONFIG/contexts'" ]
	# The docker CLI says the same of it.
	run docker --context nope version
	[ "$status" -ne 0 ]
	[[ $output == *'context "nope"'*'not found'* ]]
	# A command's help needs no engine.
	DOCKER_CONTEXT=nope run --separate-stderr redock list --help
	[ "$status" -eq 0 ]
	[[ $output == "usage: redock list"* ]]
	[ -z "$stderr" ]
}

@test "a config.json that is not JSON: one line naming it, exit 1; DOCKER_HOST still works" {
	mkdir -p "$DOCKER_CONFIG"
	echo '{"currentContext":' >"$DOCKER_CONFIG/config.json"
	fails_with 1 list
	stderr_has "cannot read '$DOCKER_CONFIG/config.json': "
	DOCKER_HOST=$LIVE list_exits 0 "$LIVE (from DOCKER_HOST)"
}

@test "the store defaults to \$HOME/.docker; -v names the local engine" {
	unset DOCKER_CONFIG
	docker context create live --docker "host=$LIVE" >/dev/null
	list_exits 0 "$LIVE (context 'live', from --context)" --context live
	[ -d "$HOME/.docker/contexts/meta" ]
	rm -rf "$HOME/.docker"
	list_exits 0 "unix:///var/run/docker.sock (the local engine)"
}

# Starts tests/fake-engine with TLS (a client certificate of $PKI/ca
# required); sets ENGINE to its tcp:// address.
fake_tls() {
	[ -n "${PKI:-}" ] || {
		echo "openssl not found: these tests need it" >&2
		return 1
	}
	coproc FAKE_PROC { exec "$TOP/tests/fake-engine" - --tcp 0 \
	    --tls "$PKI/server" --log "$BATS_TEST_TMPDIR/fake.log" 3>&-; }
	read -r -t 10 ready addr <&"${FAKE_PROC[0]}" || true
	[ "$ready" = ready ] && [[ $addr == 127.0.0.1:[0-9]* ]]
	ENGINE=tcp://$addr
}

@test "a tcp context's TLS material is used, verified unless skip-tls-verify" {
	fake_tls
	docker context create tls --docker "host=$ENGINE,ca=$PKI/ca/ca.pem,cert=$PKI/ca/cert.pem,key=$PKI/ca/key.pem" >/dev/null
	docker context create wrong-ca --docker "host=$ENGINE,ca=$PKI/other-ca/ca.pem,cert=$PKI/ca/cert.pem,key=$PKI/ca/key.pem" >/dev/null
	docker context create skip --docker "host=$ENGINE,ca=$PKI/other-ca/ca.pem,cert=$PKI/ca/cert.pem,key=$PKI/ca/key.pem,skip-tls-verify=true" >/dev/null
	docker context create plain --docker "host=$ENGINE" >/dev/null
	list_exits 0 "$ENGINE (context 'tls', from --context)" --context tls
	run --separate-stderr redock --context wrong-ca list
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	stderr_has "$ENGINE" "TLS"
	list_exits 0 "$ENGINE (context 'skip', from --context)" --context skip
	# No TLS material: plain http, which a TLS engine refuses.
	run --separate-stderr redock --context plain list
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	# The environment's TLS is not a context's.
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PKI/ca run --separate-stderr \
	    redock --context plain list
	[ "$status" -eq 1 ]
}

# Completes the words given, the last one being completed, with the bash
# completion; prints the offers one a line, sorted.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_redock
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

@test "completion: bash offers the store's contexts to --context, and passes it on" {
	source "$TOP/contrib/completions/redock.bash"
	run complete_words redock --context ''
	[ "$output" = "$(printf '%s\n' dead default live)" ]
	run complete_words redock --context l
	[ "$output" = live ]
	# NAMEs come from the context's engine: none from a dead one.
	redock --context live start --no-shell "${T}c"
	run complete_words redock --context dead kill ''
	[ -z "$output" ]
	run complete_words redock --context live kill "${T}"
	[ "$output" = "${T}c" ]
}
