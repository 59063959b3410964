#!/usr/bin/env bats
# redock exec against real containers through redock's own SSH client:
# exit statuses, streams kept apart, stdin with its end, binary data,
# words quoted for the remote shell, and every way a session is refused
# (no container, a stopped one, a host key that is not the pinned one,
# a client key sshd does not know), each in one line with exit 1.
#
# A container's engine name is its alias: every TAG here starts with
# "e", which no other bats file uses.

load helper

setup() {
	redock_setup
	require_engine
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
}

# Starts TAG $1 (no shell: bats is no terminal anyway).
start() {
	run redock start --no-shell "$1"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "exec: the command's exit status, stdout and stderr apart" {
	start estatus
	run --separate-stderr redock exec estatus sh -c \
	    'echo to-out; echo to-err >&2; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = "to-out" ]
	[ "$stderr" = "to-err" ]

	run --separate-stderr redock exec estatus true
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "exec: stdin is forwarded, and its end arrives" {
	start estdin
	# cat ends only when EOF arrives; then the echo runs.
	run redock exec estdin sh -c 'cat; echo end' <<<$'one\ntwo'
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo\nend' ]

	run redock exec estdin wc -c </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "0" ]
}

@test "exec: 1 MiB of random bytes through cat, both ways, unchanged" {
	start ebinary
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	redock exec ebinary cat <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"

	# And out of the container: the bytes sha256sum saw there.
	redock exec ebinary sh -c \
	    'head -c 1048576 /dev/urandom >/tmp/r; sha256sum </tmp/r' \
	    >"$BATS_TEST_TMPDIR/sum"
	redock exec ebinary cat /tmp/r >"$BATS_TEST_TMPDIR/r"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/r")" -eq 1048576 ]
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/r")" = \
	    "$(cat "$BATS_TEST_TMPDIR/sum")" ]
}

@test "exec: a MiB on stdout and one on stderr at once do not stall" {
	start eboth
	timeout 60 "$REDOCK" exec eboth sh -c \
	    'head -c 1048576 /dev/zero >&2 & head -c 1048576 /dev/zero; wait' \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out")" -eq 1048576 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/err")" -eq 1048576 ]
}

@test "exec: words with spaces, quotes and shell syntax arrive as typed" {
	start equote
	run --separate-stderr redock exec equote printf '<%s>\n' \
	    'two words' "it's" '"double"' '' '$HOME' '`id`' 'a;b|c&d' \
	    '*' '~' 'back\slash' $'new\nline'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '<%s>\n' 'two words' "it's" '"double"' '' \
	    '$HOME' '`id`' 'a;b|c&d' '*' '~' 'back\slash' $'new\nline')" ]
	[ -z "$stderr" ]
}

@test "exec: options after NAME are the command's; '--' is optional" {
	start eopts
	run redock exec eopts ls -d /etc
	[ "$status" -eq 0 ] && [ "$output" = /etc ]
	run redock exec eopts -- ls -d /etc
	[ "$status" -eq 0 ] && [ "$output" = /etc ]
	run redock exec -- eopts ls -d /etc
	[ "$status" -eq 0 ] && [ "$output" = /etc ]
}

@test "exec: a command killed by signal N gives 128+N" {
	start esignal
	run redock exec esignal sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	run redock exec esignal sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
}

@test "exec -t: the command has a terminal; without -t it has none" {
	start etty
	run redock exec -t etty tty
	[ "$status" -eq 0 ]
	[[ $output == /dev/pts/* ]]
	run redock exec etty tty
	[ "$status" -eq 1 ]
	[ "$output" = "not a tty" ]
}

@test "exec: LANG and LC_* are passed on, other variables are not" {
	start eenv
	LANG=C.UTF-8 LC_TIME=C.UTF-8 EXEC_SECRET=x run redock exec eenv \
	    sh -c 'echo "$LANG/$LC_TIME/${EXEC_SECRET-unset}"'
	[ "$status" -eq 0 ]
	[ "$output" = "C.UTF-8/C.UTF-8/unset" ]
}

@test "exec: a closed output pipe ends redock, not a hang" {
	start epipe
	run timeout 30 bash -c '"$1" exec epipe yes | head -n 2' _ "$REDOCK"
	[ "$status" -eq 0 ]
	[ "$output" = $'y\ny' ]
}

@test "exec: SIGTERM ends redock with 143" {
	start eterm
	"$REDOCK" exec eterm sleep 60 &
	pid=$!
	# Once the remote sleep runs, the session is up.
	for i in $(seq 100); do
		docker exec "$(ename eterm-container)" pgrep -x sleep >/dev/null && break
		sleep 0.1
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
}

@test "exec: wrong command lines exit 2 with one line" {
	exits_one_line 2 redock exec eonly
	[[ $stderr == *"missing argument for 'exec'"* ]]

	exits_one_line 2 redock exec eonly --

	exits_one_line 2 redock exec 'Bad Name' true
	[[ $stderr == *"invalid NAME"* ]]

	exits_one_line 2 redock exec -x eonly true
}

@test "exec and shell: an unknown NAME, a stopped container: one line, exit 1" {
	mkdir -p -m 0700 "$HOME/.ssh"
	# enone's alone: the files run beside this one have containers too.
	before=$(engine_objects 'enone*')
	ssh_before=$(snapshot)
	exits_one_line 1 redock exec enone true
	[[ $stderr == *"'$USER:enone'"*"has no container"* ]]
	exits_one_line 1 redock shell enone
	[ "$(engine_objects 'enone*')" = "$before" ]
	[ "$(snapshot)" = "$ssh_before" ]

	start estopped
	docker stop -t 1 "$(ename estopped-container)" >/dev/null
	exits_one_line 1 redock exec estopped true
	[[ $stderr == *"not running"* ]]
}

@test "exec: a host key that is not the pinned one is refused" {
	start ehostkey
	kh=$REDOCK_HOME/known_hosts
	ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/other"
	cp "$kh" "$BATS_TEST_TMPDIR/kh"
	# Pin another key for the alias: the server's own no longer matches.
	sed -i "s|^ehostkey-container .*|ehostkey-container $(cut -d' ' -f1,2 \
	    "$BATS_TEST_TMPDIR/other.pub")|" "$kh"
	! cmp -s "$kh" "$BATS_TEST_TMPDIR/kh" || false
	exits_one_line 1 redock exec ehostkey touch /tmp/ran
	[[ $stderr == *"is not the one pinned for 'ehostkey-container'"* ]]
	[[ $stderr == *"SHA256:"* ]]
	# Refused before the command could run.
	run docker exec "$(ename ehostkey-container)" test -e /tmp/ran
	[ "$status" -eq 1 ]

	# No pin at all: refused too, never trusted on first use.
	sed -i '/^ehostkey-container /d' "$kh"
	exits_one_line 1 redock exec ehostkey touch /tmp/ran
	[[ $stderr == *"no host key is pinned for 'ehostkey-container'"* ]]
	run docker exec "$(ename ehostkey-container)" test -e /tmp/ran
	[ "$status" -eq 1 ]

	# The right pin back: in again.
	cp "$BATS_TEST_TMPDIR/kh" "$kh"
	run redock exec ehostkey echo in
	[ "$status" -eq 0 ] && [ "$output" = in ]
}

@test "exec: a client key sshd does not know is refused" {
	start eauth
	rm "$REDOCK_HOME/id_ed25519" "$REDOCK_HOME/id_ed25519.pub"
	ssh-keygen -q -t ed25519 -N '' -C redock -f "$REDOCK_HOME/id_ed25519"
	exits_one_line 1 redock exec eauth true
	[[ $stderr == *"refused redock's client key"* ]]

	# A key readable by others is not used at all.
	chmod 0644 "$REDOCK_HOME/id_ed25519"
	exits_one_line 1 redock exec eauth true
	[[ $stderr == *"bad permissions"* ]]
}

@test "exec: sshd gone from a running container: one line, exit 1" {
	start enosshd
	# PID 1 is the engine's init; sshd is its child. Without sshd the
	# engine's proxy still accepts, then drops the connection.
	docker exec "$(ename enosshd-container)" sh -c \
	    'kill -STOP $(pgrep -o -x sshd)' || true
	exits_one_line 1 timeout 60 "$REDOCK" exec enosshd true
	[[ $stderr == *"cannot reach '$USER:enosshd'"* ]]
}

@test "shell off a terminal: no pty, commands from stdin, done at its end" {
	start eshellpipe
	run --separate-stderr timeout 60 "$REDOCK" shell eshellpipe \
	    <<<$'tty || echo no-tty\necho "in $(hostname)"\nexit 6'
	[ "$status" -eq 6 ]
	[[ $output == *"not a tty"* ]]
	[[ $output == *"no-tty"* ]]
	[[ $output == *"in eshellpipe"* ]]

	# Nothing to read: the shell ends at once, and so does redock.
	run timeout 60 "$REDOCK" shell eshellpipe </dev/null
	[ "$status" -eq 0 ]
}

# Runs "redock exec TAG ARGS..." in the background (job control on, so
# that SIGINT is not ignored), waits until the remote process that
# "pgrep -f $PAT" finds runs, and sets PID to redock's.
exec_bg() {
	local tag=$1 i

	shift
	set -m
	"$REDOCK" exec "$tag" "$@" 2>"$BATS_TEST_TMPDIR/err" &
	PID=$!
	set +m
	for i in $(seq 100); do
		docker exec "$(ename $tag-container)" pgrep -f "$PAT" >/dev/null && return
		sleep 0.1
	done
	echo "the remote '$PAT' never ran: $(cat "$BATS_TEST_TMPDIR/err")" >&2
	return 1
}

# Sends signal $1 to $PID and asserts that redock ends with status $2
# within $3 seconds (5 unless given).
signal_ends() {
	local sig=$1 want=$2 limit=${3:-5} status=0 t0=$SECONDS

	kill -"$sig" "$PID"
	wait "$PID" || status=$?
	echo "SIG$sig: status $status after $((SECONDS - t0)) s;" \
	    "stderr: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$status" -eq "$want" ]
	[ "$((SECONDS - t0))" -le "$limit" ]
}

@test "exec: SIGTERM, SIGHUP and SIGINT reach the remote command: nothing is left running" {
	start esigfwd
	# sh forks sleep, which is not its last command: two processes, one
	# process group, both must go (distrobox #966 left them running).
	PAT='sleep 301'
	exec_bg esigfwd sh -c 'sleep 301; echo not-reached'
	signal_ends TERM 143
	run docker exec "$(ename esigfwd-container)" pgrep -f "$PAT"
	[ "$status" -eq 1 ]
	run docker exec "$(ename esigfwd-container)" pgrep -f not-reached
	[ "$status" -eq 1 ]

	PAT='sleep 302'
	exec_bg esigfwd sleep 302
	signal_ends HUP 129
	run docker exec "$(ename esigfwd-container)" pgrep -f "$PAT"
	[ "$status" -eq 1 ]

	PAT='sleep 303'
	exec_bg esigfwd sh -c 'sleep 303; echo not-reached'
	signal_ends INT 130
	run docker exec "$(ename esigfwd-container)" pgrep -f "$PAT"
	[ "$status" -eq 1 ]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "exec: a remote command that catches the signal gives its own status" {
	start esigtrap
	PAT='sleep 304'
	# The output after the trap arrives: redock waits for the end.
	exec_bg esigtrap sh -c 'trap "echo caught; exit 3" TERM; sleep 304 & wait' \
	    >"$BATS_TEST_TMPDIR/out"
	signal_ends TERM 3
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = caught ]
	run docker exec "$(ename esigtrap-container)" pgrep -f "$PAT"
	[ "$status" -eq 1 ]
}

@test "exec: a remote command that ignores the signal: redock ends after 5 s, or at a second signal" {
	start esigign
	PAT='sleep 305'
	exec_bg esigign sh -c 'trap "" TERM; sleep 305'
	t0=$SECONDS
	signal_ends TERM 143 9
	# It waited for the command's end first.
	[ "$((SECONDS - t0))" -ge 4 ]
	# The command ignored it: it still runs.
	docker exec "$(ename esigign-container)" pkill -KILL -f "$PAT"

	PAT='sleep 306'
	exec_bg esigign sh -c 'trap "" TERM; sleep 306'
	kill -TERM "$PID"
	sleep 0.5
	# The second ends redock at once.
	signal_ends TERM 143 2
	docker exec "$(ename esigign-container)" pkill -KILL -f "$PAT"
}

# OpenSSH's sshd before 9.8 signals a session itself ("signal" request)
# only for a user other than root: the tests above log in as root; this
# one as a mapped user (--user), made on this host for the test.
@test "exec --user: SIGTERM reaches the remote command of a mapped user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root, to make a user of this host"
	local HU=${REDOCK_TEST_RUN}e HU_DIR HU_HOME status=0 i pid left=unset

	user_make exec
	as_user "$REDOCK" -q start --no-shell --user esiguser || status=$?
	if [ "$status" -eq 0 ]; then
		[ "$(as_user "$REDOCK" exec esiguser id -un)" = "$HU" ]
		as_user "$REDOCK" exec esiguser sh -c 'sleep 307; echo x' &
		pid=$!
		for i in $(seq 100); do
			docker exec "$(ename esiguser-container)" pgrep -f 'sleep 307' \
			    >/dev/null && break
			sleep 0.1
		done
		# redock itself, not runuser.
		kill -TERM "$(pgrep -u "$HU" -x redock)"
		wait "$pid" || status=$?
		left=$(docker exec "$(ename esiguser-container)" pgrep -f 'sleep 307' ||
		    true)
		as_user "$REDOCK" kill esiguser >/dev/null || true
	fi
	user_remove
	echo "status $status, left: ${left-}"
	[ "$status" -eq 143 ]
	[ -z "$left" ]
}
