#!/usr/bin/env bats
# sshconf-merge, the command-line front end of sshconf/, seen from
# outside: what a user of ~/.ssh/config.d/ gets, and how it says no.
# The rules one by one are in tests/unit/test-sshconf.c.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

merge() {
	"$REDOCK_BUILD/sshconf-merge" "$@"
}

setup() {
	redock_setup
	mkdir -p -m 0700 "$HOME/.ssh"
	CONF=$HOME/.ssh/config
}

@test "sshconf-merge --help says what it does; a wrong command line is status 2" {
	run --separate-stderr merge --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: sshconf-merge "* ]]
	[[ $output == *"--force"* ]]
	run --separate-stderr merge
	[ "$status" -eq 2 ]
	run --separate-stderr merge --bogus "$CONF"
	[ "$status" -eq 2 ]
	run --separate-stderr merge -s .hidden "$CONF" </dev/null
	[ "$status" -eq 2 ]
	assert_one_line_stderr
	[ ! -e "$CONF.d" ]
}

@test "first use keeps the user's config byte for byte as config.d/local" {
	printf 'Host old\n\tUser me  \n\n' >"$CONF"
	chmod 0640 "$CONF"
	cp "$CONF" "$BATS_TEST_TMPDIR/orig"
	run merge "$CONF"
	[ "$status" -eq 0 ]
	cmp "$CONF.d/local" "$BATS_TEST_TMPDIR/orig"
	[ "$(stat -c %a "$CONF.d/local")" = 640 ]
	[ "$(stat -c %a "$CONF")" = 640 ]
	[ "$(stat -c %a "$CONF.d")" = 700 ]
	head -n 1 "$CONF" | grep -q '^# This file is generated from the files in '
	run ssh -F "$CONF" -G old
	[ "$status" -eq 0 ]
	[[ $output == *$'\nuser me\n'* ]]
	[ "$(cat "$CONF.d/.checksum")" = "$(sha1sum <"$CONF" | cut -c1-40)" ]
}

@test "a new config is 0600 and holds the fragments in natural order" {
	for n in web10 web2 web1; do
		printf 'Host %s\n' "$n" | merge -s "$n" "$CONF"
	done
	[ "$(stat -c %a "$CONF")" = 600 ]
	[ "$(grep '^Host' "$CONF" | tr '\n' ' ')" = "Host web1 Host web2 Host web10 " ]
}

@test "a hand edit is refused in one line naming it and both ways out, and kept" {
	echo 'Host a' | merge -s a "$CONF"
	echo 'Host mine' >>"$CONF"
	before=$(snapshot)
	run --separate-stderr merge -s b "$CONF" <<<'Host b'
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"edited by hand"* ]]
	[[ $stderr == *"'Host mine'"* ]]
	[[ $stderr == *"move the edit into a file in '$CONF.d/'"* ]]
	[[ $stderr == *"--force"* ]]
	[ "$(snapshot)" = "$before" ]
	[ ! -e "$CONF.d/b" ]
}

@test "--force overwrites a hand edit" {
	echo 'Host a' | merge -s a "$CONF"
	echo 'Host mine' >>"$CONF"
	run merge --force -s b "$CONF" <<<'Host b'
	[ "$status" -eq 0 ]
	run grep -q 'Host mine' "$CONF"
	[ "$status" -eq 1 ]
	grep -q '^Host b$' "$CONF"
	run merge "$CONF"
	[ "$status" -eq 0 ]
}

@test "a config.d/ left by update-dotdee is taken over without a false alarm" {
	mkdir -m 0700 "$CONF.d"
	printf 'Host a\n' >"$CONF.d/a"
	printf 'Host a' >"$CONF"	# what update-dotdee writes: no header
	printf '%s' "$(sha1sum <"$CONF" | cut -c1-40)" >"$CONF.d/.checksum"
	run merge -s b "$CONF" <<<'Host b'
	[ "$status" -eq 0 ]
	grep -q '^Host b$' "$CONF"
}

@test "a symbolic link to a dotfile manager's file is written through" {
	mkdir "$HOME/dotfiles"
	printf 'Host mine\n' >"$HOME/dotfiles/ssh_config"
	chmod 0644 "$HOME/dotfiles/ssh_config"
	ln -s "$HOME/dotfiles/ssh_config" "$CONF"
	run merge -s a "$CONF" <<<'Host a'
	[ "$status" -eq 0 ]
	[ -L "$CONF" ]
	[ "$(readlink "$CONF")" = "$HOME/dotfiles/ssh_config" ]
	grep -q '^Host a$' "$HOME/dotfiles/ssh_config"
	grep -q '^Host mine$' "$HOME/dotfiles/ssh_config"
	[ "$(stat -c %a "$HOME/dotfiles/ssh_config")" = 644 ]
}

@test "an executable fragment is run and its output merged" {
	printf '#!/bin/sh\necho "Host gen$((6 * 7))"\n' >"$BATS_TEST_TMPDIR/gen"
	merge "$CONF"
	install -m 0700 "$BATS_TEST_TMPDIR/gen" "$CONF.d/gen"
	run merge "$CONF"
	[ "$status" -eq 0 ]
	grep -q '^Host gen42$' "$CONF"
}

# Each bad state: status 1, one line, and nothing under ~/.ssh changed.
bad_state() {
	local before
	before=$(snapshot)
	run --separate-stderr merge -s new "$CONF" <<<'Host new'
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == "sshconf-merge: "*"$1"* ]]
	[ "$(snapshot)" = "$before" ]
}

@test "config.d that is a file: one line, nothing changed" {
	printf 'Host mine\n' >"$CONF"
	printf 'not a directory\n' >"$CONF.d"
	bad_state "is not a directory"
}

@test "a directory among the fragments: one line, nothing changed" {
	echo 'Host a' | merge -s a "$CONF"
	mkdir "$CONF.d/sub"
	bad_state "is a directory"
}

@test "a fragment that cannot be read: one line, nothing changed" {
	echo 'Host a' | merge -s a "$CONF"
	ln -s "$HOME/nowhere" "$CONF.d/dangling"
	bad_state "cannot read fragment"
}

@test "a failing executable fragment: one line, nothing changed" {
	echo 'Host a' | merge -s a "$CONF"
	printf '#!/bin/sh\necho "Host half"\nexit 3\n' >"$CONF.d/gen"
	chmod 0700 "$CONF.d/gen"
	bad_state "exit status 3"
}
