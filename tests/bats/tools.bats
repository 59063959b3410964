#!/usr/bin/env bats
# What the README promises: the tools that work over SSH work over the
# alias, with their real clients and redock's ssh config, on a container
# of redock:base as it comes. One container serves the whole file.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	# For the whole file, not each test: the container, its alias and
	# key are made once.
	export HOME=$BATS_FILE_TMPDIR/home
	export REDOCK_HOME=$BATS_FILE_TMPDIR/redock-home
	unset XDG_DATA_HOME XDG_CONFIG_HOME SSH_AUTH_SOCK
	export REDOCK_SSH_SHARING=no
	export USER=${REDOCK_TEST_RUN}tools
	export ALIAS=t$REDOCK_TEST_RUN-container
	# The client's ssh: redock's config, the host key checked, no master
	# left running after a test.
	export SSH_CMD="ssh -F $HOME/.ssh/config -o BatchMode=yes -o StrictHostKeyChecking=yes -o ControlMaster=no -o ControlPath=none"
	mkdir -p -m 0700 "$HOME"
	unset LANG LANGUAGE LC_ALL LC_CTYPE LC_MESSAGES
	docker version >/dev/null 2>&1 || return 0
	"$REDOCK" -q start --no-shell -n "t$REDOCK_TEST_RUN" "$USER:tools"
}

teardown_file() {
	redock_cleanup
	file_unlock
}

setup() {
	require_engine
	docker inspect "$(ename "$ALIAS")" >/dev/null 2>&1 || {
		echo "setup_file could not start $USER:tools" >&2
		return 1
	}
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	:
}

# Every file and directory under $1, one "PATH MODE SHA1" line each.
tree_of() {
	(cd "$1" && find . -mindepth 1 -printf '%p %m ' \
	    \( -type f -exec sh -c 'sha1sum <"$1" | cut -c1-40' sh {} \; \
	    -o -printf '\n' \) | LC_ALL=C sort)
}

@test "rsync -a copies a tree both ways over the alias, contents and modes kept" {
	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/sub/deeper"
	echo hello >"$src/a.txt"
	printf 'with a space\n' >"$src/sub/name with space"
	head -c 200000 /dev/urandom >"$src/sub/deeper/random.bin"
	printf '#!/bin/sh\necho run\n' >"$src/sub/script"
	chmod 0640 "$src/a.txt"
	chmod 0755 "$src/sub/script"
	chmod 0700 "$src/sub/deeper"

	run rsync -a -e "$SSH_CMD" "$src/" "$ALIAS:/root/rs/"
	[ "$status" -eq 0 ]
	# There as it is here, by the far end's own account.
	run $SSH_CMD "$ALIAS" "$(declare -f tree_of); tree_of /root/rs"
	[ "$status" -eq 0 ]
	[ "$output" = "$(tree_of "$src")" ]

	# Changed there, and back.
	$SSH_CMD "$ALIAS" 'echo changed >/root/rs/new && chmod 0604 /root/rs/new'
	run rsync -a -e "$SSH_CMD" "$ALIAS:/root/rs/" "$BATS_TEST_TMPDIR/back/"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/back/new")" = changed ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/back/new")" = 604 ]
	[ "$(tree_of "$BATS_TEST_TMPDIR/back")" = \
	    "$($SSH_CMD "$ALIAS" "$(declare -f tree_of); tree_of /root/rs")" ]
}

@test "git push and git clone go to a bare repository in the container" {
	export GIT_SSH_COMMAND=$SSH_CMD GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org
	export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
	$SSH_CMD "$ALIAS" 'rm -rf /root/repo.git && git init -q --bare /root/repo.git'

	git init -q work
	echo first >work/file
	git -C work add file
	git -C work commit -q -m first
	run git -C work push "$ALIAS:/root/repo.git" HEAD:refs/heads/main
	[ "$status" -eq 0 ]
	# The pushed commit is in the container's repository.
	run $SSH_CMD "$ALIAS" 'git -C /root/repo.git rev-parse main &&
	    git -C /root/repo.git show main:file'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(git -C work rev-parse HEAD)" ]
	[ "${lines[1]}" = first ]

	run git clone -q -b main "$ALIAS:/root/repo.git" clone
	[ "$status" -eq 0 ]
	[ "$(cat clone/file)" = first ]
	[ "$(git -C clone rev-parse HEAD)" = "$(git -C work rev-parse HEAD)" ]
	# And a commit of the clone's goes back.
	echo second >clone/file
	git -C clone commit -q -a -m second
	git -C clone push -q origin main
	run $SSH_CMD "$ALIAS" 'git -C /root/repo.git log --format=%s main'
	[ "$output" = "$(printf 'second\nfirst')" ]
}

# Ansible with its host key checking on, its temporary files and
# ssh's in the test's directory, through redock's ssh config.
ansible_env() {
	command -v ansible-playbook >/dev/null || {
		echo "ansible is not installed on this host: run contrib/setup" >&2
		return 1
	}
	export ANSIBLE_LOCAL_TEMP=$BATS_TEST_TMPDIR/ansible-tmp
	export ANSIBLE_HOME=$BATS_TEST_TMPDIR/ansible
	export ANSIBLE_SSH_ARGS="-F $HOME/.ssh/config -o BatchMode=yes -o ControlMaster=no -o ControlPath=none"
	export ANSIBLE_NOCOLOR=1
	unset ANSIBLE_HOST_KEY_CHECKING ANSIBLE_CONFIG
	echo "$ALIAS" >inventory
}

@test "ansible -m ping answers pong over the alias" {
	ansible_env
	run --separate-stderr ansible -i inventory all -m ping
	[ "$status" -eq 0 ]
	[[ $output == "$ALIAS | SUCCESS => {"* ]]
	[[ $output == *'"ping": "pong"'* ]]
	[ -z "$stderr" ]
}

@test "ansible-playbook runs ansible.builtin.copy and ansible.builtin.command in the container" {
	ansible_env
	cat >play.yml <<-'EOF'
	- hosts: all
	  gather_facts: false
	  tasks:
	    - name: a file
	      ansible.builtin.copy:
	        content: "from ansible\n"
	        dest: /root/from-ansible
	        mode: "0640"
	    - name: a command
	      ansible.builtin.command: cp -p /root/from-ansible /root/by-command
	EOF
	$SSH_CMD "$ALIAS" 'rm -f /root/from-ansible /root/by-command'
	run ansible-playbook -i inventory play.yml
	[ "$status" -eq 0 ]
	[[ $output =~ $ALIAS\ +:\ ok=2\ +changed=2\ +unreachable=0\ +failed=0 ]]
	run $SSH_CMD "$ALIAS" 'cat /root/by-command; stat -c %a /root/by-command'
	[ "$output" = "$(printf 'from ansible\n640')" ]
}

@test "perl and python3 start without a locale warning: no LANG, C.UTF-8, en_US.UTF-8 or one the image lacks" {
	unset LANG LANGUAGE LC_ALL LC_CTYPE LC_MESSAGES
	cmd='echo "${LANG-unset}"; perl -e 1; python3 -c 1; perl -le "print 1"'
	run --separate-stderr $SSH_CMD -o SendEnv=LANG "$ALIAS" "$cmd"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'unset\n1')" ]
	[ -z "$stderr" ]
	for lang in C.UTF-8 en_US.UTF-8 de_DE.UTF-8; do
		LANG=$lang run --separate-stderr $SSH_CMD -o SendEnv=LANG \
		    "$ALIAS" "$cmd"
		[ "$status" -eq 0 ]
		[ "$output" = "$(printf '%s\n1' "$lang")" ]
		[ -z "$stderr" ] || { echo "LANG=$lang: $stderr" >&2; return 1; }
	done
	# The two it has are there for real: Python can set them.
	for lang in C.UTF-8 en_US.UTF-8; do
		LANG=$lang run $SSH_CMD -o SendEnv=LANG "$ALIAS" \
		    'python3 -c "import locale; print(locale.setlocale(locale.LC_ALL, str()))"'
		[ "$output" = "$lang" ]
	done
}

@test "a login prints no MOTD and no last login" {
	# The second login would say when the first was.
	for i in 1 2; do
		run $SSH_CMD -q -tt "$ALIAS" <<<'exit'
		[ "$status" -eq 0 ]
		[[ $output != *"Last login"* ]]
		[[ $output != *"NO WARRANTY"* ]]
		# /etc/update-motd.d's "uname -a", the host's own kernel.
		[[ $output != *"$(uname -r)"* ]]
		[[ $output == *logout* ]]
	done
	run $SSH_CMD -q -tt "$ALIAS" true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "sudo, less and the CA certificates are there" {
	run $SSH_CMD "$ALIAS" 'sudo -n -u nobody id -un &&
	    echo paged | less -FX &&
	    test -s /etc/ssl/certs/ca-certificates.crt && echo certs'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'nobody\npaged\ncerts')" ]
}
