# An interrupted start leaves nothing half-done: the container it was
# making is removed, no alias is written, and redock dies of the signal
# so that the shell sees it. (Tags start with "z"; another run may use
# the same engine at the same time, but not this file: FILE_LOCK,
# helper.bash.)

load helper

setup() {
	redock_setup
	require_engine
	# An image whose sshd never comes: start waits until told to stop.
	local id
	id=$(docker create -l "$TEST_LABEL" redock:base true)
	docker commit --change 'CMD ["sleep","infinity"]' "$id" \
	    "$USER:zsleep" >/dev/null
	docker rm "$id" >/dev/null
}

# Starts zsleep in the background, waits until its container exists,
# sends the signal and checks what is left.
interrupt_start() {
	local sig=$1 status=0 pid i

	# Job control: a background job of a script would ignore SIGINT.
	set -m
	REDOCK_START_TIMEOUT=60 "$REDOCK" start zsleep 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	set +m
	for i in $(seq 100); do
		[ -n "$(docker ps -q --filter name="^$(ename zsleep-container)$")" ] && break
		sleep 0.1
	done
	[ -n "$(docker ps -q --filter name="^$(ename zsleep-container)$")" ]
	sleep 0.3
	kill -"$sig" "$pid"
	wait "$pid" || status=$?
	echo "status $status, stderr: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$status" -eq "$((128 + $(kill -l "$sig")))" ]
	grep -qx "redock: cannot start '$USER:zsleep': interrupted" \
	    "$BATS_TEST_TMPDIR/err"
	[ -z "$(docker ps -aq --filter name="^$(ename zsleep-container)$")" ]
	[ ! -e "$HOME/.ssh/config.d/10-redock-zsleep-container" ]
	[ -z "$(grep zsleep "$HOME/.ssh/config" 2>/dev/null)" ]
}

@test "SIGTERM during start removes the container it made and kills redock" {
	interrupt_start TERM
}

@test "SIGHUP during start removes the container it made and kills redock" {
	interrupt_start HUP
}

@test "SIGINT during start removes the container it made and kills redock" {
	interrupt_start INT
}

@test "a SIGINT the caller ignores is ignored by start too" {
	local pid status=0

	# Without job control a background job starts with SIGINT ignored.
	REDOCK_START_TIMEOUT=3 "$REDOCK" start zsleep 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 1
	kill -INT "$pid"
	wait "$pid" || status=$?
	cat "$BATS_TEST_TMPDIR/err"
	[ "$status" -eq 1 ]
	grep -q "did not answer on 127.0.0.1:[0-9]* within 3 s" \
	    "$BATS_TEST_TMPDIR/err"
	[ -z "$(docker ps -aq --filter name="^$(ename zsleep-container)$")" ]
}
