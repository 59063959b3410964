#!/usr/bin/env bats
# contrib/completions/redock.bash against what redock says of itself:
# the commands of "redock --help", each command's options from its own
# --help, and NAMEs from "redock list".

load helper

setup() {
	redock_setup
	source "$TOP/contrib/completions/redock.bash"
}

# The option column (the first 18 characters) of a help text's options.
help_options() {
	sed -n '/^options:/,/^$/p' | sed 1d | cut -c1-18 |
	    grep -oE -- '--?[a-zA-Z][a-zA-Z-]*' | LC_ALL=C sort -u
}

# Completes the words given, the last one being completed; prints the
# offers one a line, sorted.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_redock
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

@test "completion: the commands are those of 'redock --help'" {
	want=$(redock --help | sed -n '/^commands:/,$p' | sed 1d |
	    awk 'NF { print $1 }' | LC_ALL=C sort)
	[ -n "$want" ]
	run complete_words redock ''
	[ "$output" = "$want" ]
	run complete_words redock -v s
	[ "$output" = "$(grep '^s' <<<"$want")" ]
}

@test "completion: each command's options are those of its --help" {
	for cmd in $_redock_commands; do
		want=$(redock "$cmd" --help | help_options)
		got=$(complete_words redock "$cmd" -)
		[ "$got" = "$want" ] || {
			echo "$cmd: offers '$got', help says '$want'" >&2
			return 1
		}
	done
	want=$(redock --help | help_options)
	run complete_words redock -
	[ "$output" = "$want" ]
}

@test "completion: NAMEs from 'redock list', the user's own as TAGs" {
	# Only list's output is made up here: the parsing is under test.
	redock() {
		printf '%s\n' \
		    "NAME   STATE    ALIAS   PORT  IMAGE  CREATED" \
		    "$USER:web running web-container 1 redock:base 2026-01-01 00:00" \
		    "$USER:db saved - - $USER:db 2026-01-01 00:00" \
		    "other:wiki running wiki-container 2 redock:base 2026-01-01 00:00"
	}
	run complete_words redock kill ''
	[ "$output" = $'db\nother:wiki\nweb' ]
	run complete_words redock start -n host w
	[ "$output" = web ]
	run complete_words redock shell web ''
	[ -z "$output" ]
	run complete_words redock exec -t w
	[ "$output" = web ]
	# After exec's NAME come the command's words: files.
	cd "$BATS_TEST_TMPDIR" && touch file-one
	run complete_words redock exec web file-
	[ "$output" = file-one ]
	run complete_words redock commit -m ''
	[ -z "$output" ]
}

@test "completion: no engine, no NAMEs and no noise" {
	run --separate-stderr complete_words redock -H unix:///nonexistent kill ''
	[ -z "$output" ]
	[ -z "$stderr" ]
}
