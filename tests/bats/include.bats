#!/usr/bin/env bats
# A user's ~/.ssh/config that already Includes config.d/ (issue 20, item
# 1): after redock's first merge every host of theirs resolves as before
# ("ssh -G" is the judge), redock's alias wins, no Host block is there
# twice and nothing includes itself. And a config.d/ made by hand runs
# nothing. The rewrite's rules one by one are in tests/unit/test-sshconf.c.
#
# OpenSSH 9.2 expands "~" and a relative Include path with $HOME (glob(3)'s
# GLOB_TILDE), so the tests' own HOME is what it reads.

load helper

merge() {
	"$REDOCK_BUILD/sshconf-merge" "$@"
}

setup() {
	redock_setup
	mkdir -p -m 0700 "$HOME/.ssh/config.d"
	CONF=$HOME/.ssh/config
	printf 'Host work\n    HostName 192.0.2.7\n' >"$CONF.d/work"
}

# The user's config: the Include line(s) given, then a default for all.
write_config() {
	printf '%s\n' "$@" '' 'Host *' '    User bob' >"$CONF"
	chmod 0600 "$CONF"
}

# What ssh makes of the user's hosts, saved under $1.
resolve_hosts() {
	local h

	for h in work other; do
		ssh -G -F "$CONF" "$h" >"$BATS_TEST_TMPDIR/$1.$h" 2>&1 || {
			cat "$BATS_TEST_TMPDIR/$1.$h" >&2
			return 1
		}
	done
}

# The first merge, which moves the user's config to config.d/local: their
# hosts must resolve as before right after it.
first_merge() {
	run merge "$CONF"
	[ "$status" -eq 0 ]
	resolve_hosts moved
	diff -u "$BATS_TEST_TMPDIR/before.work" "$BATS_TEST_TMPDIR/moved.work"
	diff -u "$BATS_TEST_TMPDIR/before.other" "$BATS_TEST_TMPDIR/moved.other"
}

# A fragment like redock's, merged as redock merges it.
merge_alias() {
	printf 'Host x-container\n\tHostName 127.0.0.1\n\tPort 2200\n\tUser root\n' |
	    merge -p 10-redock- -s 10-redock-x-container "$CONF"
}

# Every user host as before, the alias as redock wrote it, the user's
# fragment read once through the rewritten Include, and no recursion.
assert_kept() {
	local h alias=${1:-x-container}

	resolve_hosts after
	for h in work other; do
		diff -u "$BATS_TEST_TMPDIR/before.$h" "$BATS_TEST_TMPDIR/after.$h"
	done
	grep -qx 'hostname 192.0.2.7' "$BATS_TEST_TMPDIR/after.work"
	grep -qx 'user bob' "$BATS_TEST_TMPDIR/after.work"
	grep -qx 'user bob' "$BATS_TEST_TMPDIR/after.other"

	run ssh -G -F "$CONF" "$alias"
	[ "$status" -eq 0 ]
	[[ $output == *$'\nuser root\n'* ]]
	[[ $output == *$'\nhostname 127.0.0.1\n'* ]]

	# No block twice (the "Match all" sshconf adds aside), the user's
	# own not at all: ssh reads it where the Include stands.
	run bash -c "grep -iE '^[[:space:]]*(host|match)[[:space:]]' '$CONF' |
	    grep -vix 'match all' | sort | uniq -d"
	[ -z "$output" ]
	! grep -q '192.0.2.7' "$CONF"
	[ "$(grep -c "\"$HOME/.ssh/config.d/work\"" "$CONF")" = 1 ]
	! grep -q 'config.d/local' "$CONF"
	! grep -qi '^[[:space:]]*include.*\*' "$CONF"
}

@test "Include config.d/* keeps every host of the user's after a merge" {
	write_config 'Include config.d/*'
	resolve_hosts before
	first_merge
	run merge_alias
	[ "$status" -eq 0 ]
	assert_kept
	# The user's file is never touched; the config is theirs, moved.
	[ "$(cat "$CONF.d/work")" = "$(printf 'Host work\n    HostName 192.0.2.7')" ]
	grep -qx 'Include config.d/\*' "$CONF.d/local"
}

@test "Include ~/.ssh/config.d/*: redock start, and ssh through the alias" {
	require_engine
	write_config 'Include ~/.ssh/config.d/*'
	resolve_hosts before
	run redock start --no-shell iweb
	[ "$status" -eq 0 ]
	assert_kept iweb-container
	run ssh_to iweb-container echo ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	run redock kill iweb
	[ "$status" -eq 0 ]
	# The alias gone, the user's hosts still as they were.
	resolve_hosts killed
	diff -u "$BATS_TEST_TMPDIR/before.work" "$BATS_TEST_TMPDIR/killed.work"
	diff -u "$BATS_TEST_TMPDIR/before.other" "$BATS_TEST_TMPDIR/killed.other"
}

@test "a quoted absolute Include keeps every host of the user's (redock sync)" {
	require_engine
	write_config "Include \"$HOME/.ssh/config.d/*\""
	resolve_hosts before
	run redock sync
	[ "$status" -eq 0 ]
	resolve_hosts moved
	diff -u "$BATS_TEST_TMPDIR/before.work" "$BATS_TEST_TMPDIR/moved.work"
	run merge_alias
	[ "$status" -eq 0 ]
	assert_kept
}

@test "an Include inside a Match block stays in the block" {
	write_config 'Match host work,other' '    Include ~/.ssh/config.d/*'
	printf 'Host other\n    Port 2222\n' >"$CONF.d/other"
	resolve_hosts before
	grep -qx 'port 2222' "$BATS_TEST_TMPDIR/before.other"
	first_merge
	run merge_alias
	[ "$status" -eq 0 ]
	assert_kept
	# Still read only for the hosts of the block.
	run ssh -G -F "$CONF" third
	[ "$status" -eq 0 ]
	[[ $output == *$'\nhostname third\n'* ]]
	grep -A1 -x 'Match host work,other' "$CONF" |
	    grep -qx "    Include \"$HOME/.ssh/config.d/other\" \"$HOME/.ssh/config.d/work\""
}

@test "a program in a config.d/ made by hand is never run" {
	rm "$CONF.d/work"
	printf '#!/bin/sh\ntouch "%s"\necho "Host gen"\n' \
	    "$BATS_TEST_TMPDIR/ran" >"$CONF.d/gen"
	chmod 0755 "$CONF.d/gen"
	write_config
	run merge "$CONF"
	[ "$status" -eq 0 ]
	printf 'Host a\n' >"$CONF.d/a"
	run merge "$CONF"
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# Read as text, as OpenSSH would read it.
	grep -q '^touch ' "$CONF"
	! grep -qx 'Host gen' "$CONF"
	[ -f "$CONF.d/.noexec" ]
}
