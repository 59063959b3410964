#!/usr/bin/env bats
# A container reached through its engine's host (REDOCK_JUMP, where.h),
# on loopback: the "engine host" is an sshd of this file's own on a free
# port of this host's 127.0.0.1 (its host key and root's key made here),
# and the engine is the local one, whose ports are on that same
# 127.0.0.1. With REDOCK_JUMP=root@127.0.0.1:PORT, start's wait for
# sshd, the alias (ProxyJump, for the real OpenSSH), exec, shell, the
# hooks and exec's shared connection must all go through that sshd:
# its log (LogLevel DEBUG1) has a line for each forward it made, naming
# the container's port. A jump that cannot be reached stops start at
# once in ssh's own words. The full remote engine, in a namespace of its
# own, is remote.bats's.
#
# The user's ssh config has a "Host 127.0.0.1" block with that key, a
# known_hosts of that sshd's key and StrictHostKeyChecking yes, so
# nothing is ever asked; redock runs ssh with -F $HOME/.ssh/config.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	local port i

	file_lock
	export T=j${REDOCK_TEST_RUN//[!a-z0-9]/}
	JD=$(mktemp -d /tmp/rdkj.XXXXXX)
	export JD JP=
	[ "$(id -u)" -eq 0 ] || return 0
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		HOME=$JD REDOCK_HOME=$JD/rh "$REDOCK" -q base
	fi
	ssh-keygen -q -t ed25519 -N '' -C jump-host -f "$JD/host_key"
	ssh-keygen -q -t ed25519 -N '' -C jump-user -f "$JD/id_ed25519"
	cp "$JD/id_ed25519.pub" "$JD/authorized_keys"
	mkdir -p /run/sshd
	# A free port: taken by another between the look and sshd's bind,
	# sshd says so, and another is tried.
	for i in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		cat >"$JD/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $JD/host_key
AuthorizedKeysFile $JD/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
PidFile none
LogLevel DEBUG1
EOF
		: >"$JD/sshd.log"
		/usr/sbin/sshd -D -e -f "$JD/sshd_config" \
		    2>>"$JD/sshd.log" </dev/null 3>&- &
		echo $! >"$JD/sshd.pid"
		for _ in $(seq 50); do
			grep -aq "Server listening" "$JD/sshd.log" && break
			kill -0 "$(cat "$JD/sshd.pid")" 2>/dev/null || break
			sleep 0.1
		done
		if grep -aq "Server listening" "$JD/sshd.log"; then
			JP=$port
			break
		fi
		kill "$(cat "$JD/sshd.pid")" 2>/dev/null || true
	done
	echo "[127.0.0.1]:$JP $(cat "$JD/host_key.pub")" >"$JD/known_hosts"
}

teardown_file() {
	if [ -s "$JD/sshd.pid" ]; then
		kill "$(cat "$JD/sshd.pid")" 2>/dev/null || true
		wait "$(cat "$JD/sshd.pid")" 2>/dev/null || true
	fi
	rm -rf "$JD"
	file_unlock
}

setup() {
	redock_setup
	require_engine
	if [ "$(id -u)" -ne 0 ] || [ -z "$JP" ]; then
		echo "no sshd for the jump: these tests run as root (they" \
		    "start /usr/sbin/sshd; contrib/setup installs it)" >&2
		return 1
	fi
	mkdir -p -m 0700 "$HOME/.ssh"
	cat >"$HOME/.ssh/config" <<EOF
Host 127.0.0.1
	User root
	IdentityFile $JD/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $JD/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
EOF
	export REDOCK_JUMP=root@127.0.0.1:$JP
	RUN=
}

teardown() {
	[ -z "$RUN" ] || XDG_RUNTIME_DIR=$RUN masters_end
	[ -z "$RUN" ] || rm -rf "$RUN"
	redock_teardown
}

# The host port of the sshd of the container whose alias is $1 (found by
# its label: the container's own name is the engine's business).
alias_port() {
	docker port "$(docker ps -q --filter "label=io.redock.alias=$1")" \
	    22/tcp | sed -n 's/^127\.0\.0\.1://p'
}

# How many forwards the jump's sshd has made to 127.0.0.1:$1 so far (sshd
# -e ends its lines in "\r\n").
forwards() {
	local re="server_request_direct_tcpip: .* target 127\.0\.0\.1 port $1"

	grep -acE "$re"$'\r?$' "$JD/sshd.log" || true
}

# Waits (5 s at most) until the jump's sshd has made $2 forwards to $1:
# its log line may come a moment after the client is done.
forwards_are() {
	local _

	for _ in $(seq 50); do
		[ "$(forwards "$1")" -eq "$2" ] && return 0
		sleep 0.1
	done
	echo "forwards to port $1: $(forwards "$1"), not $2" >&2
	return 1
}

# The pids of the masters of this test's XDG_RUNTIME_DIR (as mux.bats).
masters() {
	local d

	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = redock-mux ] || continue
		{ tr '\0' '\n' <"$d/environ"; } 2>/dev/null |
		    grep -qxF "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" || continue
		echo "${d#/proc/}"
	done
}

masters_end() {
	local pids _

	pids=$(masters)
	[ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
	for _ in $(seq 100); do
		[ -n "$(masters)" ] || return 0
		sleep 0.1
	done
	echo "masters left: $(masters)" >&2
	return 1
}

# The ssh -W processes to 127.0.0.1:$1 that are alive (not zombies).
jump_procs() {
	procs_with ssh "-W 127.0.0.1:$1 "
}

@test "through a jump, start's wait, the hooks, ssh, exec and shell all go by the engine host's sshd" {
	mkdir "$BATS_TEST_TMPDIR/p"
	printf '[%s]\non-create = echo "made $(hostname)"\n' "${T}w" \
	    >"$BATS_TEST_TMPDIR/p/redock.ini"
	cd "$BATS_TEST_TMPDIR/p"
	run redock start --no-shell "${T}w"
	cd - >/dev/null
	[ "$status" -eq 0 ]
	[[ $output == *"made ${T}w"* ]]
	port=$(alias_port "${T}w-container")
	[ "$(fragment_port "${T}w-container")" = "$port" ]
	# The banner, then the hooks' session.
	[ "$(forwards "$port")" -ge 2 ]
	n=$(forwards "$port")

	# The real OpenSSH, by the alias: ProxyJump, strict host key.
	grep -qxF "	ProxyJump root@127.0.0.1:$JP" "$(fragment "${T}w-container")"
	grep -qxF "	HostKeyAlias ${T}w-container" "$(fragment "${T}w-container")"
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]
	forwards_are "$port" $((n + 1))

	[ "$(redock exec "${T}w" hostname)" = "${T}w" ]
	forwards_are "$port" $((n + 2))

	[ "$(echo hostname | redock shell "${T}w")" = "${T}w" ]
	forwards_are "$port" $((n + 3))

	# No ssh of redock's is left behind.
	[ -z "$(jump_procs "$port")" ]
}

@test "sync and ssh-config keep the ProxyJump, and a start without the jump takes it out" {
	redock start --no-shell "${T}w"
	port=$(alias_port "${T}w-container")
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	grep -qxF "	ProxyJump root@127.0.0.1:$JP" "$(fragment "${T}w-container")"
	run --separate-stderr redock ssh-config "${T}w"
	[ "$status" -eq 0 ]
	[[ $output == *"	ProxyJump root@127.0.0.1:$JP"* ]]
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]

	# The same engine taken as here: the alias goes the direct way.
	REDOCK_JUMP=none redock start --no-shell "${T}w"
	! grep -q ProxyJump "$(fragment "${T}w-container")"
	n=$(forwards "$port")
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]
	[ "$(REDOCK_JUMP=none redock exec "${T}w" hostname)" = "${T}w" ]
	sleep 0.5
	[ "$(forwards "$port")" -eq "$n" ]
}

@test "with sharing on, exec's master goes through the jump once, and its ssh goes with it" {
	redock start --no-shell "${T}w"
	port=$(alias_port "${T}w-container")
	RUN=$(mktemp -d /tmp/rdkjr.XXXXXX)
	export REDOCK_SSH_SHARING=yes XDG_RUNTIME_DIR=$RUN
	n=$(forwards "$port")
	for i in 1 2 3; do
		[ "$(redock exec "${T}w" echo "$i")" = "$i" ]
	done
	forwards_are "$port" $((n + 1))
	[ "$(masters | wc -l)" -eq 1 ]
	[ "$(jump_procs "$port" | wc -l)" -eq 1 ]

	masters_end
	[ -z "$(jump_procs "$port")" ]
}

# Logins to the jump's sshd so far.
logins() {
	grep -ac "Accepted publickey" "$JD/sshd.log" || true
}

# Alive ssh processes of a shared login of this test's (jump.h): their
# ControlPath is in its XDG_RUNTIME_DIR.
shared_procs() {
	procs_with ssh "$RUN/redock/jump-"
}

@test "with sharing on, a start's waits, its hooks and a shell afterwards go through one login to the jump host" {
	RUN=$(mktemp -d /tmp/rdkjr.XXXXXX)
	export REDOCK_SSH_SHARING=yes XDG_RUNTIME_DIR=$RUN
	mkdir "$BATS_TEST_TMPDIR/p"
	printf '[%s]\non-create = echo "made $(hostname)"\n[%s]\n' \
	    "${T}s1" "${T}s2" >"$BATS_TEST_TMPDIR/p/redock.ini"
	n=$(logins)
	cd "$BATS_TEST_TMPDIR/p"
	run redock start --no-shell "${T}s1" "${T}s2"
	cd - >/dev/null
	[ "$status" -eq 0 ]
	[[ $output == *"made ${T}s1"* ]]
	[ "$(logins)" -eq $((n + 1)) ]
	# Each forward is still its own: a banner, then the hook's session.
	[ "$(forwards "$(alias_port "${T}s1-container")")" -ge 2 ]
	[ "$(forwards "$(alias_port "${T}s2-container")")" -ge 1 ]

	n=$(logins)
	[ "$(echo hostname | redock shell "${T}s2")" = "${T}s2" ]
	[ "$(logins)" -eq $((n + 1)) ]

	# Each run told its master to end: none is left to end by itself,
	# nor its socket. (The shell's own shared connection, redock-mux,
	# is another matter: test 3's.)
	sleep 0.3
	[ -z "$(shared_procs)" ]
	! ls "$RUN/redock" | grep -q '^jump-'
}

@test "a jump host that cannot be reached stops start at once, in ssh's words, and leaves nothing" {
	before=$(engine_objects "${T}x-container")
	SECONDS=0
	REDOCK_JUMP=root@127.0.0.1:1 fails_with 1 start --no-shell "${T}x"
	[ "$SECONDS" -lt 20 ]
	stderr_has "cannot start '$USER:${T}x'" "127.0.0.1:1" \
	    "Connection refused"
	[ "$(engine_objects "${T}x-container")" = "$before" ]
	[ ! -e "$(fragment "${T}x-container")" ]

	# exec through it: one line, ssh's words.
	redock start --no-shell "${T}w"
	REDOCK_JUMP=root@127.0.0.1:1 fails_with 1 exec "${T}w" true
	stderr_has "cannot reach '$USER:${T}w'" "through root@127.0.0.1:1" \
	    "Connection refused"
}
