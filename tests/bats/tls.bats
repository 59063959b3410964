#!/usr/bin/env bats
# redock over tcp:// with TLS, as the docker CLI does it: DOCKER_TLS_VERIFY
# turns on https, the server is checked against $DOCKER_CERT_PATH/ca.pem
# (default $HOME/.docker) and cert.pem/key.pem are the client certificate.
# The engine is tests/fake-engine --tcp 0 --tls, which requires a client
# certificate from its CA; the certificates are made here with openssl.

load helper
load pki
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

# Makes, under $BATS_FILE_TMPDIR/pki:
#   ca/, other-ca/  the CA and an unrelated one
#   server/         what the fake engine needs (ca.pem, server-*.pem)
#   good/           a DOCKER_CERT_PATH that works (ca.pem, cert.pem, key.pem)
#   wrong-ca/       the good client certificate, but other-ca's ca.pem
#   no-cert/        ca.pem alone
# Nothing when openssl is missing: setup then fails every test.
setup_file() {
	file_lock
	command -v openssl >/dev/null || return 0
	PKI=$BATS_FILE_TMPDIR/pki
	mkdir -p "$PKI"/{server,good,wrong-ca,no-cert}
	pki_config "$PKI/openssl.cnf"
	pki_ca "$PKI/ca" "redock test CA"
	pki_ca "$PKI/other-ca" "redock unrelated CA"
	pki_leaf "$PKI/ca" server 127.0.0.1 "$PKI/server/server-cert.pem" \
	    "$PKI/server/server-key.pem" 1001
	pki_leaf "$PKI/ca" client "redock test client" "$PKI/good/cert.pem" \
	    "$PKI/good/key.pem" 1002
	cp "$PKI/ca/ca.pem" "$PKI/server/ca.pem"
	cp "$PKI/ca/ca.pem" "$PKI/good/ca.pem"
	cp "$PKI/other-ca/ca.pem" "$PKI/wrong-ca/ca.pem"
	cp "$PKI/good/cert.pem" "$PKI/good/key.pem" "$PKI/wrong-ca/"
	cp "$PKI/ca/ca.pem" "$PKI/no-cert/ca.pem"
}

# Starts the fake engine with TLS on a free port; sets ENGINE to its
# tcp:// address and LOG to its request log.
setup() {
	redock_setup
	unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CONTEXT
	if ! command -v openssl >/dev/null; then
		echo "openssl not found: these tests need the openssl command" \
		    "to make certificates (apt-get install openssl)" >&2
		return 1
	fi
	PKI=$BATS_FILE_TMPDIR/pki
	LOG=$BATS_TEST_TMPDIR/fake.log
	coproc FAKE_PROC { exec "$TOP/tests/fake-engine" - --tcp 0 \
	    --tls "$PKI/server" --log "$LOG" 3>&-; }
	read -r -t 10 ready addr <&"${FAKE_PROC[0]}" || true
	if [ "$ready" != ready ] || [[ $addr != 127.0.0.1:[0-9]* ]]; then
		echo "tests/fake-engine did not say 'ready 127.0.0.1:PORT'" \
		    "(got '$ready $addr')" >&2
		return 1
	fi
	ENGINE=tcp://$addr
}

teardown() {
	if [ -n "${FAKE_PROC_PID:-}" ]; then
		kill "$FAKE_PROC_PID" 2>/dev/null || true
		wait "$FAKE_PROC_PID" 2>/dev/null || true
	fi
	redock_teardown
}

# Shows what redock said, for when a test fails.
show() {
	printf 'status: %s\nstdout: %s\nstderr: %s\n' "$status" "$output" \
	    "$stderr"
}

# Runs "redock -H $ENGINE list" in the caller's environment, shows what
# it did, and asserts exit status $1; when that is not 0, nothing on
# stdout and one line on stderr too.
list_exits() {
	run --separate-stderr redock -H "$ENGINE" list
	show
	[ "$status" -eq "$1" ]
	if [ "$1" -ne 0 ]; then
		[ -z "$output" ]
		assert_one_line_stderr
	fi
}

# Asserts that the fake engine was asked for /_ping and the container list.
assert_requests_logged() {
	grep -q '^GET /_ping$' "$LOG" &&
	grep -Eq '^GET (/v[0-9.]+)?/containers/json' "$LOG" || {
		echo "the fake engine's log lacks the expected requests:" >&2
		cat "$LOG" >&2
		return 1
	}
}

@test "TLS with a client certificate from DOCKER_CERT_PATH: list works" {
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PKI/good list_exits 0
	# Nothing of redock's there: the header alone.
	[ "$output" = "NAME  STATE  ALIAS  PORT  IMAGE  CREATED  ENVIRONMENT" ]
	[ -z "$stderr" ]
	assert_requests_logged
}

@test "a server certificate from another CA: one TLS line, exit 1" {
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PKI/wrong-ca list_exits 1
	[[ $stderr == "redock: cannot reach the engine at $ENGINE: TLS: "* ]]
	# The failed handshake did not stop the engine.
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PKI/good list_exits 0
}

@test "a certificate directory without the client certificate: one line, exit 1" {
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PKI/no-cert list_exits 1
	[[ $stderr == "redock: cannot reach the engine at $ENGINE: "* ]]
}

@test "plain http to a TLS engine (no DOCKER_TLS_VERIFY): one line, exit 1" {
	DOCKER_CERT_PATH=$PKI/good list_exits 1
	[[ $stderr == "redock: "* ]]
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$PKI/good list_exits 0
}

@test "DOCKER_TLS_VERIFY without DOCKER_CERT_PATH takes \$HOME/.docker" {
	cp -R "$PKI/good" "$HOME/.docker"
	DOCKER_TLS_VERIFY=1 list_exits 0
	# Nothing of redock's there: the header alone.
	[ "$output" = "NAME  STATE  ALIAS  PORT  IMAGE  CREATED  ENVIRONMENT" ]
	[ -z "$stderr" ]
	assert_requests_logged
}
