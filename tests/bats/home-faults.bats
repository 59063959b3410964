#!/usr/bin/env bats
# redock in a hostile home, against the real engine: HOME or REDOCK_HOME
# on a read-only or full file system (a tmpfs of the test's own), ~/.ssh
# or ~/.ssh/config.d that is not a directory, ~/.ssh/config a symbolic
# link, REDOCK_HOME a file, empty or relative. A command that cannot do
# its work exits 1 with one line that names the path and the reason, and
# loses nothing: the user's files, ~/.ssh and redock's keys stay as they
# were, byte for byte, and no container it made is left behind.
#
# The tests mount, so they run as root; a test that cannot mount fails.
# A container's engine name is its alias: every TAG here starts with "h",
# which no other bats file uses.

load helper

setup() {
	redock_setup
	require_engine
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	CONF=$HOME/.ssh/config
	MOUNTS=$BATS_TEST_TMPDIR/mounts
}

# Every tmpfs a test mounted goes, even when the test failed: lazily
# when something still holds it.
teardown() {
	local dir

	if [ -f "$MOUNTS" ]; then
		tac "$MOUNTS" | while IFS= read -r dir; do
			mountpoint -q "$dir" || continue
			umount "$dir" 2>/dev/null || umount -l "$dir" || true
		done
	fi
	redock_teardown
}

# Mounts a tmpfs of size $2 (mode 0700, as a home is) on directory $1,
# which is made if missing; it is recorded for the teardown.
tmpfs_on() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1"; then
		echo "cannot mount a tmpfs on $1 (these tests need root):" \
		    "uid $(id -u)" >&2
		return 1
	fi
	printf '%s\n' "$1" >>"$MOUNTS"
}

# Makes the tmpfs on $1 read-only, and checks that it is.
read_only() {
	mount -o remount,ro "$1"
	if touch "$1/.probe" 2>/dev/null; then
		echo "$1 is still writable after remount,ro" >&2
		return 1
	fi
}

read_write() {
	mount -o remount,rw "$1"
}

# Fills the tmpfs on $1 to its last block with $1/.filler, and checks
# that not one byte more goes in.
fill() {
	run dd if=/dev/zero of="$1/.filler" bs=4k
	if [[ $output != *"No space left on device"* ]]; then
		echo "cannot fill $1: $output" >&2
		return 1
	fi
	if printf x 2>/dev/null >"$1/.probe"; then
		echo "$1 is not full" >&2
		return 1
	fi
	rm -f "$1/.probe"
}

# Everything under $1, one line each: its path, and its mode and SHA-1,
# or the target of a link. flock(2)'s lock files are left out: a first
# look may make them, empty. Equal states: nothing there changed.
state_of() {
	[ -e "$1" ] || [ -L "$1" ] || { echo "(none)"; return 0; }
	(cd "$(dirname "$1")" &&
	    find_state links "$(basename "$1")" -name .lock -prune -o -print)
}

# Records the state of HOME and REDOCK_HOME.
record() {
	HOME_BEFORE=$(state_of "$HOME")
	KEYS_BEFORE=$(state_of "$REDOCK_HOME")
}

# Asserts that HOME and REDOCK_HOME are as record found them.
assert_unchanged() {
	local keys

	assert_home_unchanged
	keys=$(state_of "$REDOCK_HOME")
	if [ "$keys" != "$KEYS_BEFORE" ]; then
		echo "REDOCK_HOME changed:" >&2
		diff <(printf '%s\n' "$KEYS_BEFORE") <(printf '%s\n' "$keys") >&2
		return 1
	fi
}

assert_home_unchanged() {
	local home

	home=$(state_of "$HOME")
	[ "$home" = "$HOME_BEFORE" ] && return 0
	echo "HOME changed:" >&2
	diff <(printf '%s\n' "$HOME_BEFORE") <(printf '%s\n' "$home") >&2
	return 1
}

# Asserts that redock's keys that were there when record ran still are,
# byte for byte, and that every pin is kept; a start may add the host key
# of an alias, and its pin, before it fails.
assert_keys_kept() {
	local line

	while IFS= read -r line; do
		[[ $line == *known_hosts* ]] && continue
		grep -qxF -- "$line" <<<"$(state_of "$REDOCK_HOME")" || {
			echo "REDOCK_HOME lost or changed: $line" >&2
			return 1
		}
	done <<<"$KEYS_BEFORE"
	while IFS= read -r line; do
		grep -qxF -- "$line" "$REDOCK_HOME/known_hosts" || {
			echo "the pin '$line' is gone" >&2
			return 1
		}
	done <"$BATS_TEST_TMPDIR/known_hosts"
}

# Runs redock with the rest of the arguments and asserts exit status 1,
# nothing on stdout and one line on stderr, "redock: ...".
fails() {
	fails_with 1 "$@"
}

# Runs redock with the rest of the arguments and asserts exit status 0.
works() {
	run --separate-stderr "$REDOCK" "$@"
	if [ "$status" -ne 0 ]; then
		printf 'redock %s: exit status %s; stderr:\n' "$*" "$status" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

# Asserts that the engine has no container of NAME $USER:$1.
no_container() {
	local ids

	ids=$(docker ps -a -q --filter "label=io.redock.name=$USER:$1")
	[ -z "$ids" ] && return 0
	echo "the engine has a container of '$USER:$1': $ids" >&2
	return 1
}

container_id() {
	docker ps -a -q --no-trunc --filter "label=io.redock.name=$USER:$1"
}

# Asserts that no temporary of sshconf's or of keys' is left in $@.
no_temporaries() {
	local left

	left=$(find "$@" -name '.*sshconf-*' -o -name '.*.??????' -type f)
	[ -z "$left" ] && return 0
	echo "temporaries left: $left" >&2
	return 1
}

ssh_to() {
	ssh -F "$CONF" -o BatchMode=yes -o ConnectTimeout=10 "$@"
}

# The user's own ~/.ssh/config and a file of theirs beside it, made part
# of redock's ~/.ssh/config.d/ by a sync, so that what follows finds a
# home already in use (a first use would move config into config.d/).
prime() {
	mkdir -p -m 0700 "$HOME/.ssh"
	printf '%s\n' '# my own settings' 'ServerAliveInterval 42' >"$CONF"
	printf 'my notes\n' >"$HOME/notes"
	works sync
	[ -f "$CONF.d/local" ]
}

@test "HOME read-only: start, kill and sync exit 1 in one line; commit works; nothing changes" {
	tmpfs_on "$HOME" 1m
	read_only "$HOME"
	# Not even ~/.ssh can be made.
	fails start --no-shell hnew
	stderr_has "cannot make '$HOME/.ssh': Read-only file system"
	no_container hnew

	read_write "$HOME"
	prime
	works start --no-shell hrun
	running=$(container_id hrun)
	read_only "$HOME"
	record

	fails start --no-shell hnew
	stderr_has "cannot write '$CONF': Read-only file system" \
	    "set REDOCK_SSH_CONFIG"
	no_container hnew
	# kill would leave an alias to nothing: it removes nothing at all.
	fails kill hrun
	stderr_has "cannot write '$CONF': Read-only file system" \
	    "set REDOCK_SSH_CONFIG"
	[ "$(container_id hrun)" = "$running" ]
	fails sync
	stderr_has "cannot write '$CONF': Read-only file system" \
	    "set REDOCK_SSH_CONFIG"
	fails sync --force
	stderr_has "cannot write '$CONF': Read-only file system" \
	    "set REDOCK_SSH_CONFIG"
	# commit writes nothing in HOME.
	works commit hrun
	docker image inspect "$USER:hrun" >/dev/null
	assert_unchanged
	[ "$(docker inspect -f '{{.State.Running}}' "$running")" = true ]
	run ssh_to hrun-container hostname
	[ "$status" -eq 0 ]
	[ "$output" = hrun ]
}

@test "REDOCK_HOME read-only and empty: start exits 1 in one line, no container is left" {
	prime
	tmpfs_on "$REDOCK_HOME" 1m
	read_only "$REDOCK_HOME"
	record

	fails start --no-shell hkey
	stderr_has "cannot start '$USER:hkey': " "'$REDOCK_HOME/.lock'" \
	    "Read-only file system"
	no_container hkey
	assert_unchanged
}

@test "REDOCK_HOME read-only holding the keys: a known NAME starts, a new one exits 1 in one line" {
	prime
	tmpfs_on "$REDOCK_HOME" 1m
	works start --no-shell hkept
	works kill hkept
	read_only "$REDOCK_HOME"
	KEYS=$(state_of "$REDOCK_HOME")

	# Its keys are all there: nothing needs writing.
	works start --no-shell hkept
	[[ $output == *"ssh hkept-container"* ]]
	run ssh_to hkept-container hostname
	[ "$status" -eq 0 ]
	[ "$output" = hkept ]

	record
	fails start --no-shell hnew
	stderr_has "cannot start '$USER:hnew': " \
	    "'$REDOCK_HOME/hosts/hnew-container'" "Read-only file system"
	no_container hnew
	assert_unchanged
	works kill hkept
	[ "$(state_of "$REDOCK_HOME")" = "$KEYS" ]
}

@test "~/.ssh or ~/.ssh/config.d that is not a directory: one line, nothing made" {
	printf 'not a directory\n' >"$HOME/.ssh"
	record
	for cmd in "start --no-shell hx" "kill hx" "sync"; do
		fails $cmd
		stderr_has "'$HOME/.ssh' is not a directory"
	done
	assert_unchanged
	[ ! -e "$REDOCK_HOME" ]
	no_container hx

	# A link to nothing.
	rm "$HOME/.ssh"
	ln -s "$BATS_TEST_TMPDIR/nowhere" "$HOME/.ssh"
	record
	fails start --no-shell hx
	stderr_has "'$HOME/.ssh' is not a directory"
	assert_unchanged
	no_container hx

	rm "$HOME/.ssh"
	mkdir -m 0700 "$HOME/.ssh"
	printf '%s\n' '# my own settings' >"$CONF"
	printf 'not a directory\n' >"$CONF.d"
	record
	for cmd in "start --no-shell hx" "kill hx"; do
		fails $cmd
		stderr_has "cannot ${cmd%% *}: '$CONF.d' is not a directory"
	done
	fails sync
	stderr_has "cannot sync: " "'$CONF.d'" "Not a directory"
	assert_unchanged
	[ ! -e "$REDOCK_HOME" ]
	no_container hx
}

@test "~/.ssh/config a link to a file elsewhere: written through, the link kept" {
	mkdir -m 0700 "$HOME/.ssh" "$BATS_TEST_TMPDIR/dotfiles"
	target=$BATS_TEST_TMPDIR/dotfiles/ssh_config
	printf '%s\n' '# my own settings' 'ServerAliveInterval 42' >"$target"
	chmod 0640 "$target"
	ln -s ../../dotfiles/ssh_config "$CONF"

	works start --no-shell hlink
	[ "$(readlink "$CONF")" = ../../dotfiles/ssh_config ]
	[ "$(stat -c %a "$target")" = 640 ]
	grep -qx 'Host hlink-container' "$target"
	grep -qx 'ServerAliveInterval 42' "$target"
	grep -qx 'ServerAliveInterval 42' "$CONF.d/local"
	run ssh_to hlink-container hostname
	[ "$output" = hlink ]
	no_temporaries "$HOME/.ssh" "$BATS_TEST_TMPDIR/dotfiles"

	works kill hlink
	[ "$(readlink "$CONF")" = ../../dotfiles/ssh_config ]
	run grep -c 'hlink-container' "$target"
	[ "$output" = 0 ]
	grep -qx 'ServerAliveInterval 42' "$target"
	[ "$(ls -A "$BATS_TEST_TMPDIR/dotfiles")" = ssh_config ]
}

@test "~/.ssh/config a link to nothing, to a directory, in a loop: one line, nothing changed" {
	mkdir -m 0700 "$HOME/.ssh" "$BATS_TEST_TMPDIR/dir"
	# First use (no config.d yet), then a config.d already in use.
	for first in yes no; do
		if [ $first = no ]; then
			prime
			rm "$CONF"
		fi
		for link in nothing dir loop; do
			case $link in
			nothing) ln -s "$BATS_TEST_TMPDIR/nothing" "$CONF"
				why="No such file or directory" ;;
			dir) ln -s "$BATS_TEST_TMPDIR/dir" "$CONF"
				why="is not a regular file" ;;
			loop) ln -s "$CONF" "$CONF"
				why="Too many levels of symbolic links" ;;
			esac
			record
			for cmd in "start --no-shell hx" "sync"; do
				fails $cmd
				stderr_has "cannot ${cmd%% *}: " "$why"
				# The link's target is the path for a
				# directory, the link for the others.
				if [ $link = dir ] && [ $first = no ]; then
					stderr_has "'$BATS_TEST_TMPDIR/dir'"
				else
					stderr_has "'$CONF'"
				fi
			done
			assert_unchanged
			no_container hx
			rm "$CONF"
		done
	done
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/dir")" ]
	[ ! -e "$BATS_TEST_TMPDIR/nothing" ]
}

@test "a full HOME: start exits 1 with 'No space left on device', no container, no temporary" {
	tmpfs_on "$HOME" 256k
	prime
	works start --no-shell hrun
	running=$(container_id hrun)
	fill "$HOME"
	record
	cp "$REDOCK_HOME/known_hosts" "$BATS_TEST_TMPDIR/known_hosts"

	fails start --no-shell hnew
	stderr_has "cannot start '$USER:hnew': " \
	    "cannot write '$CONF.d/10-redock-hnew-container': No space left on device"
	no_container hnew
	no_temporaries "$HOME"
	assert_home_unchanged
	assert_keys_kept
	# Nothing to change: sync needs no room.
	record
	works sync
	assert_unchanged

	# kill removes the container first, then cannot remove its alias:
	# the line names the NAME, the file and the reason.
	fails kill hrun
	stderr_has "killed '$USER:hrun', but its alias 'hrun-container' stays until 'redock sync': " \
	    "cannot write '$CONF': No space left on device"
	no_container hrun
	no_temporaries "$HOME"
	assert_unchanged
	# With room again, sync takes the alias away.
	rm "$HOME/.filler"
	works sync
	[[ $output == *"removed hrun-container"* ]]
	[ ! -e "$CONF.d/10-redock-hrun-container" ]
	run grep -c 'hrun-container' "$CONF"
	[ "$output" = 0 ]
	grep -qx 'ServerAliveInterval 42' "$CONF"
	[ "$(cat "$HOME/notes")" = "my notes" ]
}

@test "a full REDOCK_HOME: the first start exits 1 in one line, keys whole, then it starts" {
	prime
	tmpfs_on "$REDOCK_HOME" 64k
	fill "$REDOCK_HOME"
	record

	fails start --no-shell hkey
	stderr_has "cannot start '$USER:hkey': " \
	    "cannot write '$REDOCK_HOME/id_ed25519': No space left on device"
	no_container hkey
	no_temporaries "$REDOCK_HOME"
	assert_unchanged
	[ "$(ls -A "$REDOCK_HOME")" = "$(printf '.filler\n.lock')" ]

	# Room for the client key pair (a block each), not for a host key.
	truncate -s -8k "$REDOCK_HOME/.filler"
	fails start --no-shell hkey
	stderr_has "cannot start '$USER:hkey': " \
	    "cannot write '$REDOCK_HOME/hosts/hkey-container/ssh_host_ed25519_key': No space left on device"
	no_container hkey
	no_temporaries "$REDOCK_HOME"
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519")" = 600 ]
	[ "$(ssh-keygen -y -f "$REDOCK_HOME/id_ed25519" | cut -d' ' -f1,2)" = \
	    "$(cut -d' ' -f1,2 "$REDOCK_HOME/id_ed25519.pub")" ]
	[ ! -e "$REDOCK_HOME/known_hosts" ]
	client=$(sha1sum <"$REDOCK_HOME/id_ed25519")

	rm "$REDOCK_HOME/.filler"
	works start --no-shell hkey
	[ "$(sha1sum <"$REDOCK_HOME/id_ed25519")" = "$client" ]
	run ssh_to hkey-container hostname
	[ "$status" -eq 0 ]
	[ "$output" = hkey ]
}

@test "REDOCK_HOME a file: one line; empty or relative: as if unset" {
	prime
	printf 'not a directory\n' >"$BATS_TEST_TMPDIR/keys"
	export REDOCK_HOME=$BATS_TEST_TMPDIR/keys
	record
	fails start --no-shell hx
	stderr_has "cannot start '$USER:hx': " \
	    "redock's home '$REDOCK_HOME' is not a directory"
	no_container hx
	REDOCK_HOME=$BATS_TEST_TMPDIR/keys/sub fails start --no-shell hx
	stderr_has "cannot start '$USER:hx': " \
	    "cannot make '$REDOCK_HOME/sub': Not a directory"
	no_container hx
	assert_unchanged

	# keys.h: a relative or empty value is skipped as if unset (XDG's
	# rule), so the keys go to ~/.local/share/redock.
	mkdir "$BATS_TEST_TMPDIR/cwd"
	cd "$BATS_TEST_TMPDIR/cwd"
	default=$HOME/.local/share/redock
	REDOCK_HOME= works start --no-shell hempty
	[ -f "$default/id_ed25519" ]
	grep -qxF $'\t'"IdentityFile \"$default/id_ed25519\"" \
	    "$CONF.d/10-redock-hempty-container"
	client=$(sha1sum <"$default/id_ed25519")
	REDOCK_HOME=keys works start --no-shell hrel
	grep -qxF $'\t'"UserKnownHostsFile \"$default/known_hosts\"" \
	    "$CONF.d/10-redock-hrel-container"
	[ "$(sha1sum <"$default/id_ed25519")" = "$client" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/cwd")" ]
	run ssh_to hrel-container hostname
	[ "$output" = hrel ]
	[ "$(cat "$BATS_TEST_TMPDIR/keys")" = "not a directory" ]
}
