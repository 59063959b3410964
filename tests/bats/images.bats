#!/usr/bin/env bats
# save, load and put (redock.1) against the real engine: an image saved
# to a file (.tar, .tar.gz) or a pipe, deleted and loaded again starts
# with what was committed; load --as makes the archive's image another
# NAME's, with its settings, and moves no name; a cut archive, a file
# that is no archive and a bad --as NAME are one line and leave no
# image; put unpacks a .tar.gz, a .tar.xz or standard input into the
# login user's home, owned by that user (root, and a host user mapped
# with --user), and refuses a directory that is not there or a path that
# would leave it, with nothing unpacked. On a terminal, save and load
# show one progress line.
#
# Each test has NAMEs of its own, in its own repository (USER); the
# TAGs start with "i" and this run's id, which no other run uses. The
# host user of the --user test (made in setup_file, gone at the end)
# is the run's id and "i".

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export T=i${REDOCK_TEST_RUN//[!a-z0-9]/}
	export HU="${REDOCK_TEST_RUN}i" HU_DIR= HU_HOME=
	[ "$(id -u)" -eq 0 ] || return 0
	docker version >/dev/null 2>&1 || return 0
	docker image inspect redock:base >/dev/null 2>&1 ||
	    "$REDOCK" -q base >/dev/null
	user_make images
}

teardown_file() {
	redock_cleanup
	user_remove
	file_unlock
}

setup() {
	redock_setup
	require_engine
	F=$BATS_TEST_TMPDIR/files
	mkdir -p "$F"
}

# Starts NAME $1 (the rest: start's options), writes "kept" into the
# file marker of its login user's home, and commits it.
committed() {
	local name=$1

	shift
	redock -q start --no-shell "$@" "$name"
	redock exec "$name" sh -c 'echo kept >marker'
	redock -q commit "$name"
}

# Fails unless no image has the NAME $1 as its name or its label.
no_image_of() {
	local ids

	ids=$(docker images -a -q --filter "label=io.redock.name=$1")
	if [ -n "$ids" ] || docker image inspect "$1" >/dev/null 2>&1; then
		echo "an image of '$1' is there: $ids" >&2
		docker images -a >&2
		return 1
	fi
}

# The file marker of NAME $1's login user, read in its container.
marker() {
	redock exec "$1" cat marker
}

# save -o FILE, delete, load -i FILE, start: the committed file is back.
round_trip() {
	local file=$1 name=${T}web

	committed "$name"
	run --separate-stderr redock save -o "$file" "$name"
	[ "$status" -eq 0 ]
	[ "$output" = "saved '$USER:$name' to '$file'" ]
	# No progress line when stderr is not a terminal.
	[ -z "$stderr" ]
	redock -q delete "$name"
	no_image_of "$USER:$name"
	run --separate-stderr redock load -i "$file"
	[ "$status" -eq 0 ]
	[ "$output" = "loaded '$USER:$name'" ]
	[ -z "$stderr" ]
	redock -q start --no-shell "$name"
	run marker "$name"
	[ "$output" = kept ]
}

@test "save, delete, load and start bring a committed file back: .tar" {
	round_trip "$F/web.tar"
	tar -tf "$F/web.tar" | grep -qx manifest.json
	# 0600: an image holds its container's host key.
	[ "$(stat -c %a "$F/web.tar")" = 600 ]
}

@test "save, delete, load and start bring a committed file back: .tar.gz" {
	round_trip "$F/web.tar.gz"
	[ "$(head -c 2 "$F/web.tar.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
	gzip -dc "$F/web.tar.gz" | tar -t | grep -qx manifest.json
}

@test "save to a pipe and load from standard input" {
	local name=${T}pipe

	committed "$name"
	redock save "$name" | cat >"$F/pipe.tar"
	tar -tf "$F/pipe.tar" | grep -qx manifest.json
	gzip <"$F/pipe.tar" >"$F/pipe.tgz"
	redock -q delete "$name"
	run --separate-stderr sh -c 'cat "$2" | "$1" load' sh "$REDOCK" \
	    "$F/pipe.tgz"
	[ "$status" -eq 0 ]
	[ "$output" = "loaded '$USER:$name'" ]
	redock -q start --no-shell "$name"
	run marker "$name"
	[ "$output" = kept ]
}

@test "save of a NAME without an image is one line and leaves FILE as it was" {
	echo before >"$F/out.tar"
	fails_with 1 save -o "$F/out.tar" "${T}none"
	stderr_has "'$USER:${T}none'" "redock commit"
	[ "$(cat "$F/out.tar")" = before ]
	[ "$(ls -A "$F")" = out.tar ]
	fails_with 2 save "${T}none" 'B@d'
}

@test "a cut archive, a cut gzip and a file that is no archive: one line, no image" {
	local name=${T}cut size

	committed "$name"
	redock save -o "$F/cut.tar" "$name"
	redock -q delete "$name"
	size=$(stat -c %s "$F/cut.tar")
	head -c $((size / 2)) "$F/cut.tar" >"$F/half.tar"
	fails_with 1 load -i "$F/half.tar"
	stderr_has "cannot load '$F/half.tar': " "cut short"
	no_image_of "$USER:$name"

	# Cut at an entry's end, where the engine itself would see no cut:
	# what comes before manifest.json.
	head -c "$(python3 -c '
import sys, tarfile
t = tarfile.open(sys.argv[1])
last = [m for m in t.getmembers() if m.name != "manifest.json" and
    m.name != "repositories"][-1]
print(last.offset_data + (last.size + 511) // 512 * 512)' "$F/cut.tar")" \
	    "$F/cut.tar" >"$F/entries.tar"
	fails_with 1 load -i "$F/entries.tar"
	no_image_of "$USER:$name"

	gzip -c "$F/cut.tar" | head -c $((size / 4)) >"$F/half.tgz"
	fails_with 1 load -i "$F/half.tgz"
	stderr_has "gzip"
	no_image_of "$USER:$name"

	fails_with 1 load -i /etc/passwd
	stderr_has "not a tar archive"
	# A whole tar archive, but no image: the engine's error, from
	# inside its answer of 200.
	tar -C /etc -cf "$F/files.tar" hostname
	fails_with 1 load -i "$F/files.tar"
	stderr_has "cannot load '$F/files.tar': "
	fails_with 1 load -i "$F/nothing-here.tar"
	no_image_of "$USER:$name"
	# The loaded layers' image would have no name: none is left either.
	[ -z "$(docker images -q --filter dangling=true \
	    --filter "label=io.redock.name=$USER:$name")" ]
}

@test "load --as with a bad NAME is exit 2 before anything is read" {
	local name=${T}bad

	committed "$name"
	redock save -o "$F/bad.tar" "$name"
	redock -q delete "$name"
	fails_with 2 load -i "$F/bad.tar" --as 'B@d:Name!'
	stderr_has "NAME"
	no_image_of "$USER:$name"
	# From a pipe that never ends: nothing is read, no wait.
	SECONDS=0
	run --separate-stderr timeout 20 "$REDOCK" load --as "a b" \
	    < <(cat "$F/bad.tar"; exec sleep 30)
	[ "$status" -eq 2 ]
	[ "$SECONDS" -lt 10 ]
	assert_one_line_stderr
	no_image_of "$USER:$name"
}

@test "load --as NAME: NAME starts from it with its settings, and no name moves" {
	local name=${T}orig new=${T}copy orig_id

	mkdir -p "$F/proj"
	echo from-the-host >"$F/proj/in"
	committed "$name" --mount "$F/proj:/proj"
	orig_id=$(docker image inspect -f '{{.Id}}' "$USER:$name")
	redock save -o "$F/orig.tar.gz" "$name"
	# The original stays: its name must not move to the loaded image.
	redock exec "$name" sh -c 'echo changed >marker'
	redock -q commit "$name"
	orig_id=$(docker image inspect -f '{{.Id}}' "$USER:$name")
	run --separate-stderr redock load -i "$F/orig.tar.gz" --as "$new"
	[ "$status" -eq 0 ]
	[ "$output" = "loaded '$USER:$new' from '$F/orig.tar.gz'" ]
	[ "$(docker image inspect -f '{{.Id}}' "$USER:$name")" = "$orig_id" ]
	redock -q start --no-shell "$new"
	run marker "$new"
	[ "$output" = kept ]
	run redock exec "$new" cat /proj/in
	[ "$output" = from-the-host ]
	# Its own alias and host name, not the original's.
	run redock exec "$new" hostname
	[ "$output" = "$new" ]
	ssh_to "$new-container" true
}

@test "load --as of an archive of two images is refused, no image left" {
	committed "${T}one"
	committed "${T}two"
	redock save -o "$F/two.tar" "${T}one" "${T}two"
	fails_with 1 load -i "$F/two.tar" --as "${T}three"
	stderr_has "2 images"
	no_image_of "$USER:${T}three"
}

# An archive of d/file and top, owned by uid 1234, compressed with $1
# (none: plain) into $2.
some_archive() {
	local c=$1 out=$2

	rm -rf "$F/src"
	mkdir -p "$F/src/d"
	echo inside >"$F/src/d/file"
	echo top >"$F/src/top"
	tar -C "$F/src" --owner=1234 --group=4321 -cf - . |
	    if [ "$c" = none ]; then cat; else "$c"; fi >"$out"
}

# The owner (name:uid:group:gid) of path $2 in NAME $1's container.
owner_of() {
	redock exec "$1" stat -c '%U:%u:%G:%g' "$2"
}

@test "put: a .tar.gz and a .tar.xz land in root's home, root's, and '-' reads standard input" {
	local name=${T}put

	redock -q start --no-shell "$name"
	some_archive gzip "$F/a.tar.gz"
	run --separate-stderr redock put "$name" "$F/a.tar.gz"
	[ "$status" -eq 0 ]
	[ "$output" = "put '$F/a.tar.gz' into '$USER:$name':/root" ]
	run redock exec "$name" cat /root/d/file /root/top
	[ "$output" = $'inside\ntop' ]
	run owner_of "$name" /root/d/file
	[ "$output" = root:0:root:0 ]
	# The home itself keeps its owner and mode: "." is left out.
	run redock exec "$name" stat -c %a /root
	[ "$output" = 700 ]

	some_archive xz "$F/a.tar.xz"
	redock exec "$name" mkdir xz
	redock -q put "$name" "$F/a.tar.xz" xz
	run owner_of "$name" /root/xz/d
	[ "$output" = root:0:root:0 ]

	some_archive bzip2 "$F/a.tar.bz2"
	redock exec "$name" mkdir /srv/in
	run sh -c '"$1" put "$2" - /srv/in <"$3"' sh "$REDOCK" "$name" \
	    "$F/a.tar.bz2"
	[ "$status" -eq 0 ]
	[ "$output" = "put standard input into '$USER:$name':/srv/in" ]
	run redock exec "$name" cat /srv/in/top
	[ "$output" = top ]
}

@test "put: the files are the login user's, a host user mapped with --user" {
	local name=${T}user

	[ "$(id -u)" -eq 0 ] || skip "needs root, to make a user of this host"
	getent passwd "$HU" >/dev/null
	some_archive gzip "$F/u.tar.gz"
	cp "$F/u.tar.gz" "$HU_DIR/u.tar.gz"
	chmod 0644 "$HU_DIR/u.tar.gz"
	as_user "$REDOCK" -q start --no-shell --user "$name"
	run as_user "$REDOCK" put "$name" "$HU_DIR/u.tar.gz"
	[ "$status" -eq 0 ]
	[ "$output" = "put '$HU_DIR/u.tar.gz' into '$HU:$name':$HU_HOME" ]
	run as_user "$REDOCK" exec "$name" stat -c '%U:%u:%g' d/file d top
	[ "$output" = "$(printf '%s\n' "$HU:$(id -u "$HU"):$(id -g "$HU")" \
	    "$HU:$(id -u "$HU"):$(id -g "$HU")" \
	    "$HU:$(id -u "$HU"):$(id -g "$HU")")" ]
	run as_user "$REDOCK" exec "$name" cat d/file
	[ "$output" = inside ]
	as_user "$REDOCK" -q kill "$name"
}

@test "put: a directory that is not there, and paths that leave it, unpack nothing" {
	local name=${T}evil

	redock -q start --no-shell "$name"
	some_archive gzip "$F/ok.tgz"
	fails_with 1 put "$name" "$F/ok.tgz" /no/such/dir
	stderr_has "'/no/such/dir'"
	python3 - "$F" <<'EOF'
import io, sys, tarfile
def archive(name, *members):
    with tarfile.open(sys.argv[1] + "/" + name, "w:gz") as t:
        for path, kind, what in members:
            ti = tarfile.TarInfo(path)
            if kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, what
                t.addfile(ti)
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, what
                t.addfile(ti)
            else:
                ti.size = len(what)
                t.addfile(ti, io.BytesIO(what))
archive("dotdot.tgz", ("first", "file", b"1"), ("../escaped", "file", b"x"))
archive("abs.tgz", ("first", "file", b"1"), ("/etc/escaped", "file", b"x"))
archive("sym.tgz", ("first", "file", b"1"), ("ln", "sym", "/etc"),
    ("ln/escaped", "file", b"x"))
archive("hard.tgz", ("first", "file", b"1"), ("h", "hard", "../../etc/passwd"))
EOF
	fails_with 1 put "$name" "$F/dotdot.tgz"
	stderr_has "'../escaped'"
	fails_with 1 put "$name" "$F/abs.tgz"
	stderr_has "'/etc/escaped'"
	fails_with 1 put "$name" "$F/sym.tgz"
	stderr_has "'ln/escaped'" "symbolic link"
	fails_with 1 put "$name" "$F/hard.tgz"
	stderr_has "'h'" "hard link"
	fails_with 1 put "$name" /etc/passwd
	stderr_has "not a tar archive"
	run redock exec "$name" sh -c 'ls -A /root; ls /etc/escaped /escaped 2>&1'
	[[ $output != *first* ]]
	[[ $output != *ln* ]]
	[[ $output == *"No such file"*"No such file"* ]]
}

@test "put into a NAME whose container is not running is one line" {
	local name=${T}stopped

	some_archive gzip "$F/ok.tgz"
	fails_with 1 put "$name" "$F/ok.tgz"
	stderr_has "no container"
	redock -q start --no-shell "$name"
	redock -q stop "$name"
	fails_with 1 put "$name" "$F/ok.tgz"
	stderr_has "not running"
	fails_with 2 put 'B@d' "$F/ok.tgz"
	fails_with 1 put "$name" "$F/nothing-here.tgz"
}

# Runs redock with the arguments in a tmux pane (a terminal), then
# prints "rc=STATUS" there. Each call has a tmux server of its own: one
# just killed may still be going away when the next starts on its
# socket ("server exited unexpectedly").
in_pane() {
	pane_setup
	SOCK+="-$((++in_pane_calls))"
	tmux -L "$SOCK" -f /dev/null new-session -d -s redock -x 120 -y 24 \
	    env -i "HOME=$HOME" "REDOCK_HOME=$REDOCK_HOME" "USER=$USER" \
	    "PATH=$PATH" "TERM=screen" "REDOCK_SSH_SHARING=no" \
	    ${ASAN_OPTIONS:+"ASAN_OPTIONS=$ASAN_OPTIONS"} \
	    sh -c '"$@"; echo "rc=$?"; sleep 60' sh "$REDOCK" "$@"
}

@test "on a terminal: one progress line for save and load; no archive to or from it" {
	local name=${T}tty

	committed "$name"
	in_pane save -o "$F/tty.tar" "$name"
	wait_line rc=0 120
	pane | grep -Eqx "saving '$USER:$name': [0-9]+ MiB"
	[ "$(pane | grep -c saving)" -eq 1 ]
	tmux -L "$SOCK" kill-server

	redock -q delete "$name"
	in_pane load -i "$F/tty.tar"
	wait_line rc=0 120
	pane | grep -Eqx "loading '$F/tty.tar': [0-9]+ of [0-9]+ MiB"
	pane | grep -qx "loaded '$USER:$name'"
	tmux -L "$SOCK" kill-server

	in_pane save "$name"
	wait_line rc=2
	pane | grep -q "cannot save to a terminal"
	tmux -L "$SOCK" kill-server
	in_pane load
	wait_line rc=2
	tmux -L "$SOCK" kill-server
}
