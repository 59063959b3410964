#!/usr/bin/env bats
# redock link, unlink and links, and the wrappers run as a user runs
# them, against the real engine and real sshd: arguments arrive exactly
# as given (never read by a shell again), stdin to its end, binary
# output, the exit status (128+N for a signal), a pty only on a
# terminal (tmux), the working directory mapped through the mounts by
# whole path components, through symbolic links and with spaces, else
# the home; SIGTERM to a wrapper ends the remote command; a stopped or
# missing container is started first. A file redock did not write is
# never replaced or removed.
#
# One container serves the file (setup_file), started with two mounts:
# "$F/my proj" (rw) and "$F/a/al". A container's engine name is its
# alias: every TAG here is "l", this run's id and a letter, so that no
# other run's aliases meet these.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export F=$BATS_FILE_TMPDIR
	export FILE_HOME=$F/home FILE_REDOCK_HOME=$F/redock-home
	export FILE_USER=${REDOCK_TEST_RUN}l
	export T=l${REDOCK_TEST_RUN//[!a-z0-9]/}
	mkdir -p -m 0700 "$FILE_HOME"
	mkdir -p "$F/my proj/sub dir" "$F/a/al/in" "$F/a/alice"
	ln -s "my proj" "$F/link to proj"
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME "$REDOCK" -q base
	fi
	# --mount comes with the settings of a NAME: without it, the tests
	# of the working directory are skipped.
	MOUNTS=()
	if "$REDOCK" start --help | grep -q -- --mount; then
		MOUNTS=(--mount "$F/my proj:$F/my proj:rw" --mount "$F/a/al")
	fi
	HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER \
	    REDOCK_SSH_SHARING=no "$REDOCK" -q start --no-shell \
	    "${MOUNTS[@]}" "${T}a"
}

teardown_file() {
	redock_cleanup
	file_unlock
}

setup() {
	redock_setup
	require_engine
	export HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER
	B=$BATS_TEST_TMPDIR/bin
	PANE_SID=
}

teardown() {
	if [ -n "${SOCK:-}" ]; then
		tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
	fi
}

# Links the programs $@ of the file's NAME into $B.
lnk() {
	run -0 redock -q link --dir "$B" "${T}a" "$@"
}

mounted() {
	"$REDOCK" start --help | grep -q -- --mount ||
	    skip "start has no --mount yet"
}

@test "link: the wrapper, a /bin/sh script of mode 0755, says whose it is" {
	run -0 redock link --dir "$B" "${T}a" /usr/bin/printf
	[ "$output" = "linked '$B/printf' to '${T}a'" ]
	[ "$(stat -c %a "$B/printf")" = 755 ]
	[ "$(head -n 4 "$B/printf")" = "#!/bin/sh
# Written by 'redock link': 'redock unlink' removes it.
# NAME: $USER:${T}a
# PROGRAM: /usr/bin/printf" ]
	# The redock that wrote it, by its real path, every value quoted.
	grep -qF "exec '$(realpath "$REDOCK")' exec --here --start -- '$USER:${T}a' -- '/usr/bin/printf' \"\$@\"" "$B/printf"
	# --as names it; the default directory is ~/.local/bin, made.
	run -0 redock -q link --as 'my printf' "${T}a" printf
	[ -x "$HOME/.local/bin/my printf" ]
	run -0 redock links
	[[ ${lines[1]} =~ ^"$HOME/.local/bin/my printf"\ +"$USER:${T}a"\ +printf$ ]]
	run -0 redock -q unlink 'my printf'
	[ ! -e "$HOME/.local/bin/my printf" ]
}

@test "wrapper: arguments with spaces, quotes, *, \$, newlines and '' arrive intact" {
	lnk printf
	local -a args=('two words' "it's" '"double"' '' '$HOME' '`id`' \
	    'a;b|c&d' '*' '~' 'back\slash' $'new\nline' ' lead' '-n' '--')
	"$B/printf" '%s\0' "${args[@]}" >"$BATS_TEST_TMPDIR/remote"
	printf '%s\0' "${args[@]}" >"$BATS_TEST_TMPDIR/local"
	cmp "$BATS_TEST_TMPDIR/local" "$BATS_TEST_TMPDIR/remote"
	# A glob the host's shell would expand, were it read again.
	cd "$BATS_TEST_TMPDIR"
	run -0 "$B/printf" '<%s>' '*'
	[ "$output" = '<*>' ]
}

@test "wrapper: stdin to its end, and 1 MiB of binary through stdout" {
	lnk cat sh
	run -0 "$B/sh" -c 'cat; echo end' <<<$'one\ntwo'
	[ "$output" = $'one\ntwo\nend' ]
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	"$B/cat" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "wrapper: the exit status: 0, 3, and 130 for SIGINT" {
	lnk sh true
	run "$B/true"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run "$B/sh" -c 'exit 3'
	[ "$status" -eq 3 ]
	run "$B/sh" -c 'kill -INT $$'
	[ "$status" -eq 130 ]
}

@test "wrapper: a pty on a terminal (tmux), none elsewhere" {
	command -v tmux >/dev/null || skip "no tmux: contrib/setup installs it"
	lnk sh
	local probe='if [ -t 0 ] && [ -t 1 ]; then echo TTY-yes; else echo TTY-no; fi'
	run -0 "$B/sh" -c "$probe"
	[ "$output" = TTY-no ]
	run -0 "$B/sh" -c "$probe" </dev/null
	[ "$output" = TTY-no ]

	pane_setup
	tmux -L "$SOCK" -f /dev/null new-session -d -s redock -x 80 -y 24 \
	    env -i "HOME=$HOME" "REDOCK_HOME=$REDOCK_HOME" "USER=$USER" \
	    "PATH=$PATH" "TERM=screen" "REDOCK_SSH_SHARING=no" \
	    sh -c "\"\$0\" -c '$probe; tty'; echo wrapper-done-\$?; sleep 60" \
	    "$B/sh"
	wait_line "wrapper-done-0"
	pane | grep -qx 'TTY-yes'
	pane | grep -qx '/dev/pts/[0-9]*'
}

@test "wrapper: the working directory inside a mount, by whole components" {
	mounted
	lnk pwd
	cd "$F/my proj"
	run -0 "$B/pwd"
	[ "$output" = "$F/my proj" ]
	cd "$F/my proj/sub dir"
	run -0 "$B/pwd"
	[ "$output" = "$F/my proj/sub dir" ]
	# Through a symbolic link: the path it leads to.
	cd "$F/link to proj/sub dir"
	run -0 "$B/pwd"
	[ "$output" = "$F/my proj/sub dir" ]
	cd "$F/a/al/in"
	run -0 "$B/pwd"
	[ "$output" = "$F/a/al/in" ]
	# /a/alice is not inside /a/al: the home.
	home=$(redock exec "${T}a" pwd)
	cd "$F/a/alice"
	run -0 "$B/pwd"
	[ "$output" = "$home" ]
	# And what is in no mount, the home too.
	cd "$F"
	run -0 "$B/pwd"
	[ "$output" = "$home" ]
	# A file written there through the rw mount is here.
	lnk sh
	cd "$F/my proj"
	run -0 "$B/sh" -c 'echo made-inside >inside'
	[ "$(cat "$F/my proj/inside")" = made-inside ]
}

@test "wrapper: the working directory outside every mount is the home" {
	lnk pwd
	home=$(redock exec "${T}a" pwd)
	cd "$BATS_TEST_TMPDIR"
	run -0 "$B/pwd"
	[ "$output" = "$home" ]
}

@test "wrapper: SIGTERM to the wrapper ends the remote command" {
	lnk sh
	local pid
	"$B/sh" -c 'echo $$ >/tmp/lk-term.pid; exec sleep 300' &
	pid=$!
	for _ in $(seq 100); do
		redock exec "${T}a" test -s /tmp/lk-term.pid && break
		sleep 0.1
	done
	remote=$(redock exec "${T}a" cat /tmp/lk-term.pid)
	redock exec "${T}a" test -d "/proc/$remote"
	kill -TERM "$pid"
	# Not "run wait": run's subshell has no child to wait for.
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	# Gone from the container, not orphaned there.
	for _ in $(seq 50); do
		redock exec "${T}a" test -d "/proc/$remote" || break
		sleep 0.1
	done
	run redock exec "${T}a" test -d "/proc/$remote"
	[ "$status" -eq 1 ]
}

@test "link: an existing file redock did not write stays as it is" {
	mkdir -p "$B"
	echo mine >"$B/printf"
	chmod 0700 "$B/printf"
	before=$(find_state - "$B")
	fails_with 1 link --dir "$B" "${T}a" printf
	stderr_has "'$B/printf'" "redock did not write it"
	fails_with 1 link --dir "$B" "${T}a" cat printf
	[ "$(find_state - "$B")" = "$before" ]
	# A symbolic link is not one of redock's either.
	ln -s /bin/true "$B/true"
	fails_with 1 link --dir "$B" "${T}a" true
	[ "$(readlink "$B/true")" = /bin/true ]
}

@test "unlink: removes redock's wrappers, and only those" {
	lnk cat sh
	echo mine >"$B/mine"
	fails_with 1 unlink --dir "$B" mine
	stderr_has "'$B/mine' is not a wrapper of redock's"
	[ "$(cat "$B/mine")" = mine ]
	fails_with 1 unlink --dir "$B" nothere
	run -0 redock unlink --dir "$B" cat
	[ "$output" = "removed '$B/cat'" ]
	[ ! -e "$B/cat" ] && [ -e "$B/sh" ]
	fails_with 2 unlink --dir "$B" ../sh
	fails_with 2 unlink --dir "$B"
}

@test "links --json: path, NAME and PROGRAM of each wrapper redock wrote" {
	lnk /bin/cat "it's"
	echo mine >"$B/mine"
	run -0 redock links --json --dir "$B"
	[ "$(jq -c . <<<"$output")" = "[{\"path\":\"$B/cat\",\"name\":\"$USER:${T}a\",\"program\":\"/bin/cat\"},{\"path\":\"$B/it's\",\"name\":\"$USER:${T}a\",\"program\":\"it's\"}]" ]
	run -0 redock links --json --dir "$BATS_TEST_TMPDIR/none"
	[ "$(jq -c . <<<"$output")" = "[]" ]
}

@test "link: bad command lines, one line each, nothing written" {
	fails_with 2 link --dir "$B" "${T}a"
	fails_with 2 link --dir "$B" --as x "${T}a" cat sh
	fails_with 2 link --dir "$B" 'Bad:Name' cat
	fails_with 2 link --dir "$B" "${T}a" ''
	fails_with 2 link --dir "$B" "${T}a" $'new\nline'
	fails_with 2 link --dir "$B" --as ../x "${T}a" cat
	fails_with 2 link --dir "$B" --as .x "${T}a" cat
	fails_with 2 link --dir "$B" "${T}a" cat /bin/cat
	[ ! -e "$B" ]
}

@test "wrapper: a stopped container is started first, quietly" {
	lnk sh
	run -0 redock -q stop "${T}a"
	run --separate-stderr "$B/sh" -c 'echo ran'
	[ "$status" -eq 0 ]
	[ "$output" = ran ] && [ -z "$stderr" ]
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename ${T}a-container)")" = running ]
	[ -f "$(fragment "${T}a-container")" ]
}

@test "wrapper: a missing container is made and started first" {
	run -0 redock -q link --dir "$B" "${T}m" sh
	run --separate-stderr "$B/sh" -c 'echo ran'
	[ "$status" -eq 0 ]
	[ "$output" = ran ] && [ -z "$stderr" ]
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename ${T}m-container)")" = running ]
}
