#!/usr/bin/env bats
# The build itself: warning-free under gcc and clang, and an install
# that honours PREFIX and DESTDIR.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

# Builds redock and the unit tests into a directory of the test's own.
build_with() {
	local cc=$1 dir=$BATS_TEST_TMPDIR/$1

	command -v "$cc" >/dev/null || { echo "no $cc: run contrib/setup" >&2; return 1; }
	run make -C "$TOP" --no-print-directory B="$dir" BIN="$dir/redock" \
	    CC="$cc" CFLAGS="-O2 -g" all unit
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"warning:"* ]]
	[[ $output != *"note:"* ]]
	"$dir/redock" --version
}

@test "the tree builds without a warning under gcc" {
	build_with gcc
}

@test "the tree builds without a warning under clang" {
	build_with clang
}

@test "make install honours PREFIX and DESTDIR, and uninstall undoes it" {
	dest=$BATS_TEST_TMPDIR/dest
	run make -C "$TOP" --no-print-directory install DESTDIR="$dest" \
	    PREFIX=/opt/rd
	[ "$status" -eq 0 ]
	[ -x "$dest/opt/rd/bin/redock" ]
	[ "$(stat -c %a "$dest/opt/rd/bin/redock")" = 755 ]
	[ -f "$dest/opt/rd/share/man/man1/redock.1" ]
	run "$dest/opt/rd/bin/redock" --version
	[ "$status" -eq 0 ]
	[[ $output == "redock "* ]]
	[ ! -e /opt/rd ]

	run make -C "$TOP" --no-print-directory uninstall DESTDIR="$dest" \
	    PREFIX=/opt/rd
	[ "$status" -eq 0 ]
	[ ! -e "$dest/opt/rd/bin/redock" ]
	[ ! -e "$dest/opt/rd/share/man/man1/redock.1" ]
}

@test "the man page is well-formed" {
	run man --warnings -l -Tutf8 "$TOP/redock.1"
	[ "$status" -eq 0 ]
	[[ $output == *"redock"* ]]
	run bash -c "man --warnings -l -Tutf8 '$TOP/redock.1' 2>&1 >/dev/null"
	[ -z "$output" ]
}
