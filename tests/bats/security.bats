#!/usr/bin/env bats
# redock's security defaults, and hostile text from the user or the
# engine, against the real engine. Asserted elsewhere, and not again:
# sshd published on 127.0.0.1 alone (lifecycle.bats, test 1); no password
# or keyboard-interactive login, a foreign key refused, a host key other
# than the pinned one refused, a private key others may read refused
# (keys.bats); strict host key checking by redock exec (exec.bats).
#
# Another run may use the same engine at the same time, and a container's
# engine name is its alias: every TAG here starts with "y", and no other
# run is in this file meanwhile (FILE_LOCK, helper.bash).

load helper

setup() {
	redock_setup
	require_engine
}

# Files and directories under $1 that a group or others may write, or,
# with $2 = any, may use at all; symbolic links aside.
too_open() {
	local perm=/022

	[ "${2:-}" != any ] || perm=/077
	find "$1" ! -type l -perm "$perm" -printf '%m %p\n'
}

@test "with umask 000, every file redock writes is the user's alone" {
	umask 000
	run --separate-stderr redock start --no-shell yu
	[ "$status" -eq 0 ]
	run ssh_to yu-container true
	[ "$status" -eq 0 ]
	redock sync >/dev/null

	# redock's home: 0700, its private keys 0600, nothing others write.
	[ "$(stat -c %a "$REDOCK_HOME")" = 700 ]
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519")" = 600 ]
	[ "$(stat -c %a "$REDOCK_HOME/hosts/yu-container/ssh_host_ed25519_key")" = 600 ]
	[ -z "$(too_open "$REDOCK_HOME")" ]
	# ~/.ssh, made by start: the config 0600, the fragments and the
	# directory they are in nobody's but the user's.
	[ "$(stat -c %a "$HOME/.ssh")" = 700 ]
	[ "$(stat -c %a "$HOME/.ssh/config")" = 600 ]
	[ -z "$(too_open "$HOME/.ssh" any)" ]
	# The container's copies too: sshd would refuse them otherwise. The
	# host key is a link to the tmpfs where the boot step put it.
	[ "$(docker exec "$(ename yu-container)" stat -L -c %a /etc/ssh/ssh_host_ed25519_key)" = 600 ]
	[ "$(docker exec "$(ename yu-container)" stat -c %a /root/.ssh)" = 700 ]
	[ "$(docker exec "$(ename yu-container)" stat -c %a /root/.ssh/authorized_keys)" = 600 ]
}

@test "a redock home others may read, or a key others may read, is refused in one line and left as it was" {
	redock start --no-shell yh >/dev/null
	redock kill yh >/dev/null
	before=$(snapshot)

	chmod 0750 "$REDOCK_HOME"
	run --separate-stderr redock start --no-shell yh
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"bad permissions on redock's home '$REDOCK_HOME' (0750)"*"chmod 700 '$REDOCK_HOME'"* ]]
	[ "$(stat -c %a "$REDOCK_HOME")" = 750 ]
	run docker inspect "$(ename yh-container)"
	[ "$status" -ne 0 ]
	[ "$(snapshot)" = "$before" ]

	chmod 0700 "$REDOCK_HOME"
	chmod 0640 "$REDOCK_HOME/id_ed25519"
	run --separate-stderr redock start --no-shell yh
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"bad permissions on '$REDOCK_HOME/id_ed25519' (0640)"* ]]
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519")" = 640 ]
	run docker inspect "$(ename yh-container)"
	[ "$status" -ne 0 ]
	[ "$(snapshot)" = "$before" ]

	chmod 0600 "$REDOCK_HOME/id_ed25519"
	run --separate-stderr redock start --no-shell yh
	[ "$status" -eq 0 ]
}

@test "redock runs no program on the host: no NAME or argument can reach a shell" {
	local trace=$BATS_TEST_TMPDIR/trace

	# Each command, traced: exactly one execve, redock's own. (Under
	# make sanitize LeakSanitizer cannot run under ptrace: the other
	# tests look for leaks.)
	traced() {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		    strace -f -qq -e trace=execve,execveat -o "$trace" \
		    "$REDOCK" "$@"
	}
	execs() {
		grep -c 'execve' "$trace"
	}
	run --separate-stderr traced start --no-shell ye
	[ "$status" -eq 0 ]
	[ "$(execs)" = 1 ]
	run traced exec ye printf '%s|' '$(touch /tmp/redock-pwned)' \
	    '`id`' '; touch x' "a'b" 'c"d'
	[ "$status" -eq 0 ]
	# The words arrive as typed on the remote side too.
	[ "$output" = '$(touch /tmp/redock-pwned)|`id`|; touch x|a'"'"'b|c"d|' ]
	[ "$(execs)" = 1 ]
	[ ! -e /tmp/redock-pwned ]
	for cmd in list sync "ssh-config ye" "commit ye" "kill ye" \
	    "delete ye"; do
		# shellcheck disable=SC2086
		run --separate-stderr traced $cmd
		if [ "$status" -ne 0 ] || [ "$(execs)" != 1 ]; then
			echo "$cmd: status $status, $(execs) execs:" >&2
			cat "$trace" >&2
			return 1
		fi
	done
}

@test "a label with a newline from the engine never reaches ~/.ssh/config" {
	local pwned=$BATS_TEST_TMPDIR/pwned

	redock start --no-shell yl >/dev/null
	# A container with redock's labels, its alias label holding a line
	# for ~/.ssh/config, made behind redock's back; and one whose NAME
	# label holds a newline and an escape sequence.
	docker run -d --name yz-container -p 127.0.0.1::22 \
	    --label "$TEST_LABEL" --label "io.redock.owner=$USER" --label "io.redock.name=$USER:yz" \
	    --label "io.redock.alias=yz-container"$'\n\tProxyCommand touch '"$pwned" \
	    redock:base >/dev/null
	docker run -d --name yw-container -p 127.0.0.1::22 \
	    --label "$TEST_LABEL" --label "io.redock.owner=$USER" \
	    --label "io.redock.name=$USER:yw"$'\nHost *\n\tProxyCommand touch '"$pwned"$'\e[2J' \
	    --label "io.redock.alias=yw-container" redock:base >/dev/null
	before=$(snapshot)

	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[[ $stderr == *"skipped '$USER:yz': its container has a bad io.redock.alias label"* ]]
	[[ $stderr != *$'\e'* ]]
	[ "$(snapshot)" = "$before" ]
	run grep -ci proxycommand "$HOME/.ssh/config"
	[ "$output" = 0 ]

	# list shows them, escaped, one line each: three rows of this
	# test's, and no line that starts with anything but a NAME, or
	# the header. (Other rows are other users' of the engine.)
	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[[ $output != *$'\e'* ]]
	[ "$(grep -c "^$USER:y" <<<"$output")" = 3 ]
	[ "$(sed 1d <<<"$output" | grep -vc '^[a-z0-9][a-z0-9._/-]*:')" = 0 ]
	[ "$(grep -F "$pwned" <<<"$output" | grep -vc "^$USER:y")" = 0 ]
	run --separate-stderr redock list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg n "$USER:yz" '.[] | select(.name == $n) | .alias' \
	    <<<"$output")" = "yz-container"$'\n\tProxyCommand touch '"$pwned" ]

	# Neither exec nor ssh-config take the bad alias.
	run --separate-stderr redock exec yz true
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	run --separate-stderr redock ssh-config yz
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ -z "$output" ]

	# ssh through the config still works, and nothing ran.
	run ssh_to yl-container true
	[ "$status" -eq 0 ]
	[ ! -e "$pwned" ]
	[ "$(snapshot)" = "$before" ]
}

@test "a path with a newline for the config is refused in one line before anything is made" {
	local evil=$BATS_TEST_TMPDIR/home$'\n\tProxyCommand touch '$BATS_TEST_TMPDIR/pwned

	mkdir -m 0700 -p "$evil" "$HOME/.ssh"
	printf 'Host *\n    ServerAliveInterval 17\n' >"$HOME/.ssh/config"
	before=$(snapshot)
	run --separate-stderr env REDOCK_HOME="$evil" "$REDOCK" start --no-shell yn
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ "$(snapshot)" = "$before" ]
	run docker inspect "$(ename yn-container)"
	[ "$status" -ne 0 ]

	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]

	# An XDG_RUNTIME_DIR that no fragment can hold is passed over, as
	# OpenSSH would: the sockets go to /tmp/redock-UID.
	mkdir -m 0700 "$BATS_TEST_TMPDIR/run"$'\n'x
	run --separate-stderr env REDOCK_SSH_SHARING=yes \
	    XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"$'\n'x \
	    "$REDOCK" start --no-shell yn
	[ "$status" -eq 0 ]
	grep -qxF $'\tControlPath "/tmp/redock-'"$(id -u)"'/%C"' \
	    "$HOME/.ssh/config.d/10-redock-yn-container"
	run grep -c '^x' "$HOME/.ssh/config"
	[ "$output" = 0 ]
	ssh -G -F "$HOME/.ssh/config" yn-container >/dev/null
}
