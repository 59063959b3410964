# Loaded by every bats file: each test runs with its own HOME and
# REDOCK_HOME in a temporary directory, its own USER (so that a NAME
# without a colon lands in a repository of this run alone), and leaves
# no container or image behind, even when it fails.
#
# A file that needs more set-up defines its own setup/teardown and calls
# redock_setup/redock_teardown from them.

bats_require_minimum_version 1.5.0

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REDOCK=${REDOCK:-$TOP/redock}
# The build's other programs: sshconf-merge, tests/tools/*.
REDOCK_BUILD=${REDOCK_BUILD:-$TOP/build}
export REDOCK_TEST_RUN=${REDOCK_TEST_RUN:-rt$$}

redock() {
	"$REDOCK" "$@"
}

redock_setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export REDOCK_HOME="$BATS_TEST_TMPDIR/redock-home"
	unset XDG_DATA_HOME XDG_CONFIG_HOME SSH_AUTH_SOCK DOCKER_CONTEXT DOCKER_CONFIG \
	    DOCKER_TLS REDOCK_JUMP
	# No ssh master outlives a test unless the test asks for sharing
	# (and then ends it with "ssh -O exit").
	export REDOCK_SSH_SHARING=no
	mkdir -p -m 0700 "$HOME"
	# Lower-case letters and digits: a valid repository name.
	export USER="${REDOCK_TEST_RUN}t${BATS_SUITE_TEST_NUMBER}"
	# Label for everything a test makes in the engine by hand.
	TEST_LABEL="io.redock.test=$REDOCK_TEST_RUN"
}

# Removes what this run made in the engine (tests/objects says what):
# containers first, so that their networks and images can go; images
# the newest first, since the engine keeps an image while one made from
# it is there (a snapshot of a container restored from a snapshot).
redock_cleanup() {
	local objects ids id

	docker version >/dev/null 2>&1 || return 0
	objects=$("$TOP/tests/objects" "$REDOCK_TEST_RUN")
	ids=$(awk '$1 == "container" { print $2 }' <<<"$objects")
	[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	ids=$(awk '$1 == "network" { print $2 }' <<<"$objects")
	[ -z "$ids" ] || docker network rm $ids >/dev/null 2>&1 || true
	ids=$(awk '$1 == "image" { print $2 }' <<<"$objects")
	[ -n "$ids" ] || return 0
	for id in $ids; do
		echo "$(docker image inspect -f '{{.Created}}' "$id" \
		    2>/dev/null) $id"
	done | sort -r | awk '{ print $2 }' |
	    xargs -r docker rmi -f >/dev/null 2>&1 || true
}

redock_teardown() {
	redock_cleanup
}

setup() {
	redock_setup
}

teardown() {
	redock_teardown
}

# Runs at the same time on one engine (make test runs make check and
# make sanitize side by side, each several files at once, tests/run; a
# file run by hand may join them) meet only through tests/lock: a file
# holds, from its setup_file to its teardown_file, what its FILE_LOCK
# (set after "load helper") says:
#	own	(the default) its TAGs are fixed: no other run is in this
#		file, and the engine is shared
#	shared	its TAGs are unique to the run: only the engine, shared
#	alone	it restarts the engine or replaces redock:base: no other
#		file runs, of this run or another
# A file with a setup_file or teardown_file of its own calls file_lock
# first and file_unlock last. A bats run inside a test (harness.bats)
# is covered by its caller's locks and takes none.
file_lock() {
	local how=(shared) since=$SECONDS

	[ -z "${REDOCK_TEST_LOCKED:-}" ] || return 0
	case ${FILE_LOCK:-own} in
	own)	how=(-n "$(basename "$BATS_TEST_FILENAME" .bats)" shared) ;;
	shared) ;;
	alone)	how=(alone) ;;
	*)	echo "FILE_LOCK is own, shared or alone, not '$FILE_LOCK'" >&2
		return 1 ;;
	esac
	FILE_LOCK_PID=$("$TOP/tests/lock" "${how[@]}" $$)
	[ -n "$FILE_LOCK_PID" ] || return 1
	export REDOCK_TEST_LOCKED=$FILE_LOCK_PID
	[ $((SECONDS - since)) -lt 2 ] ||
	    echo "# ${BATS_TEST_FILENAME##*/} waited" \
	    "$((SECONDS - since)) s for tests/lock ${how[*]}" >&3
}

file_unlock() {
	[ -z "${FILE_LOCK_PID:-}" ] || kill "$FILE_LOCK_PID" 2>/dev/null || :
	FILE_LOCK_PID=
	unset REDOCK_TEST_LOCKED
}

setup_file() {
	file_lock
}

teardown_file() {
	file_unlock
}

# Starts tests/fake-engine with the given options; sets FAKE to its
# address. fake_engine_stop (which the teardown of a file that uses it
# calls) stops it.
fake_engine() {
	local sock=$BATS_TEST_TMPDIR/fake.sock
	coproc FAKE_PROC { exec "$TOP/tests/fake-engine" "$sock" "$@"; }
	read -r -t 10 ready <&"${FAKE_PROC[0]}"
	[ "$ready" = ready ]
	FAKE=unix://$sock
}

fake_engine_stop() {
	if [ -n "${FAKE_PROC_PID:-}" ]; then
		kill "$FAKE_PROC_PID" 2>/dev/null || true
		wait "$FAKE_PROC_PID" 2>/dev/null || true
	fi
	FAKE_PROC_PID=
}

# A shell in a tmux pane, for what needs a terminal: pane_setup gives
# the test a tmux server of its own ($SOCK, its socket in the test's
# directory; TMUX unset in case bats runs in one) and a scratch
# directory $D; the test starts the session "redock" there.
pane_setup() {
	unset TMUX
	export TMUX_TMPDIR=$BATS_TEST_TMPDIR
	SOCK="redock-$REDOCK_TEST_RUN-$BATS_SUITE_TEST_NUMBER"
	D=$BATS_TEST_TMPDIR/pane
	mkdir -p "$D" "$BATS_TEST_TMPDIR/bin"
}

# Everything the pane has shown, scroll-back too, wrapped lines joined,
# without trailing blanks.
pane() {
	tmux -L "$SOCK" capture-pane -p -J -S - -t redock 2>/dev/null |
	    sed 's/[[:space:]]*$//'
}

show_pane() {
	echo "--- the pane:" >&2
	pane >&2
	echo "---" >&2
}

# Waits until the pane shows a line that is exactly $1 (20 s, or $2).
wait_line() {
	local end=$((SECONDS + ${2:-20}))

	while :; do
		pane | grep -qxF -- "$1" && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "no line '$1' in the pane after ${2:-20} s" >&2
	show_pane
	return 1
}

# Fails the test with a clear line unless a Docker engine answers.
require_engine() {
	if ! docker version >/dev/null 2>&1; then
		echo "no Docker engine answers: run contrib/setup as root" >&2
		return 1
	fi
}

# Asserts that $stderr (run --separate-stderr) is exactly one line.
assert_one_line_stderr() {
	if [ -z "$stderr" ] || [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected one line on stderr, got:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

# Runs the rest of the arguments and asserts exit status $1 and one line
# on stderr.
exits_one_line() {
	local want=$1

	shift
	run --separate-stderr "$@"
	[ "$status" -eq "$want" ]
	assert_one_line_stderr
}

# Runs the rest of the arguments and asserts exit status 0 and that the
# output (stdout and stderr) is exactly $1.
prints() {
	local want=$1

	shift
	run "$@"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

# Runs redock with the rest of the arguments and asserts exit status $1,
# nothing on stdout and one line on stderr, "redock: ...".
fails_with() {
	local want=$1

	shift
	run --separate-stderr "$REDOCK" "$@"
	if [ "$status" -ne "$want" ]; then
		printf 'redock %q: exit status %s, not %s; stderr:\n' "$*" \
		    "$status" "$want" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	if [ -n "$output" ]; then
		printf 'redock %q: output on stdout: %s\n' "$*" "$output" >&2
		return 1
	fi
	assert_one_line_stderr
	[[ $stderr == "redock: "* ]] || {
		printf 'redock %q: the line is not "redock: ...": %s\n' "$*" \
		    "$stderr" >&2
		return 1
	}
}

# What find prints for the arguments after $1, sorted, one line each:
# its path and mode and, for a file, its SHA-1; with $1 "links", a
# symbolic link is its target instead.
find_state() {
	local links=$1 f

	shift
	find "$@" | LC_ALL=C sort | while IFS= read -r f; do
		if [ "$links" = links ] && [ -L "$f" ]; then
			echo "$f -> $(readlink "$f")"
		elif [ -f "$f" ]; then
			echo "$f $(stat -c %a "$f") $(sha1sum <"$f")"
		else
			echo "$f $(stat -c %a "$f")"
		fi
	done
}

# Everything under ~/.ssh but sshconf's lock, one line each: name, mode
# and, for a file, its SHA-1. Equal snapshots: nothing there changed.
snapshot() {
	(cd "$HOME/.ssh" &&
	    find_state - . -path ./config.d/.lock -prune -o -print)
}

# Waits (10 s at most) until an SSH server answers on 127.0.0.1:$1.
wait_ssh_banner() {
	local banner= i

	for i in $(seq 50); do
		banner=$(timeout 2 bash -c \
		    "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 8 <&3" \
		    2>/dev/null) && [[ $banner == SSH-2.0-* ]] && return 0
		sleep 0.2
	done
	echo "no SSH banner on 127.0.0.1:$1 in 10 s" >&2
	return 1
}

# What this run has in the engine, one "container ID" or "image ID" line
# each: all that tests/objects finds for $REDOCK_TEST_RUN (the test label,
# a redock name label or a repository of $USER, which starts with it;
# an image it finds by name with that name's ID), and every container
# whose name matches the glob $1 (the test's aliases, "e*-container"
# say), or is $USER and '.' and such a name (ename), whoever made it. Equal before and after: a command left nothing
# of the test's behind. Whatever else the engine holds (another redock's
# machines, the shared base image) does not count.
engine_objects() {
	local kind id rest

	{
		"$TOP/tests/objects" "$REDOCK_TEST_RUN" |
		    while read -r kind id rest; do
			[ "$kind" != image ] || [[ $id == sha256:* ]] ||
			    id="$id $(docker image inspect -f '{{.Id}}' "$id")"
			echo "$kind $id"
		done
		[ -z "${1:-}" ] ||
		    docker ps -a --no-trunc --format '{{.ID}} {{.Names}}' |
		    while read -r id rest; do
			[[ $rest != $1 && $rest != "$USER."$1 ]] ||
			    echo "container $id"
		done
	} | LC_ALL=C sort -u
}

# Asserts that the stderr of the last run has every argument in it.
stderr_has() {
	local part

	for part in "$@"; do
		[[ $stderr == *"$part"* ]] || {
			printf 'no "%s" in: %s\n' "$part" "$stderr" >&2
			return 1
		}
	done
}

# ssh through redock's alias, host key checked strictly, no prompt.
# The pids of the live processes (not zombies) named $1 whose command
# line, its arguments joined by spaces with one after the last, holds $2.
procs_with() {
	local d

	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = "$1" ] || continue
		grep -q '^State:.*Z' "$d/status" 2>/dev/null && continue
		{ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null |
		    grep -qF -- "$2" || continue
		echo "${d#/proc/}"
	done
}

ssh_to() {
	ssh -F "$HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes -o ConnectTimeout=10 "$@"
}

# The fragment redock writes for alias $1.
fragment() {
	echo "$HOME/.ssh/config.d/10-redock-$1"
}

# The Port of alias $1's fragment.
fragment_port() {
	awk '$1 == "Port" { print $2 }' "$(fragment "$1")"
}

# The engine's name of this user's container with the alias $1: it is
# named after its owner, the NAME's default repository ($USER), and its
# alias (redock.1, ENGINES).
ename() {
	echo "$USER.$1"
}

# The host port of container $1's sshd, as the engine reports it.
docker_port() {
	docker port "$1" 22/tcp | sed -n 's/^127\.0\.0\.1://p'
}

# For the fault tests: prints the tally of the caller's seen[] (where a
# killed command stopped, how often) as a TAP comment, and fails unless
# the random points hit at least two different places.
tally() {
	local k s=

	for k in "${!seen[@]}"; do
		s="$s $k: ${seen[$k]},"
	done
	echo "# $1 killed $RUNS times, stopped at:${s%,}" >&3
	[ "${#seen[@]}" -ge 2 ]
}

# For a file whose tests share the containers of its setup_file: every
# test runs in the file's HOME, REDOCK_HOME and USER (FILE_HOME,
# FILE_REDOCK_HOME, FILE_USER, which setup_file exports), where those
# containers have their aliases and keys.
file_env() {
	export HOME=$FILE_HOME REDOCK_HOME=$FILE_REDOCK_HOME USER=$FILE_USER
	unset XDG_DATA_HOME XDG_CONFIG_HOME SSH_AUTH_SOCK DOCKER_CONTEXT DOCKER_CONFIG \
	    DOCKER_TLS REDOCK_JUMP
	export REDOCK_SSH_SHARING=no
}

# Makes the host user HU, in the group of the engine's socket, with its
# home HU_HOME in a new directory HU_DIR that the user can reach (bats's
# own are root's, 0700), named after $1. user_remove undoes it.
user_make() {
	HU_DIR=$(mktemp -d "/tmp/redock-$1.XXXXXX")
	chmod 0755 "$HU_DIR"
	HU_HOME=$HU_DIR/home
	useradd -m -d "$HU_HOME" -s /bin/bash \
	    -G "$(stat -c %G /var/run/docker.sock)" "$HU"
}

user_remove() {
	[ -n "${HU_DIR:-}" ] || return 0
	userdel "$HU" >/dev/null 2>&1 || true
	rm -rf "$HU_DIR"
}

# For a file that runs redock as a host user of its own (HU, whose home
# is HU_HOME): runs the rest as HU, in its HOME, with the environment a
# login would give it and redock's variables.
as_user() {
	runuser -u "$HU" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$HU_HOME" REDOCK_HOME="$HU_HOME/.redock" USER="$HU" \
	    LOGNAME="$HU" REDOCK_SSH_SHARING=no \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    sh -c 'cd "$HOME" && exec "$@"' sh "$@"
}

# ssh over the alias $1, as the host user HU, with its configuration.
user_ssh() {
	as_user ssh -F "$HU_HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes -o ConnectTimeout=10 "$@"
}
