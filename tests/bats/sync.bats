#!/usr/bin/env bats
# SSH configuration control: "redock sync --dry-run" shows what sync would
# change as a diff patch(1) takes and changes nothing; REDOCK_SSH_CONFIG
# keeps redock's Host blocks in a file of redock's own and never touches
# ~/.ssh, which without it must be writable.
#
# Root ignores file modes, so "read-only" here is a read-only tmpfs,
# mounted by the test and unmounted in its teardown.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup() {
	redock_setup
	require_engine
	# TAGs unique to the run: another may be on the engine.
	T=v${REDOCK_TEST_RUN//[!a-z0-9]/}
	RO=$BATS_TEST_TMPDIR/ro
	OWN=$BATS_TEST_TMPDIR/own/redock.conf
}

teardown() {
	if mountpoint -q "$RO" 2>/dev/null; then
		umount "$RO" || umount -l "$RO"
	fi
	redock_teardown
}

# A read-only file system at $RO holding "config", a user's own.
ro_config() {
	mkdir -p "$RO"
	mount -t tmpfs -o size=1m,mode=0755 tmpfs "$RO"
	printf 'Host work\n\tHostName 192.0.2.7\n\nHost *\n\tUser bob\n' \
	    >"$RO/config"
	mount -o remount,ro "$RO"
	# Root or not: writing there fails.
	! touch "$RO/config" 2>/dev/null
}

# Containers of this test's NAMEs, by label.
containers() {
	docker ps -a -q --filter "label=io.redock.name=$USER:$1"
}

@test "sync --dry-run shows the alias sync would add and the one it would remove as a diff, and writes nothing" {
	redock start --no-shell "${T}w" "${T}d"
	# ${T}d's alias gone by hand (the config made again without it), ${T}w's
	# container gone by hand.
	rm "$(fragment "${T}d-container")"
	"$REDOCK_BUILD/sshconf-merge" "$HOME/.ssh/config"
	docker rm -f "$(ename ${T}w-container)" >/dev/null
	cp "$HOME/.ssh/config" "$BATS_TEST_TMPDIR/config"
	before=$(snapshot)

	run --separate-stderr redock sync --dry-run
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "--- $HOME/.ssh/config" ]
	[ "${lines[1]}" = "+++ $HOME/.ssh/config" ]
	[[ ${lines[2]} == "@@ -"*" +"*" @@" ]]
	[[ $output == *$'\n-Host '"${T}w"$'-container\n'* ]]
	[[ $output == *$'\n+Host '"${T}d"$'-container\n'* ]]
	stderr_has "would add ${T}d-container ('$USER:${T}d', port" \
	    "would remove ${T}w-container: no container has it"
	# Nothing written.
	[ "$(snapshot)" = "$before" ]
	[ -n "$(containers "${T}d")" ]

	# What patch makes of it is what sync writes.
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/diff"
	patch -s "$BATS_TEST_TMPDIR/config" "$BATS_TEST_TMPDIR/diff"
	run redock sync
	[ "$status" -eq 0 ]
	cmp "$BATS_TEST_TMPDIR/config" "$HOME/.ssh/config"
	ssh_to "${T}d-container" true

	# In line: an empty diff.
	run --separate-stderr redock sync --dry-run
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "sync --dry-run makes nothing: no ~/.ssh, no directory of REDOCK_SSH_CONFIG's" {
	redock start --no-shell "${T}w"
	rm -rf "$HOME/.ssh"

	run --separate-stderr redock sync --dry-run
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "--- $HOME/.ssh/config" ]
	[[ $output == *$'\n+Host '"${T}w"$'-container\n'* ]]
	[ ! -e "$HOME/.ssh" ]

	own=$BATS_TEST_TMPDIR/not/yet/ssh_config
	REDOCK_SSH_CONFIG=$own run --separate-stderr redock sync --dry-run
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "--- $own" ]
	[[ $output == *$'\n+Host '"${T}w"$'-container\n'* ]]
	[ ! -e "$BATS_TEST_TMPDIR/not" ]
	[ ! -e "$HOME/.ssh" ]
}

@test "sync --dry-run removes no container: it says which one sync would remove" {
	redock start --no-shell "${T}w"
	# What a start killed before it started its container leaves:
	# never started, no start holding its alias.
	docker create --name "$(ename "old-$USER-container")" \
	    --label "io.redock.owner=$USER" \
	    --label "io.redock.name=$USER:old" \
	    --label "io.redock.alias=old-$USER-container" \
	    --label "$TEST_LABEL" redock:base >/dev/null
	mkdir -p -m 0700 "$REDOCK_HOME/hosts/old-$USER-container"
	before=$(snapshot)
	run --separate-stderr redock sync --dry-run
	[ "$status" -eq 0 ]
	stderr_has "would remove '$USER:old': an interrupted start left it never started"
	[ -n "$(containers old)" ]
	[ "$(snapshot)" = "$before" ]
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[[ $output == *"removed '$USER:old'"* ]]
	[ -z "$(containers old)" ]
}

@test "sync --dry-run refuses a hand edit as sync does, and --force shows its undoing" {
	redock start --no-shell "${T}w"
	echo 'Host mine' >>"$HOME/.ssh/config"
	before=$(snapshot)
	run --separate-stderr redock sync
	[ "$status" -eq 1 ]
	refusal=$stderr
	exits_one_line 1 redock sync --dry-run
	[ "$stderr" = "$refusal" ]
	[ -z "$output" ]
	[ "$(snapshot)" = "$before" ]

	run --separate-stderr redock sync --dry-run --force
	[ "$status" -eq 0 ]
	[[ $output == *$'\n-Host mine'* ]]
	[ "$(snapshot)" = "$before" ]
}

@test "REDOCK_SSH_CONFIG: start writes only that file, tells its Include line once, and ssh reaches the container through it" {
	ro_config
	mkdir -p -m 0700 "$HOME/.ssh"
	ln -s "$RO/config" "$HOME/.ssh/config"
	before=$(snapshot)
	export REDOCK_SSH_CONFIG=$OWN

	run --separate-stderr redock start --no-shell "${T}w"
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	stderr_has "put this line at the top of your ~/.ssh/config"
	[ "${stderr_lines[1]}" = "Include \"$OWN\"" ]
	[ "$(snapshot)" = "$before" ]
	grep -qx "Host ${T}w-container" "$OWN"
	[ -f "$OWN.d/10-redock-${T}w-container" ]
	[ "$(stat -c %a "$(dirname "$OWN")")" = 700 ]

	# Once: the next command that writes it says nothing of it.
	run --separate-stderr redock start --no-shell "${T}d"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr redock kill "${T}d"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(snapshot)" = "$before" ]

	# The user's config with the Include line on top: the user's hosts
	# and redock's aliases both resolve, and ssh gets in.
	{ echo "Include \"$OWN\""; cat "$RO/config"; } >"$BATS_TEST_TMPDIR/user"
	run ssh -F "$BATS_TEST_TMPDIR/user" -G work
	[[ $output == *$'\nhostname 192.0.2.7\n'* ]]
	run ssh -F "$BATS_TEST_TMPDIR/user" -o BatchMode=yes \
	    -o ConnectTimeout=10 "${T}w-container" hostname
	[ "$status" -eq 0 ]
	[ "$output" = "${T}w" ]

	# --dry-run diffs that file.
	docker rm -f "$(ename ${T}w-container)" >/dev/null
	run --separate-stderr redock sync --dry-run
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "--- $OWN" ]
	[[ $output == *$'\n-Host '"${T}w"$'-container\n'* ]]
	[ "$(snapshot)" = "$before" ]
}

@test "REDOCK_SSH_CONFIG must be an absolute path an Include line can name: one line, exit 1, nothing made" {
	for bad in relative/config '/tmp/x"y' "/tmp/$USER/conf*"; do
		exits_one_line 1 env REDOCK_SSH_CONFIG="$bad" \
		    "$REDOCK" start --no-shell "${T}w"
		stderr_has "REDOCK_SSH_CONFIG"
		[ -z "$(containers "${T}w")" ]
		[ ! -e "$HOME/.ssh" ]
	done
	[ ! -e "/tmp/$USER" ]
	exits_one_line 1 env REDOCK_SSH_CONFIG=relative "$REDOCK" sync
}

@test "without REDOCK_SSH_CONFIG a read-only ~/.ssh/config stops start in one line that names it, and leaves no container" {
	ro_config
	# A link into a read-only tree, as home-manager makes it.
	mkdir -p -m 0700 "$HOME/.ssh"
	ln -s "$RO/config" "$HOME/.ssh/config"
	before=$(snapshot)
	exits_one_line 1 redock start --no-shell "${T}w"
	stderr_has "cannot write '$HOME/.ssh/config' (a link to '$RO/config')" \
	    "REDOCK_SSH_CONFIG"
	[ -z "$(containers "${T}w")" ]
	[ "$(snapshot)" = "$before" ]

	# ~/.ssh itself read-only, the config a plain file.
	rm "$HOME/.ssh/config"
	umount "$RO"
	ro_config
	rmdir "$HOME/.ssh"
	ln -s "$RO" "$HOME/.ssh"
	exits_one_line 1 redock start --no-shell "${T}w"
	stderr_has "REDOCK_SSH_CONFIG"
	[ -z "$(containers "${T}w")" ]
	exits_one_line 1 redock sync
}
