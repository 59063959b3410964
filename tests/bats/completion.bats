#!/usr/bin/env bats
# contrib/completions/redock.bash and _redock (zsh) against what redock
# says of itself: the commands of "redock --help", each command's
# options from its own --help, and NAMEs from "redock list". The bash
# function is driven directly, with the words bash would give it; both
# are also driven in a real bash and a real zsh on a tmux pane of the
# test's own, keys typed in.
#
# REDOCK_SRC (default: this tree) is the tree whose completions and
# Makefile are under test.
#
# Another run may use the same engine at the same time: the one
# container here is in a repository whose name starts with the run's,
# and its host name (and so its engine name) has the run's name too.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

SRC=${REDOCK_SRC:-$TOP}

setup_file() {
	file_lock
	# The NAME the tests complete from the real "redock list":
	# $NAME_REPO:cplete, with a HOME and REDOCK_HOME of its own.
	export NAME_REPO=${REDOCK_TEST_RUN}c
	export NAME_HOME=$BATS_FILE_TMPDIR/home
	export NAME_REDOCK_HOME=$BATS_FILE_TMPDIR/redock-home
	mkdir -p -m 0700 "$NAME_HOME"
	docker version >/dev/null 2>&1 || return 0
	HOME=$NAME_HOME REDOCK_HOME=$NAME_REDOCK_HOME USER=$NAME_REPO \
	    REDOCK_SSH_SHARING=no "$REDOCK" -q start --no-shell \
	    -n "c$REDOCK_TEST_RUN" "$NAME_REPO:cplete"
}

teardown_file() {
	redock_cleanup
	file_unlock
}

setup() {
	redock_setup
	source "$SRC/contrib/completions/redock.bash"
	pane_setup
}

# No test makes anything in the engine: the clean-up is the file's, as
# the container of setup_file serves them all.
teardown() {
	tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
}

# The option column (the first 18 characters) of a help text's options.
help_options() {
	sed -n '/^options:/,/^$/p' | sed 1d |
	    awk '/^ +-/ {
		for (i = 1; i <= NF && $i ~ /^-/; i++) {
			o = $i
			sub(/,$/, "", o)
			print o
		}
	    }' | grep -oE -- '^--?[a-zA-Z][a-zA-Z-]*' | LC_ALL=C sort -u
}

# The commands of "redock --help", one a line, sorted.
help_commands() {
	redock --help | sed -n '/^commands:/,$p' | sed 1d |
	    awk 'NF { print $1 }' | LC_ALL=C sort
}

# Completes the words given, the last one being completed; prints the
# offers one a line, sorted.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_redock
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# Completes the end of line $1 as bash does: COMP_LINE and COMP_POINT,
# and COMP_WORDS split at blanks and around each run of colons (':' is
# in COMP_WORDBREAKS); prints the offers one a line, sorted.
complete_line() {
	local w colons

	COMP_LINE=$1
	COMP_POINT=${#1}
	COMP_WORDS=()
	set -f
	for w in $1; do
		while [[ $w == *:* ]]; do
			[ -z "${w%%:*}" ] || COMP_WORDS+=("${w%%:*}")
			w=${w#"${w%%:*}"}
			colons=${w%%[!:]*}
			COMP_WORDS+=("$colons")
			w=${w#"$colons"}
		done
		[ -z "$w" ] || COMP_WORDS+=("$w")
	done
	set +f
	[[ $1 != *[[:space:]] ]] || COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_redock
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# A made-up "redock list" (and "redock snapshots NAME": snapshots 1 and
# 3) for the tests of the parsing, as a script in
# $BATS_TEST_TMPDIR/fake-redock: it appends its arguments to
# $BATS_TEST_TMPDIR/list-args.
make_fake_redock() {
	cat >"$BATS_TEST_TMPDIR/fake-redock" <<EOF
#!/bin/sh
echo "\$*" >>'$BATS_TEST_TMPDIR/list-args'
case " \$* " in
*" snapshots "*)
	cat <<'SNAPSHOTS'
SNAPSHOT  CREATED               MESSAGE
1         2026-01-01T00:00:00Z  first: a colon
3         2026-01-02T00:00:00Z
SNAPSHOTS
	exit 0
	;;
esac
cat <<'LIST'
NAME   STATE    ALIAS   PORT  IMAGE  CREATED
$USER:web running web-container 1 redock:base 2026-01-01 00:00
$USER:db saved - - $USER:db 2026-01-01 00:00
other:wiki running wiki-container 2 redock:base 2026-01-01 00:00
aud1:a1c3 running a1c3-container 3 redock:base 2026-01-01 00:00
LIST
EOF
	chmod +x "$BATS_TEST_TMPDIR/fake-redock"
}

# Starts the pane: $1 (bash or zsh) without the user's start-up files,
# the completion under test loaded, and the prompt "$1$ ". HOME, USER
# and REDOCK_HOME are the test's; "redock" is $2 (default: the redock
# under test). The zsh writes every match it offers, one a line, to
# $D/offers.
start_pane() {
	local v
	local -a cmd envs=(
		"HOME=$HOME" "REDOCK_HOME=$REDOCK_HOME" "USER=$USER"
		"PATH=$BATS_TEST_TMPDIR/bin:$PATH" "TERM=screen" "LANG=C.UTF-8"
		"COMPLETIONS=$SRC/contrib/completions" "OFFERS=$D/offers"
	)

	PANE_SH=$1
	ln -sf "${2:-$REDOCK}" "$BATS_TEST_TMPDIR/bin/redock"
	for v in DOCKER_HOST ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v+set}" ] && envs+=("$v=${!v}")
	done
	case $PANE_SH in
	bash)
		cat >"$D/bashrc" <<'EOF'
PS1='bash$ '
source "$COMPLETIONS/redock.bash"
EOF
		cmd=(bash --noprofile --rcfile "$D/bashrc" -i)
		;;
	zsh)
		# As zsh-capture-completion does: a compadd of our own that
		# notes what the real one adds, for the calls that add.
		cat >"$D/.zshrc" <<'EOF'
PS1='zsh$ '
fpath=("$COMPLETIONS" $fpath)
autoload -Uz compinit && compinit -D -u
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a hits
	builtin compadd -A hits "$@"
	(( $#hits )) && print -rl -- $hits >>$OFFERS
	builtin compadd "$@"
}
EOF
		# -d: no global start-up files; ZDOTDIR: ours alone.
		envs+=("ZDOTDIR=$D")
		cmd=(zsh -d -i)
		;;
	esac
	tmux -L "$SOCK" -f /dev/null new-session -d -s redock -x 200 -y 50 \
	    env -i "${envs[@]}" "${cmd[@]}"
	wait_line "$PANE_SH\$"
}

# Types $1 and a Tab into the pane's shell, waits until the line reads
# $2 after the prompt, then clears the line.
tab_to() {
	tmux -L "$SOCK" send-keys -t redock -l -- "$1"
	tmux -L "$SOCK" send-keys -t redock Tab
	wait_line "$PANE_SH\$ $2" || return 1
	tmux -L "$SOCK" send-keys -t redock C-e C-u
}

# Types $1 and a Tab into the pane's zsh and prints the matches offered,
# one a line, sorted; the line is cleared after. (Run in a subshell as
# often as not: the name of the mark is new each time all the same.)
zsh_offers() {
	local mark end=$((SECONDS + 20))

	mark=$(mktemp -u "$D/mark.XXXXXX")

	rm -f "$D/offers"
	tmux -L "$SOCK" send-keys -t redock -l -- "$1"
	tmux -L "$SOCK" send-keys -t redock Tab C-e C-u
	# The keys are read in order: once this has run, the Tab is done.
	tmux -L "$SOCK" send-keys -t redock -l -- ": >'$mark'"
	tmux -L "$SOCK" send-keys -t redock Enter
	until [ -e "$mark" ]; do
		[ "$SECONDS" -lt "$end" ] || {
			echo "the pane's zsh did not get through '$1':" >&2
			pane >&2
			return 1
		}
		sleep 0.1
	done
	[ ! -e "$D/offers" ] || LC_ALL=C sort -u "$D/offers"
}

@test "completion: the commands are those of 'redock --help'" {
	want=$(help_commands)
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
	make_fake_redock
	redock() {
		"$BATS_TEST_TMPDIR/fake-redock" "$@"
	}
	run complete_words redock kill ''
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
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

@test "completion: start -f and test -f offer files; test takes NAMEs" {
	make_fake_redock
	redock() {
		"$BATS_TEST_TMPDIR/fake-redock" "$@"
	}
	cd "$BATS_TEST_TMPDIR" && touch redock.ini other.ini
	run complete_words redock start -f red
	[ "$output" = redock.ini ]
	run complete_words redock test -f o
	[ "$output" = other.ini ]
	# The FILE is no NAME.
	run complete_words redock start --upgrade -f redock.ini w
	[ "$output" = web ]
	run complete_words redock test -f redock.ini ''
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	# Any number of NAMEs.
	run complete_words redock test web ''
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	run complete_words redock test web o
	[ "$output" = other:wiki ]
}

@test "completion: restore and snapshot -d offer the NAME's snapshots, the history commands NAMEs" {
	make_fake_redock
	redock() {
		"$BATS_TEST_TMPDIR/fake-redock" "$@"
	}
	: >"$BATS_TEST_TMPDIR/list-args"
	run complete_words redock restore web ''
	[ "$output" = $'1\n3' ]
	[ "$(cat "$BATS_TEST_TMPDIR/list-args")" = "snapshots web" ]
	run complete_words redock restore web 1 ''
	[ -z "$output" ]
	run complete_words redock snapshot -d web ''
	[ "$output" = $'1\n3' ]
	run complete_words redock snapshot -d web 1 3
	[ "$output" = 3 ]
	# Without -d, one NAME and nothing after it; -m's MESSAGE is no NAME.
	run complete_words redock snapshot web ''
	[ -z "$output" ]
	run complete_words redock snapshot -m ''
	[ -z "$output" ]
	run complete_words redock snapshot -m note w
	[ "$output" = web ]
	run complete_words redock restore ''
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	for cmd in snapshots freeze unfreeze; do
		run complete_words redock "$cmd" w
		[ "$output" = web ]
		run complete_words redock "$cmd" web ''
		[ -z "$output" ]
	done
	run complete_words redock reset web ''
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	# A NAME with a colon and -H reach "redock snapshots" whole.
	: >"$BATS_TEST_TMPDIR/list-args"
	run complete_line 'redock -H tcp://127.0.0.1:2375 restore aud1:a1c3 '
	[ "$output" = $'1\n3' ]
	[ "$(cat "$BATS_TEST_TMPDIR/list-args")" = \
	    "-H tcp://127.0.0.1:2375 snapshots aud1:a1c3" ]
}

@test "completion: bash completes a NAME with a colon, and -H's URL is one word" {
	make_fake_redock
	redock() {
		"$BATS_TEST_TMPDIR/fake-redock" "$@"
	}
	# Readline replaces what follows the word's last colon: the offer
	# is the rest of the NAME.
	run complete_line 'redock kill aud1:a1'
	[ "$output" = a1c3 ]
	run complete_line 'redock kill aud1:'
	[ "$output" = a1c3 ]
	run complete_line 'redock delete web aud1:a'
	[ "$output" = a1c3 ]
	# The user's own repository, typed: the whole NAMEs.
	run complete_line "redock kill $USER:"
	[ "$output" = $'db\nweb' ]
	run complete_line 'redock kill oth'
	[ "$output" = other:wiki ]
	# A NAME with a colon is one operand.
	run complete_line 'redock shell aud1:a1c3 '
	[ -z "$output" ]
	cd "$BATS_TEST_TMPDIR" && touch file-one
	run complete_line 'redock exec aud1:a1c3 file-'
	[ "$output" = file-one ]
	# -H's URL reaches "redock list" whole.
	: >"$BATS_TEST_TMPDIR/list-args"
	run complete_line 'redock -H tcp://127.0.0.1:2375 kill w'
	[ "$output" = web ]
	[ "$(cat "$BATS_TEST_TMPDIR/list-args")" = \
	    "-H tcp://127.0.0.1:2375 list" ]
}

@test "completion: no engine, no NAMEs and no noise" {
	run --separate-stderr complete_words redock -H unix:///nonexistent kill ''
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "completion: in a real bash, a NAME with its repository completes whole" {
	require_engine
	export HOME=$NAME_HOME REDOCK_HOME=$NAME_REDOCK_HOME USER=$NAME_REPO
	start_pane bash
	tab_to "redock kill $NAME_REPO:cpl" "redock kill $NAME_REPO:cplete"
	tab_to "redock -q kill $NAME_REPO:" "redock -q kill $NAME_REPO:cplete"
	tab_to 'redock kill cpl' 'redock kill cplete'
}

@test "completion: zsh's commands and options are those of redock's --help" {
	run --separate-stderr zsh -n "$SRC/contrib/completions/_redock"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	start_pane zsh
	# The file is the completion of redock, loaded without a word.
	tmux -L "$SOCK" send-keys -t redock -l -- 'print -r -- ${_comps[redock]}'
	tmux -L "$SOCK" send-keys -t redock Enter
	wait_line _redock
	run zsh_offers 'redock '
	[ "$output" = "$(help_commands)" ]
	run zsh_offers 'redock -'
	[ "$output" = "$(redock --help | help_options)" ]
	for cmd in $(help_commands); do
		want=$(redock "$cmd" --help | help_options)
		got=$(zsh_offers "redock $cmd -")
		[ "$got" = "$want" ] || {
			echo "$cmd: offers '$got', help says '$want'" >&2
			return 1
		}
	done
	run zsh_offers 'redock -v -H unix:///x s'
	[ "$output" = "$(help_commands | grep '^s')" ]
	# Nothing went wrong on the way.
	run pane
	[[ $output != *_redock:* ]]
	[[ $output != *"command not found"* ]]
}

@test "completion: zsh offers NAMEs from 'redock list', the user's own as TAGs" {
	make_fake_redock
	start_pane zsh "$BATS_TEST_TMPDIR/fake-redock"
	run zsh_offers 'redock kill '
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	run zsh_offers "redock delete $USER:"
	[ "$output" = "$USER:db"$'\n'"$USER:web" ]
	run zsh_offers 'redock start -n host --no-shell w'
	[ "$output" = web ]
	run zsh_offers 'redock commit -m '
	[ -z "$output" ]
	# No second NAME (zsh offers the options when nothing else fits).
	run zsh_offers 'redock shell web '
	[ "$output" = $'--help\n-h' ]
	tab_to 'redock kill aud1:a' 'redock kill aud1:a1c3'
	tab_to 'redock ssh-config ot' 'redock ssh-config other:wiki'
	# -H's URL reaches "redock list" whole.
	: >"$BATS_TEST_TMPDIR/list-args"
	tab_to 'redock --host tcp://127.0.0.1:2375 exec -t we' \
	    'redock --host tcp://127.0.0.1:2375 exec -t web'
	[ "$(cat "$BATS_TEST_TMPDIR/list-args")" = \
	    "-H tcp://127.0.0.1:2375 list" ]
}

@test "completion: zsh offers files to start -f and test -f, NAMEs to test" {
	make_fake_redock
	mkdir "$D/proj"
	touch "$D/proj/redock.ini" "$D/proj/other.ini"
	start_pane zsh "$BATS_TEST_TMPDIR/fake-redock"
	run zsh_offers "redock test -f $D/proj/r"
	[ "$output" = redock.ini ]
	run zsh_offers "redock start --upgrade -f $D/proj/o"
	[ "$output" = other.ini ]
	run zsh_offers "redock test -f $D/proj/redock.ini w"
	[ "$output" = web ]
	run zsh_offers 'redock test web '
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
}

@test "completion: zsh offers the NAME's snapshots to restore and snapshot -d" {
	make_fake_redock
	start_pane zsh "$BATS_TEST_TMPDIR/fake-redock"
	run zsh_offers 'redock restore web '
	[ "$output" = $'1\n3' ]
	run zsh_offers 'redock snapshot -d web '
	[ "$output" = $'1\n3' ]
	run zsh_offers 'redock restore '
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	run zsh_offers 'redock snapshot -m note '
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	run zsh_offers 'redock reset web '
	[ "$output" = $'aud1:a1c3\ndb\nother:wiki\nweb' ]
	: >"$BATS_TEST_TMPDIR/list-args"
	run zsh_offers 'redock -H tcp://127.0.0.1:2375 restore aud1:a1c3 '
	[ "$output" = $'1\n3' ]
	[ "$(cat "$BATS_TEST_TMPDIR/list-args")" = \
	    "-H tcp://127.0.0.1:2375 snapshots aud1:a1c3" ]
}

@test "completion: in a real zsh, a NAME with its repository completes whole" {
	require_engine
	export HOME=$NAME_HOME REDOCK_HOME=$NAME_REDOCK_HOME USER=$NAME_REPO
	start_pane zsh
	tab_to "redock kill $NAME_REPO:cpl" "redock kill $NAME_REPO:cplete"
	tab_to 'redock kill cpl' 'redock kill cplete'
	run zsh_offers "redock kill $NAME_REPO:"
	[ "$output" = "$NAME_REPO:cplete" ]
}

@test "completion: make install puts the bash and zsh completions in place, uninstall removes them" {
	local pkg=$BATS_TEST_TMPDIR/pkg

	# -o: install what is built, build nothing.
	make -s -C "$SRC" -o redock -o build/sshconf-merge install \
	    PREFIX=/usr DESTDIR="$pkg"
	cmp "$SRC/contrib/completions/redock.bash" \
	    "$pkg/usr/share/bash-completion/completions/redock"
	cmp "$SRC/contrib/completions/_redock" \
	    "$pkg/usr/share/zsh/site-functions/_redock"
	make -s -C "$SRC" -o redock -o build/sshconf-merge uninstall \
	    PREFIX=/usr DESTDIR="$pkg"
	[ -z "$(find "$pkg" -type f)" ]
}
