#!/usr/bin/env bats
# start --forward-agent (redock.1, SETTINGS) against the real engine,
# sshd and OpenSSH client, with a real ssh-agent on the host holding a
# key made here: "redock exec" and "redock shell" (libssh) and ssh over
# the alias (ForwardAgent yes) reach it from inside; many connections
# to it, one after the other and at once, are each joined and closed;
# without the setting, or without an agent on the host, there is none
# inside and nothing fails.
#
# Two containers serve the file (setup_file): "${T}a" forwards the
# agent, "${T}n" does not. A container's engine name is its alias: every
# TAG here is "fa", this run's id and a letter, so that no other run's
# aliases meet these.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export F=$BATS_FILE_TMPDIR
	export FILE_HOME=$F/home FILE_REDOCK_HOME=$F/redock-home
	export FILE_USER=${REDOCK_TEST_RUN}fa
	export T=fa${REDOCK_TEST_RUN//[!a-z0-9]/}
	export AGENT_SOCK=$F/agent.sock KEY=$F/key
	mkdir -p -m 0700 "$FILE_HOME"
	# The agent and its key, whatever the engine does.
	ssh-keygen -q -t ed25519 -N '' -C "redock-agent-test-$T" -f "$KEY"
	ssh-agent -a "$AGENT_SOCK" >"$F/agent.env"
	SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -q "$KEY"
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME "$REDOCK" -q base
	fi
	HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER \
	    REDOCK_SSH_SHARING=no "$REDOCK" -q start --no-shell \
	    --forward-agent "${T}a"
	HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER \
	    REDOCK_SSH_SHARING=no "$REDOCK" -q start --no-shell "${T}n"
}

teardown_file() {
	redock_cleanup
	if [ -f "$F/agent.env" ]; then
		# ssh-agent -k reads the PID from SSH_AGENT_PID.
		eval "$(grep -o 'SSH_AGENT_PID=[0-9]*' "$F/agent.env")"
		[ -z "${SSH_AGENT_PID:-}" ] || kill "$SSH_AGENT_PID" || true
	fi
	file_unlock
}

setup() {
	redock_setup
	require_engine
	export HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER
	export SSH_AUTH_SOCK=$AGENT_SOCK
	# The key's line as "ssh-add -l" shows it.
	WANT=$(ssh-keygen -l -f "$KEY.pub")
}

teardown() {
	:
}

@test "--forward-agent: exec and shell reach the host's agent; ssh-add -l inside lists its key" {
	run --separate-stderr redock exec "${T}a" ssh-add -l
	[ "$status" -eq 0 ]
	[ "$output" = "$WANT" ]

	# With a pty too, and in the shell that reads its commands from stdin.
	run redock exec -t "${T}a" ssh-add -l
	[ "$status" -eq 0 ]
	[ "${output%$'\r'}" = "$WANT" ]
	run --separate-stderr redock shell "${T}a" <<<'ssh-add -l; echo "rc=$?"'
	[ "$status" -eq 0 ]
	[ "$output" = "$WANT"$'\n'"rc=0" ]

	# The agent signs there with the key it holds here, which stays here:
	# the signature made inside checks out here.
	echo data >"$BATS_TEST_TMPDIR/data"
	redock exec "${T}a" sh -c 'cat >/tmp/key.pub' <"$KEY.pub"
	redock exec "${T}a" sh -c 'cat >/tmp/data && ssh-keygen -q -Y sign \
	    -f /tmp/key.pub -n test /tmp/data && cat /tmp/data.sig' \
	    <"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/data.sig"
	echo "t $(cat "$KEY.pub")" >"$BATS_TEST_TMPDIR/allowed"
	ssh-keygen -q -Y verify -f "$BATS_TEST_TMPDIR/allowed" -I t -n test \
	    -s "$BATS_TEST_TMPDIR/data.sig" <"$BATS_TEST_TMPDIR/data"
}

@test "--forward-agent: the alias has ForwardAgent yes; ssh over it lists the key" {
	grep -qx $'\tForwardAgent yes' "$(fragment "${T}a-container")"
	run ssh_to "${T}a-container" ssh-add -l
	[ "$status" -eq 0 ]
	[ "$output" = "$WANT" ]
}

@test "--forward-agent: many connections to the agent, in a row and at once, each answered" {
	# 80 in a row: more than redock keeps at a time (64), so each goes.
	run --separate-stderr redock exec "${T}a" sh -c \
	    'i=0; while [ $i -lt 80 ]; do ssh-add -l >/dev/null || exit; i=$((i+1)); done; echo $i'
	[ "$status" -eq 0 ]
	[ "$output" = 80 ]
	# 16 at once.
	run --separate-stderr redock exec "${T}a" sh -c \
	    'for i in $(seq 16); do ssh-add -l >/tmp/l.$i & done; wait; cat /tmp/l.* | sort | uniq -c'
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "16 $WANT" ]
}

@test "without --forward-agent, there is no agent inside, over exec or the alias" {
	run --separate-stderr redock exec "${T}n" ssh-add -l
	[ "$status" -eq 2 ]
	[[ $stderr == *"Could not open a connection to your authentication agent"* ]]
	run redock exec "${T}n" sh -c 'echo "sock=${SSH_AUTH_SOCK-unset}"'
	[ "$output" = sock=unset ]

	! grep -q ForwardAgent "$(fragment "${T}n-container")" || false
	run ssh_to "${T}n-container" ssh-add -l
	[ "$status" -eq 2 ]
}

@test "--forward-agent without an agent on the host: no agent inside, nothing fails" {
	unset SSH_AUTH_SOCK
	prints ok redock exec "${T}a" echo ok
	run --separate-stderr redock exec "${T}a" ssh-add -l
	[ "$status" -eq 2 ]

	# A socket path that is not there, or not a socket.
	for sock in "$F/none" "$KEY"; do
		SSH_AUTH_SOCK=$sock run --separate-stderr redock exec "${T}a" \
		    sh -c 'ssh-add -l; echo "rc=$?"'
		[ "$status" -eq 0 ]
		[ "$output" = rc=2 ]
	done
}

@test "--forward-agent: an agent that stopped answering: ssh-add inside fails, the session does not" {
	# A socket nobody listens on any more (its listener gone).
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	    "$F/dead.sock"
	SSH_AUTH_SOCK=$F/dead.sock run --separate-stderr redock exec "${T}a" \
	    sh -c 'ssh-add -l; echo "rc=$?"'
	[ "$status" -eq 0 ]
	# 1: the agent's channel refused ("communication with agent
	# failed"); or, when sshd has closed the connection on that refusal
	# before ssh-add wrote to it, 141: ssh-add died of SIGPIPE (seen
	# under load). Either way ssh-add reached sshd's agent socket and
	# failed; 2 would be no agent at all.
	case $output in
	rc=1) [[ $stderr == *"communication with agent failed"* ]] ;;
	rc=141) ;;
	*) echo "ssh-add: $output, $stderr" >&2; false ;;
	esac
}
