#!/usr/bin/env bats
# The command line as redock.1 has it: help, version, and a wrong command
# line answered with one line on stderr and exit status 2.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

@test "--help prints the usage, the global options and the commands on stdout" {
	run --separate-stderr redock --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "usage: redock "* ]]
	for opt in "-H, --host URL" "-v, --verbose" "-q, --quiet" \
	    "-h, --help" "--version"; do
		[[ $output == *"$opt"* ]]
	done
	[[ $output == *"commands"* ]]
}

@test "-h is --help" {
	run --separate-stderr redock --help
	long=$output
	run --separate-stderr redock -h
	[ "$status" -eq 0 ]
	[ "$output" = "$long" ]
}

@test "--help lists every command, each of which answers its own --help" {
	run --separate-stderr redock --help
	[ "$status" -eq 0 ]
	names=$(printf '%s\n' "$output" | sed -n '/^commands:$/,$ s/^  \([a-z-]*\) .*/\1/p')
	for name in $names; do
		run --separate-stderr redock "$name" --help
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "usage: redock $name"* ]]
	done
}

@test "--version prints the version of the Makefile" {
	run --separate-stderr redock --version
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	version=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$TOP/Makefile")
	[ -n "$version" ]
	[ "$output" = "redock $version" ]
}

@test "an unknown command is one line on stderr and exit status 2" {
	run --separate-stderr redock frobnicate web
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[ "$stderr" = "redock: unknown command 'frobnicate': see 'redock --help'" ]
}

@test "a command is never guessed from a prefix or another case" {
	for word in k ki KILL Kill de st start- ''; do
		run --separate-stderr redock "$word"
		[ "$status" -eq 2 ]
		assert_one_line_stderr
		[[ $stderr == "redock: unknown command '"* ]]
	done
}

@test "an unknown command with control characters still gets one escaped line" {
	run --separate-stderr redock $'evil\n\033[2Jcommand'
	[ "$status" -eq 2 ]
	assert_one_line_stderr
	[[ $stderr == *"'evil\\n\\033[2Jcommand'"* ]]
}

@test "no command is one line on stderr and exit status 2" {
	run --separate-stderr redock
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[[ $stderr == *"no command given"* ]]
}

@test "unknown or abbreviated global options are refused with exit status 2" {
	for opt in -x --frob --hel --verb -vx --version=2; do
		run --separate-stderr redock "$opt"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		assert_one_line_stderr
		[[ $stderr == "redock: "*"see 'redock --help'" ]]
	done
}

@test "-H without a URL is exit status 2" {
	run --separate-stderr redock -H
	[ "$status" -eq 2 ]
	assert_one_line_stderr
	[[ $stderr == *"option '-H' needs an argument"* ]]
	run --separate-stderr redock --host ''
	[ "$status" -eq 2 ]
	assert_one_line_stderr
}

@test "-q and -v together are exit status 2" {
	run --separate-stderr redock -q -v --version
	[ "$status" -eq 2 ]
	assert_one_line_stderr
	[[ $stderr == *"exclude each other"* ]]
}

@test "global options come before the command" {
	run --separate-stderr redock -v -H unix:///nonexistent.sock frobnicate
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown command 'frobnicate'"* ]]
}

@test "output that cannot be written is exit status 1, not success" {
	[ -w /dev/full ] || { echo "no /dev/full here" >&2; return 1; }
	run --separate-stderr bash -c '"$REDOCK" --help >/dev/full'
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"cannot write to standard output"* ]]
	run --separate-stderr bash -c '"$REDOCK" --version >/dev/full'
	[ "$status" -eq 1 ]
}
