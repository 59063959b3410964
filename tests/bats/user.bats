#!/usr/bin/env bats
# start --user and --mount against the real engine, sshd and OpenSSH
# client, run as a real user would: a non-root user of this host in the
# docker group (made here, gone at the end), with a HOME and REDOCK_HOME
# of its own. The mapped user logs in over the alias with the host's
# login name, uid, gid and home; sudo needs no password; mounts are
# read-only unless :rw, and what the user writes through one is the host
# user's; the settings come back after commit, kill and start; a uid the
# image has under another name is renamed; redock run as root maps
# nothing; a bad --mount makes nothing.
#
# The tests share one container, made in setup_file. Its TAG and those
# of the others start with "u", which no other bats file uses; the
# host user's name, and so its repository, starts with the run's name.

load helper

setup_file() {
	file_lock
	export HU="${REDOCK_TEST_RUN}u" HU_DIR HU_HOME
	[ "$(id -u)" -eq 0 ] || return 0
	docker version >/dev/null 2>&1 || return 0
	docker image inspect redock:base >/dev/null 2>&1 ||
	    "$REDOCK" -q base >/dev/null
	user_make user
	as_user mkdir -p proj out
	as_user sh -c 'echo hello >proj/in'
	as_user "$REDOCK" -q start --no-shell --user --mount proj \
	    --mount out:rw umain
}

teardown_file() {
	redock_cleanup
	user_remove
	file_unlock
}

setup() {
	redock_setup
	[ "$(id -u)" -eq 0 ] || skip "needs root, to make a user of this host"
	require_engine
	getent passwd "$HU" >/dev/null || {
		echo "setup_file made no user '$HU'" >&2
		return 1
	}
	# The socket's group lets the user in, or nothing here says much.
	as_user docker version >/dev/null
}

# The shared container stays until teardown_file.
teardown() {
	:
}

@test "--user: id -un, id -u, id -g and pwd over the alias are the host user's" {
	run user_ssh umain-container 'id -un; id -u; id -g; pwd'
	[ "$status" -eq 0 ]
	[ "$output" = "$HU
$(id -u "$HU")
$(id -g "$HU")
$HU_HOME" ]
	# The host user's login shell, since the image has it.
	run user_ssh umain-container 'echo "$SHELL"'
	[ "$output" = /bin/bash ]
}

@test "--user: sudo needs no password, to root or another user, from a 0440 file" {
	run user_ssh umain-container 'sudo -n true &&
	    sudo -n -u nobody id -un &&
	    sudo -n stat -c "%a %U" /etc/sudoers.d/redock'
	[ "$status" -eq 0 ]
	[ "$output" = "nobody
440 root" ]
	# No key was written into the home, which may be the host's own.
	run user_ssh umain-container 'test -e .ssh || echo none'
	[ "$output" = none ]
}

@test "--mount: reading works, read-only refuses writes, :rw writes are the host user's" {
	run user_ssh umain-container 'cat proj/in'
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	run user_ssh umain-container 'touch proj/new'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	[ ! -e "$HU_HOME/proj/new" ]

	user_ssh umain-container 'echo written >out/file'
	[ "$(cat "$HU_HOME/out/file")" = written ]
	[ "$(stat -c %U:%G "$HU_HOME/out/file")" = \
	    "$HU:$(id -gn "$HU")" ]
}

@test "a uid the image has under another name is renamed to the host user's" {
	local cid

	# The image of NAME HU:utaken, in which HU's uid is 'someone'.
	cid=$(docker create --label "$TEST_LABEL" redock:base \
	    useradd -m -u "$(id -u "$HU")" someone)
	docker start -a "$cid"
	docker commit --change 'CMD ["/usr/sbin/sshd", "-D", "-e"]' "$cid" \
	    "$HU:utaken" >/dev/null
	docker rm "$cid" >/dev/null

	as_user "$REDOCK" -q start --no-shell --user utaken
	run user_ssh utaken-container 'id -un; id -u; pwd; sudo -n true &&
	    { getent passwd someone || echo gone; }'
	[ "$status" -eq 0 ]
	[ "$output" = "$HU
$(id -u "$HU")
$HU_HOME
gone" ]
	as_user "$REDOCK" -q kill utaken
}

@test "mounts and the user come back after commit, kill and start" {
	user_ssh umain-container 'echo kept >out/before; echo made >here'
	as_user "$REDOCK" -q commit umain
	as_user "$REDOCK" -q kill umain
	# No option: the image's settings.
	as_user "$REDOCK" -q start --no-shell umain
	run user_ssh umain-container 'id -un; cat here proj/in out/before;
	    touch proj/x 2>/dev/null || echo read-only'
	[ "$status" -eq 0 ]
	[ "$output" = "$HU
made
hello
kept
read-only" ]
	run docker inspect -f '{{json .HostConfig.Mounts}}' "$HU.umain-container"
	[[ $output == *"\"Source\":\"$HU_HOME/out\""* ]]
}

@test "start --user as root maps nothing: the login is root" {
	run redock start --no-shell --user uroot
	[ "$status" -eq 0 ]
	run ssh_to uroot-container 'id -un; id -u'
	[ "$output" = "root
0" ]
	run docker inspect -f '{{index .Config.Labels "io.redock.settings"}}' \
	    "$(ename uroot-container)"
	[[ $output == *'"user":null'* ]]
	redock -q kill uroot
}

@test "a bad --mount is refused in one line, before anything is made" {
	local before

	before=$(engine_objects 'ubad*')
	mkdir "$BATS_TEST_TMPDIR/src"
	fails_with 2 start --no-shell --mount "$BATS_TEST_TMPDIR/missing" ubad
	stderr_has "$BATS_TEST_TMPDIR/missing" "No such file or directory"
	fails_with 2 start --no-shell --mount "$BATS_TEST_TMPDIR/src:rx" ubad
	stderr_has "src:rx"
	fails_with 2 start --no-shell \
	    --mount "$BATS_TEST_TMPDIR/src:rel/path:rw" ubad
	stderr_has "absolute path in the container"
	fails_with 2 start --no-shell --mount "$BATS_TEST_TMPDIR/src:/a" \
	    --mount "$BATS_TEST_TMPDIR/src:/a:rw" ubad
	stderr_has "'/a' is mounted twice"
	[ "$(engine_objects 'ubad*')" = "$before" ]
	[ ! -e "$HOME/.ssh" ]
	[ ! -e "$REDOCK_HOME" ]
}
