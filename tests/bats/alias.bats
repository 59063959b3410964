#!/usr/bin/env bats
# redock's alias fragments as the real OpenSSH reads them once merged
# into ~/.ssh/config: each alias wins over the user's defaults, and the
# user's config keeps its meaning. Only "ssh -G" runs, which connects
# nowhere. The fragment's rules one by one are in tests/unit/test-alias.c.

load helper

alias_fragment() {
	"$REDOCK_BUILD/tests/tools/alias-fragment" "$@"
}

merge() {
	"$REDOCK_BUILD/sshconf-merge" "$@"
}

setup() {
	redock_setup
	unset REDOCK_SSH_SHARING
	mkdir -p -m 0700 "$HOME/.ssh" "$REDOCK_HOME"
	CONF=$HOME/.ssh/config
	ID=$REDOCK_HOME/id_ed25519
	KH=$REDOCK_HOME/known_hosts
	# A private XDG_RUNTIME_DIR when "DIR/redock/" + %C (40) + the 18
	# characters ssh adds still fit in a socket path (107 bytes);
	# otherwise redock falls back to /tmp/redock-UID, and so do we.
	use_runtime_dir "$BATS_TEST_TMPDIR/run"
}

# Points XDG_RUNTIME_DIR at a new directory $1 if it is short enough,
# and sets CONTROL_DIR to where the sockets go.
use_runtime_dir() {
	if [ $((${#1} + 8 + 40 + 18)) -le 107 ]; then
		mkdir -m 0700 "$1"
		export XDG_RUNTIME_DIR=$1
		CONTROL_DIR=$1/redock
	else
		unset XDG_RUNTIME_DIR
		CONTROL_DIR=/tmp/redock-$(id -u)
	fi
}

# The user's own config, written before redock ever merged.
write_user_config() {
	printf '%s\n' '# my own settings' 'ServerAliveInterval 42' '' \
	    'Host *' $'\tUser nobody' $'\tPort 2222' \
	    $'\tStrictHostKeyChecking no' $'\tUserKnownHostsFile /dev/null' \
	    >"$CONF"
}

# Writes the fragment of alias $1 on port $2 as redock does: rendered
# first, and merged only when that succeeded.
write_alias() {
	local text

	text=$(alias_fragment "$1" "$2" "${3:-$ID}" "${4:-$KH}") || return
	printf '%s\n' "$text" | merge -s "10-redock-$1" "$CONF"
}

# Runs ssh -G for host $1 with the generated config.
resolve() {
	run --separate-stderr ssh -F "$CONF" -G "$1"
	if [ "$status" -ne 0 ]; then
		echo "ssh -G $1 failed ($status): $stderr" >&2
		return 1
	fi
}

# Asserts that the output of resolve has the line $1.
has_line() {
	local line

	for line in "${lines[@]}"; do
		[ "$line" = "$1" ] && return 0
	done
	echo "no line '$1' in:" >&2
	printf '%s\n' "$output" >&2
	return 1
}

# Prints the value of option $1 in the output of resolve.
value_of() {
	local line

	for line in "${lines[@]}"; do
		if [ "${line%% *}" = "$1" ]; then
			printf '%s\n' "${line#* }"
		fi
	done
}

# Asserts that controlpath is CONTROL_DIR followed by %C, 40 hex digits.
assert_control_path() {
	local path

	path=$(value_of controlpath)
	[[ $path == "$CONTROL_DIR/"* ]] || {
		echo "controlpath '$path' is not in '$CONTROL_DIR'" >&2
		return 1
	}
	[[ ${path#"$CONTROL_DIR/"} =~ ^[0-9a-f]{40}$ ]]
}

@test "an alias wins over the user's Host *, whose config keeps its meaning" {
	write_user_config
	cp "$CONF" "$BATS_TEST_TMPDIR/orig"
	write_alias web-container 49153
	cmp "$CONF.d/local" "$BATS_TEST_TMPDIR/orig"
	[ -f "$CONF.d/10-redock-web-container" ]

	resolve web-container
	has_line "hostname 127.0.0.1"
	has_line "port 49153"
	has_line "user root"
	has_line "identityfile $ID"
	[ "$(value_of identityfile)" = "$ID" ]	# redock's key alone
	has_line "identitiesonly yes"
	has_line "stricthostkeychecking true"
	has_line "hostkeyalias web-container"
	has_line "userknownhostsfile $KH"
	has_line "controlmaster auto"
	assert_control_path
	has_line "controlpersist 600"
	# The user's top-level options still apply to every host.
	has_line "serveraliveinterval 42"

	resolve otherhost
	has_line "hostname otherhost"
	has_line "user nobody"
	has_line "port 2222"
	has_line "serveraliveinterval 42"
	has_line "stricthostkeychecking false"
	has_line "userknownhostsfile /dev/null"

	# That is thanks to a "Match all" between redock's block and theirs.
	match=$(grep -n '^Match all$' "$CONF" | head -n 1 | cut -d: -f1)
	mine=$(grep -n '^# my own settings$' "$CONF" | cut -d: -f1)
	host=$(grep -n '^Host web-container$' "$CONF" | cut -d: -f1)
	[ -n "$match" ] && [ -n "$mine" ] && [ -n "$host" ]
	[ "$host" -lt "$match" ] && [ "$match" -lt "$mine" ]
}

@test "REDOCK_SSH_SHARING=no turns connection sharing off" {
	write_user_config
	REDOCK_SSH_SHARING=no write_alias web-container 49153
	grep -qx $'\tControlPath none' "$CONF"
	resolve web-container
	has_line "port 49153"
	has_line "controlmaster false"
	# ssh -G leaves out a ControlPath of none.
	[ -z "$(value_of controlpath)" ] ||
	    [ "$(value_of controlpath)" = none ]
	[ -z "$(value_of controlpersist)" ] ||
	    [ "$(value_of controlpersist)" = no ]
	[ ! -e "$CONTROL_DIR" ] || [ "$CONTROL_DIR" = "/tmp/redock-$(id -u)" ]
}

@test "paths with a space and a '%' reach ssh intact" {
	export REDOCK_HOME="$BATS_TEST_TMPDIR/my redock 100%d"
	mkdir -p "$REDOCK_HOME"
	ID=$REDOCK_HOME/id_ed25519
	KH=$REDOCK_HOME/known_hosts
	use_runtime_dir "$BATS_TEST_TMPDIR/r %h"
	write_user_config
	write_alias web-container 49153
	resolve web-container
	has_line "port 49153"
	has_line "userknownhostsfile $KH"
	assert_control_path
	# ssh -G shows IdentityFile before expanding its % tokens, which
	# gives the path back.
	has_line "identityfile ${ID//%/%%}"
}

@test "two aliases resolve to their own ports; removing one gives back the defaults" {
	write_user_config
	write_alias web-container 49153
	write_alias db-container 49154
	resolve web-container
	has_line "port 49153"
	has_line "hostkeyalias web-container"
	resolve db-container
	has_line "port 49154"
	has_line "hostkeyalias db-container"
	has_line "user root"

	run --separate-stderr merge -d 10-redock-db-container "$CONF"
	[ "$status" -eq 0 ]
	[ ! -e "$CONF.d/10-redock-db-container" ]
	resolve db-container
	has_line "port 2222"
	has_line "user nobody"
	has_line "hostname db-container"
	resolve web-container
	has_line "port 49153"
	has_line "user root"
}

@test "an alias with a newline is refused in one line, and nothing is written" {
	write_user_config
	write_alias web-container 49153
	before=$(snapshot)

	run --separate-stderr alias_fragment $'web\ncontainer' 49153 "$ID" "$KH"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[[ $stderr == "alias-fragment: alias 'web\\ncontainer' "* ]]

	run --separate-stderr write_alias $'web\nHost *\n\tUser root' 49153
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ "$(snapshot)" = "$before" ]
	resolve otherhost
	has_line "user nobody"
}

@test "a bad REDOCK_SSH_SHARING is refused in one line" {
	REDOCK_SSH_SHARING=maybe run --separate-stderr alias_fragment \
	    web-container 49153 "$ID" "$KH"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[ "$stderr" = "alias-fragment: REDOCK_SSH_SHARING is 'maybe': set it to 'yes' or 'no'" ]
}
