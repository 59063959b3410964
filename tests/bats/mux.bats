#!/usr/bin/env bats
# redock's own shared connection (src/mux.h), with REDOCK_SSH_SHARING=yes
# (this file alone), against the real engine and real sshd: the first
# exec leaves a master behind, the next ones find it by NAME, without
# the engine, and go through it (a paused container is the engine's to
# tell); arguments, stdin, binary output, the exit status and --here's
# directory are as without it; SIGTERM to a client ends the remote
# command and the client dies of it; a client killed outright takes its
# command along; clients run at once; the master goes with the
# container, a dead one's socket is replaced, the socket's directory is
# 0700; sharing off makes no master.
#
# One container serves the file (setup_file), with a mount. Its masters
# are found by their name (redock-mux) and this file's XDG_RUNTIME_DIR,
# a short directory of its own so that every socket fits in sun_path,
# and told to end in teardown_file. A TAG here is "x", this run's id and
# a letter.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export F=$BATS_FILE_TMPDIR
	export FILE_HOME=$F/home FILE_REDOCK_HOME=$F/redock-home
	export FILE_USER=${REDOCK_TEST_RUN}x
	export T=x${REDOCK_TEST_RUN//[!a-z0-9]/}
	FILE_RUN=$(mktemp -d /tmp/rmux.XXXXXX)
	export FILE_RUN
	mkdir -p -m 0700 "$FILE_HOME"
	mkdir -p "$F/my proj/sub"
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME "$REDOCK" -q base
	fi
	HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER \
	    REDOCK_SSH_SHARING=no "$REDOCK" -q start --no-shell \
	    --mount "$F/my proj" "${T}a"
}

teardown_file() {
	XDG_RUNTIME_DIR=$FILE_RUN masters_end
	redock_cleanup
	rm -rf "$FILE_RUN"
	file_unlock
}

setup() {
	redock_setup
	require_engine
	export HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER
	export REDOCK_SSH_SHARING=yes XDG_RUNTIME_DIR=$FILE_RUN
	SOCK=
}

# The container stays for the next test; teardown_file removes it.
teardown() {
	if [ -n "${SOCK:-}" ]; then
		tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
	fi
}

# The pids of this file's masters, one a line.
masters() {
	local d

	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = redock-mux ] || continue
		{ tr '\0' '\n' <"$d/environ"; } 2>/dev/null |
		    grep -qxF "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" || continue
		echo "${d#/proc/}"
	done
}

# Tells this file's masters to end (SIGTERM: after the runs they serve)
# and waits for them to go, 10 s at most.
masters_end() {
	local pids

	pids=$(masters)
	[ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
	no_master
}

# Waits (10 s at most) until this file has no master left.
no_master() {
	local _

	for _ in $(seq 100); do
		[ -n "$(masters)" ] || return 0
		sleep 0.1
	done
	echo "masters left: $(masters)" >&2
	return 1
}

# The sockets of the masters, one a line.
sockets() {
	find "$XDG_RUNTIME_DIR/redock" -maxdepth 1 -type s -name 'mux-*' \
	    2>/dev/null
}

@test "the first exec leaves a master; the next go through its connection" {
	masters_end
	run -0 redock exec "${T}a" sh -c 'echo $PPID'
	first=$output
	[ "$(masters | wc -l)" -eq 1 ]
	master=$(masters)
	[ "$(sockets | wc -l)" -eq 1 ]
	# The same sshd process runs the next command: the same connection.
	run -0 redock exec "${T}a" sh -c 'echo $PPID'
	[ "$output" = "$first" ]
	[ "$(masters)" = "$master" ]
	# Without sharing, a connection of its own.
	REDOCK_SSH_SHARING=no run -0 redock exec "${T}a" sh -c 'echo $PPID'
	[ "$output" != "$first" ]
}

@test "with a master up, exec finds it by NAME and asks the engine nothing" {
	command -v strace >/dev/null || skip "no strace"
	run -0 redock exec "${T}a" true
	# The master's link, beside its socket.
	link=$(find "$XDG_RUNTIME_DIR/redock" -maxdepth 1 -type l \
	    -name 'name-*')
	[ "$(readlink "$link")" = "$(basename "$(sockets)")" ]
	# LeakSanitizer cannot work under ptrace.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run -0 strace -f -e trace=connect -o "$BATS_TEST_TMPDIR/trace" \
	    "$REDOCK" exec "${T}a" echo found
	[ "$output" = found ]
	grep -q "$link" "$BATS_TEST_TMPDIR/trace"
	! grep -q docker.sock "$BATS_TEST_TMPDIR/trace"
}

@test "exec --here by NAME: the working directory as the mounts map it" {
	run -0 redock exec "${T}a" true
	cd "$F/my proj/sub"
	run -0 redock exec --here "${T}a" pwd
	[ "$output" = "$F/my proj/sub" ]
	cd "$F"
	run -0 redock exec --here --start "${T}a" pwd
	[ "$output" = /root ]
}

@test "a paused container: the run by NAME is called off, the engine says" {
	run -0 redock exec "${T}a" rm -f /tmp/mx-paused
	docker pause "$(ename ${T}a-container)" >/dev/null
	SECONDS=0
	run --separate-stderr "$REDOCK" exec "${T}a" touch /tmp/mx-paused
	docker unpause "$(ename ${T}a-container)" >/dev/null
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	stderr_has "its container is paused"
	[ "$SECONDS" -lt 5 ]
	# What was called off never runs, the master goes on.
	sleep 1
	run -0 redock exec "${T}a" sh -c 'test ! -e /tmp/mx-paused && echo no'
	[ "$output" = no ]
	[ "$(masters | wc -l)" -eq 1 ]
}

@test "the sockets' directory is 0700, the socket not for others" {
	run -0 redock exec "${T}a" true
	[ "$(stat -c %a "$XDG_RUNTIME_DIR/redock")" = 700 ]
	sock=$(sockets)
	[ -S "$sock" ]
	[ "$(stat -c %u "$sock")" = "$(id -u)" ]
	[[ $(basename "$sock") =~ ^mux-[0-9a-f]{40}$ ]]
}

@test "arguments with spaces, quotes, newlines and '' arrive intact" {
	local -a args=('two words' "it's" '"double"' '' '$HOME' '`id`' \
	    'a;b|c&d' '*' $'new\nline' ' lead' '-n' '--')
	redock exec "${T}a" printf '%s\0' "${args[@]}" \
	    >"$BATS_TEST_TMPDIR/remote"
	printf '%s\0' "${args[@]}" >"$BATS_TEST_TMPDIR/local"
	cmp "$BATS_TEST_TMPDIR/local" "$BATS_TEST_TMPDIR/remote"
	[ -n "$(masters)" ]
}

@test "stdin to its end, 1 MiB of binary through, stdout and stderr apart" {
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	redock exec "${T}a" cat <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	run --separate-stderr redock exec "${T}a" sh -c \
	    'cat; echo to-err >&2; echo to-out' <<<$'one\ntwo'
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo\nto-out' ]
	[ "$stderr" = to-err ]
}

@test "the exit status: 0, 3, and 130 for a command killed by SIGINT" {
	run redock exec "${T}a" true
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run redock exec "${T}a" sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run redock exec "${T}a" sh -c 'kill -INT $$'
	[ "$status" -eq 130 ]
	[ -n "$(masters)" ]
}

# Starts "redock exec" of a command that writes its pid to $1 in the
# container and sleeps; sets pid (the client's: redock itself, not a
# shell running it) and remote (the command's, in the container).
sleeper() {
	"$REDOCK" exec "${T}a" sh -c "echo \$\$ >$1; exec sleep 300" &
	pid=$!
	for _ in $(seq 100); do
		redock exec "${T}a" test -s "$1" && break
		sleep 0.1
	done
	remote=$(redock exec "${T}a" cat "$1")
	redock exec "${T}a" test -d "/proc/$remote"
}

# Asserts that process $1 of the container goes, within 5 s.
remote_gone() {
	for _ in $(seq 50); do
		redock exec "${T}a" test -d "/proc/$1" || return 0
		sleep 0.1
	done
	echo "process $1 is still there" >&2
	return 1
}

@test "SIGTERM to a client ends the remote command; the client exits 143" {
	local pid remote
	sleeper /tmp/mx-term.pid
	[ -n "$(masters)" ]
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	remote_gone "$remote"
}

@test "a client killed outright (SIGKILL) takes its remote command along" {
	local pid remote
	sleeper /tmp/mx-kill.pid
	kill -KILL "$pid"
	status=0
	wait "$pid" 2>/dev/null || status=$?
	[ "$status" -eq 137 ]
	remote_gone "$remote"
	# The master goes on.
	run -0 redock exec "${T}a" echo still
	[ "$output" = still ]
}

@test "two clients at once, their output interleaved, both complete" {
	redock exec "${T}a" rm -f /tmp/mx-a /tmp/mx-b
	# Each waits for the other's line: one after the other would hang.
	timeout 20 "$REDOCK" exec "${T}a" sh -c 'echo a1; touch /tmp/mx-a;
	    while [ ! -e /tmp/mx-b ]; do sleep 0.05; done; echo a2' \
	    >"$BATS_TEST_TMPDIR/a" &
	a=$!
	timeout 20 "$REDOCK" exec "${T}a" sh -c 'echo b1; touch /tmp/mx-b;
	    while [ ! -e /tmp/mx-a ]; do sleep 0.05; done; echo b2' \
	    >"$BATS_TEST_TMPDIR/b" &
	b=$!
	wait "$a"
	wait "$b"
	[ "$(cat "$BATS_TEST_TMPDIR/a")" = $'a1\na2' ]
	[ "$(cat "$BATS_TEST_TMPDIR/b")" = $'b1\nb2' ]
	[ "$(masters | wc -l)" -eq 1 ]
}

@test "more clients at once than sshd's MaxSessions (10): the rest go alone" {
	local pids=() i
	run -0 redock exec "${T}a" true
	for i in $(seq 12); do
		"$REDOCK" exec "${T}a" sh -c 'sleep 3; echo $PPID' \
		    >"$BATS_TEST_TMPDIR/c$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	# All ran: at most ten through the master's connection (one sshd),
	# the others each on a connection of its own.
	[ "$(cat "$BATS_TEST_TMPDIR"/c* | wc -l)" -eq 12 ]
	run -0 sh -c "cat '$BATS_TEST_TMPDIR'/c* | sort | uniq -c | sort -rn"
	[ "$(awk '{ print $1 }' <<<"${lines[0]}")" -le 10 ]
	[ "${#lines[@]}" -ge 3 ]
}

@test "a pty: the terminal's size, and its changes, reach the command" {
	command -v tmux >/dev/null || skip "no tmux: contrib/setup installs it"
	run -0 redock exec "${T}a" true
	pane_setup
	tmux -L "$SOCK" -f /dev/null new-session -d -s redock -x 80 -y 24 \
	    env -i "HOME=$HOME" "REDOCK_HOME=$REDOCK_HOME" "USER=$USER" \
	    "PATH=$PATH" "TERM=screen" "REDOCK_SSH_SHARING=yes" \
	    "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" \
	    sh -c "\"\$0\" exec -t '${T}a' sh -c 'stty size; read x;
	    stty size; exit 4'; echo exec-done-\$?; sleep 60" "$REDOCK"
	wait_line "24 80"
	tmux -L "$SOCK" resize-window -t redock -x 100 -y 30
	sleep 0.5
	tmux -L "$SOCK" send-keys -t redock Enter
	wait_line "exec-done-4"
	pane | grep -qx '30 100'
	[ "$(masters | wc -l)" -eq 1 ]
}

@test "the master goes with its container; a new start gets a new one" {
	run -0 redock -q start --no-shell "${T}b"
	run -0 redock exec "${T}b" sh -c 'echo $PPID'
	before=$(masters)
	[ -n "$before" ]
	run -0 redock -q kill "${T}b"
	# The one of ${T}b's container ends at once; ${T}a's stays.
	for _ in $(seq 50); do
		[ "$(masters | wc -l)" -lt "$(wc -l <<<"$before")" ] && break
		sleep 0.1
	done
	[ "$(masters | wc -l)" -lt "$(wc -l <<<"$before")" ]
	run -0 redock -q start --no-shell "${T}b"
	run -0 redock exec "${T}b" echo again
	[ "$output" = again ]
	run -0 redock -q kill "${T}b"
}

@test "a socket whose master died is replaced" {
	masters_end
	run -0 redock exec "${T}a" true
	master=$(masters)
	sock=$(sockets)
	kill -KILL "$master"
	for _ in $(seq 50); do
		[ -z "$(masters)" ] && break
		sleep 0.1
	done
	# It stays behind, and nobody listens on it.
	[ -S "$sock" ]
	run -0 redock exec "${T}a" echo replaced
	[ "$output" = replaced ]
	[ "$(masters | wc -l)" -eq 1 ]
	[ "$(masters)" != "$master" ]
	[ -S "$sock" ] && [ "$(sockets)" = "$sock" ]
}

@test "two first clients at once end up with one master" {
	masters_end
	"$REDOCK" exec "${T}a" true &
	a=$!
	"$REDOCK" exec "${T}a" true &
	b=$!
	wait "$a"
	wait "$b"
	[ "$(masters | wc -l)" -eq 1 ]
	[ "$(sockets | wc -l)" -eq 1 ]
}

@test "with REDOCK_SSH_SHARING=no no master is made" {
	masters_end
	rm -rf "$XDG_RUNTIME_DIR/redock"
	REDOCK_SSH_SHARING=no run -0 redock exec "${T}a" echo direct
	[ "$output" = direct ]
	[ -z "$(masters)" ]
	[ -z "$(sockets)" ]
}

@test "a bad REDOCK_SSH_SHARING is one line, and nothing runs" {
	REDOCK_SSH_SHARING=maybe fails_with 1 exec "${T}a" touch /tmp/mx-ran
	stderr_has "REDOCK_SSH_SHARING is 'maybe'"
	REDOCK_SSH_SHARING=no run -0 redock exec "${T}a" test ! -e /tmp/mx-ran
}
