#!/usr/bin/env bats
# The project file, redock.ini, and its hooks (redock.1: THE PROJECT
# FILE; start -f and --upgrade; test) against the real engine, the real
# sshd and the real OpenSSH client. on-create runs once per container
# made from an image that has not run it (stop and start, commit, kill
# and start, a snapshot restored: never again) and again when its text
# changes; on-start once per start; on-upgrade on start --upgrade alone;
# a hook that fails says so in one line with its last output, leaves the
# container running, and runs again next time. "test" exits with the
# test's status. user and mount from the file work as --user and
# --mount do, relative to the file's directory; the command line wins
# over the file, the file over the image; a bad file is one line with
# its line number, and nothing is made.
#
# The hooks count their runs in lines they append to /var/tmp/count in
# the container, read over the alias with OpenSSH. Every TAG here is "p",
# this run's id and a letter, which no other run uses; the containers
# of "test" (c, d and e) are made once for the file, in one start of
# three NAMEs, whose output the test of the prefixes reads. A test that
# needs a container of its own makes it.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export T=p${REDOCK_TEST_RUN//[!a-z0-9]/}
	export FILE_HOME=$BATS_FILE_TMPDIR/home
	export FILE_REDOCK_HOME=$BATS_FILE_TMPDIR/redock-home
	export FILE_USER=${REDOCK_TEST_RUN}p
	export P=$BATS_FILE_TMPDIR/tests
	# The host user of the test of "user = yes" (made here when root).
	export HU="${REDOCK_TEST_RUN}pu" HU_DIR= HU_HOME=
	mkdir -p -m 0700 "$FILE_HOME"
	mkdir -p "$P"
	# Three NAMEs with a test each, in this order: c passes, d fails
	# with status 3, e passes. A hook's text goes on over indented
	# lines.
	cat >"$P/redock.ini" <<EOF
# the tests of "redock test"
[${T}c]
on-create = echo "made \$(hostname)"
test = echo "test of c"

[${T}d]
on-create = echo "made \$(hostname)"
	echo "and a second line" >&2
test = echo "test of d"
	exit 3

; e passes, but comes after d
[${T}e]
on-create = echo "made \$(hostname)"
test = echo "test of e"
EOF
	file_env
	docker version >/dev/null 2>&1 || return 0
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	status=0
	(cd "$P" && exec "$REDOCK" start --no-shell "${T}c" "${T}d" "${T}e") \
	    >"$BATS_FILE_TMPDIR/start.out" 2>"$BATS_FILE_TMPDIR/start.err" ||
	    status=$?
	echo "$status" >"$BATS_FILE_TMPDIR/start.status"
	[ "$(id -u)" -eq 0 ] || return 0
	user_make project
}

teardown_file() {
	file_env
	redock_cleanup
	user_remove
	file_unlock
}

setup() {
	file_env
	require_engine
	D=$BATS_TEST_TMPDIR/project
	mkdir -p "$D"
}

# Nothing per test: the file's clean-up takes what the tests made.
teardown() {
	:
}

# How often the hooks of alias $1 ran: the lines "create", "start" and
# "upgrade" of its /var/tmp/count, counted, on one line.
counts() {
	ssh_to "$1" 'for w in create start upgrade; do
	    grep -cx "$w" /var/tmp/count 2>/dev/null || :; done' | paste -sd ' '
}

# Asserts that the hooks of alias $1 ran as often as $2 says
# ("CREATE START UPGRADE").
ran() {
	local got

	got=$(counts "$1")
	[ "$got" = "$2" ] || {
		echo "$1: the hooks ran '$got' times, not '$2'" >&2
		return 1
	}
}

# Writes the counting hooks of NAME $1 to $D/redock.ini; $2, if given,
# is what on-create says after counting.
counting_file() {
	cat >"$D/redock.ini" <<EOF
[$1]
on-create = echo create >>/var/tmp/count
	echo "${2:-created}"
on-start = echo start >>/var/tmp/count
on-upgrade = echo upgrade >>/var/tmp/count
EOF
}

container_id() {
	docker inspect -f '{{.Id}}' "$1"
}

@test "on-create runs once across stop and start, commit, kill and start, and restore; on-start once per start" {
	local a=${T}a-container id

	counting_file "${T}a"
	cd "$D"
	run --separate-stderr redock start --no-shell "${T}a"
	[ "$status" -eq 0 ]
	# What start says, then the hook's output.
	[ "$output" = "started '$USER:${T}a' from redock:base: ssh $a
created" ]
	ran "$a" "1 1 0"

	# Running, its on-start run: nothing runs.
	run --separate-stderr redock start --no-shell "${T}a"
	[ "$status" -eq 0 ]
	[ "$output" = "'$USER:${T}a' is running: ssh $a" ]
	ran "$a" "1 1 0"

	run -0 redock -q stop "${T}a"
	run -0 redock -q start --no-shell "${T}a"
	ran "$a" "1 2 0"

	# A container made from the commit has the marker: on-start alone.
	run -0 redock -q commit "${T}a"
	id=$(container_id "$(ename "$a")")
	run -0 redock -q kill "${T}a"
	run --separate-stderr redock start --no-shell "${T}a"
	[ "$status" -eq 0 ]
	[[ $output != *created* ]]
	[ "$(container_id "$(ename "$a")")" != "$id" ]
	ran "$a" "1 3 0"

	# A restored snapshot has it too.
	run -0 redock -q snapshot "${T}a"
	run -0 ssh_to "$a" 'echo start >>/var/tmp/count'
	ran "$a" "1 4 0"
	run -0 redock -q restore "${T}a" 1
	run -0 redock -q start --no-shell "${T}a"
	ran "$a" "1 4 0"
	run -0 redock -q start --no-shell "${T}a"
	ran "$a" "1 4 0"
}

@test "a new on-create text runs again; on-upgrade runs on start --upgrade alone" {
	local g=${T}g-container

	counting_file "${T}g"
	cd "$D"
	run -0 redock -q start --no-shell "${T}g"
	ran "$g" "1 1 0"

	run --separate-stderr redock start --no-shell --upgrade "${T}g"
	[ "$status" -eq 0 ]
	[[ $output != *created* ]]
	ran "$g" "1 1 1"
	run -0 redock -q stop "${T}g"
	run -0 redock -q start --no-shell "${T}g"
	ran "$g" "1 2 1"
	run -0 redock -q start --no-shell --upgrade "${T}g"
	ran "$g" "1 2 2"

	# Another text: due again, once; on-start ran for this start.
	counting_file "${T}g" "created again"
	run --separate-stderr redock start --no-shell "${T}g"
	[ "$status" -eq 0 ]
	[ "$output" = "'$USER:${T}g' is running: ssh $g
created again" ]
	ran "$g" "2 2 2"
	run -0 redock -q start --no-shell "${T}g"
	run -0 redock -q stop "${T}g"
	run -0 redock -q start --no-shell "${T}g"
	ran "$g" "2 3 2"
}

@test "a failing on-create: exit 1 with its name, NAME and last line; the container runs; it runs again until it succeeds" {
	local b=${T}b-container

	cat >"$D/redock.ini" <<EOF
[${T}b]
on-create = echo create >>/var/tmp/count
	echo "first words"
	echo "last words: no /var/tmp/ok"
	test -e /var/tmp/ok
EOF
	cd "$D"
	run --separate-stderr redock start --no-shell "${T}b"
	[ "$status" -eq 1 ]
	stderr_has "on-create" "'$USER:${T}b'" "status 1" \
	    "last words: no /var/tmp/ok"
	[[ ${stderr_lines[0]} == "redock: "* ]]
	[ "$(docker inspect -f '{{.State.Status}}' "$(ename "$b")")" = running ]
	# Left for a look: the alias reaches it.
	ran "$b" "1 0 0"

	run --separate-stderr redock start --no-shell "${T}b"
	[ "$status" -eq 1 ]
	stderr_has "last words"
	ran "$b" "2 0 0"

	run -0 ssh_to "$b" 'touch /var/tmp/ok'
	run --separate-stderr redock start --no-shell "${T}b"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	ran "$b" "3 0 0"
	run -0 redock -q start --no-shell "${T}b"
	run -0 redock -q stop "${T}b"
	run -0 redock -q start --no-shell "${T}b"
	ran "$b" "3 0 0"
}

@test "two NAMEs start at once: each line of their hooks' output after 'NAME: '" {
	local n

	[ "$(cat "$BATS_FILE_TMPDIR/start.status")" -eq 0 ] || {
		cat "$BATS_FILE_TMPDIR/start.err" >&2
		return 1
	}
	for n in c d e; do
		grep -qxF "$USER:${T}$n: made ${T}$n" \
		    "$BATS_FILE_TMPDIR/start.out" || {
			echo "no line of ${T}$n's on-create:" >&2
			cat "$BATS_FILE_TMPDIR/start.out" >&2
			return 1
		}
		grep -qxF "started '$USER:${T}$n' from redock:base: ssh ${T}$n-container" \
		    "$BATS_FILE_TMPDIR/start.out"
	done
	# As the hook wrote it: on stderr.
	grep -qxF "$USER:${T}d: and a second line" "$BATS_FILE_TMPDIR/start.err"
	! grep -q "second line" "$BATS_FILE_TMPDIR/start.out"
}

@test "test NAME exits with the test's status; without a file, the container's test" {
	cd "$P"
	run --separate-stderr redock test "${T}c"
	[ "$status" -eq 0 ]
	[ "$output" = "test of c" ]
	[ -z "$stderr" ]
	run --separate-stderr redock test "${T}d"
	[ "$status" -eq 3 ]
	[ "$output" = "test of d" ]

	# No redock.ini here: the test the container was made with.
	cd "$D"
	run --separate-stderr redock test "${T}c"
	[ "$status" -eq 0 ]
	[ "$output" = "test of c" ]
	run --separate-stderr redock test "${T}d"
	[ "$status" -eq 3 ]
}

@test "test without NAME: every section's test in file order, stopping at the first failure, with a summary" {
	cd "$P"
	run --separate-stderr redock test
	[ "$status" -eq 3 ]
	[ "$output" = "test of c
test of d
test of '$USER:${T}d' failed with status 3: 1 passed, 1 not run" ]
	[ -z "$stderr" ]

	# All pass: c, then e, and the summary says so.
	cat >"$D/pass.ini" <<EOF
[${T}e]
test = echo "test of e"
[${T}c]
test = echo "test of c"
EOF
	cd /
	run --separate-stderr redock test -f "$D/pass.ini"
	[ "$status" -eq 0 ]
	[ "$output" = "test of e
test of c
tests passed: 2 of 2" ]
	[ -z "$stderr" ]
}

@test "user = yes and mount = .:/src:rw from -f FILE in another directory work as --user and --mount" {
	local u=${T}u-container

	[ "$(id -u)" -eq 0 ] || skip "needs root, to make a user of this host"
	getent passwd "$HU" >/dev/null
	as_user mkdir -p proj
	as_user sh -c "cat >proj/redock.ini" <<EOF
[${T}u]
user = yes
mount = .:/src:rw
on-create = echo "on-create as \$(id -un) in \$(cat /src/where)"
test = echo "test as \$(id -un)" >/src/tested
EOF
	as_user sh -c 'echo proj >proj/where'
	# From the home: the mount is the file's directory.
	run --separate-stderr as_user "$REDOCK" start --no-shell \
	    -f proj/redock.ini "${T}u"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "on-create as $HU in proj" ]
	run -0 user_ssh "$u" 'id -un; echo written >/src/file; stat -c %U /src/file'
	[ "$output" = "$HU
$HU" ]
	[ "$(cat "$HU_HOME/proj/file")" = written ]
	[ "$(stat -c %U:%G "$HU_HOME/proj/file")" = "$HU:$(id -gn "$HU")" ]

	run -0 as_user "$REDOCK" test -f proj/redock.ini "${T}u"
	[ "$(cat "$HU_HOME/proj/tested")" = "test as $HU" ]
	[ "$(stat -c %U "$HU_HOME/proj/tested")" = "$HU" ]
	# As --user and --mount would have it.
	run -0 docker inspect -f '{{index .Config.Labels "io.redock.settings"}}' "$HU.$u"
	[ "$(jq -r .user.name <<<"$output")" = "$HU" ]
	[ "$(jq -c '.mounts' <<<"$output")" = \
	    "[{\"source\":\"$HU_HOME/proj\",\"target\":\"/src\",\"rw\":true}]" ]
	as_user "$REDOCK" -q kill "${T}u"
}

@test "the command line wins over the file, the file over the image" {
	cat >"$D/redock.ini" <<EOF
[${T}f]
hostname = ${T}fa
mount = one:/src
on-start = cat /src/which
EOF
	mkdir "$D/one" "$D/other"
	echo one >"$D/one/which"
	echo other >"$D/other/which"
	cd "$D"
	run --separate-stderr redock start --no-shell -n "${T}fb" \
	    --mount other:/src "${T}f"
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:${T}f' from redock:base: ssh ${T}fb-container
other" ]
	prints other ssh_to "${T}fb-container" cat /src/which
	[ ! -e "$(fragment "${T}fa-container")" ]

	# Committed with -n and --mount; made again with the file alone.
	run -0 redock -q commit "${T}f"
	run -0 redock -q kill "${T}f"
	run --separate-stderr redock start --no-shell "${T}f"
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:${T}f' from $USER:${T}f: ssh ${T}fa-container
one" ]
	prints one ssh_to "${T}fa-container" cat /src/which
	[ ! -e "$(fragment "${T}fb-container")" ]
}

@test "an unknown key, a syntax error: one line with the file and line, exit 2, nothing made" {
	local before

	before=$(engine_objects "${T}x*")
	cat >"$D/redock.ini" <<EOF
; a comment
[${T}x]
on-start = true
colour = blue
EOF
	cd "$D"
	fails_with 2 start --no-shell "${T}x"
	stderr_has "redock.ini:4:" "colour"
	fails_with 2 test "${T}x"
	stderr_has "redock.ini:4:" "colour"

	cat >"$D/bad.ini" <<EOF
[${T}x]
on-start = true
[${T}y
on-create = true
EOF
	cd /
	fails_with 2 start --no-shell -f "$D/bad.ini" "${T}x"
	stderr_has "$D/bad.ini:3:"
	fails_with 2 test -f "$D/bad.ini"
	stderr_has "$D/bad.ini:3:"

	[ "$(engine_objects "${T}x*")" = "$before" ]
	[ ! -e "$REDOCK_HOME/hosts/${T}x-container" ]
	[ ! -e "$(fragment "${T}x-container")" ]
}
