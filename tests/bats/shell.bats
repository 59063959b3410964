#!/usr/bin/env bats
# redock shell, and the shell that start opens, on a real terminal: a
# tmux pane on a tmux server of the test's own, running a plain bash
# with the test's environment. Keys are typed into the pane, and what
# the test checks comes back through the pane's contents or through
# files that the commands typed there write.
#
# Another run may use the same engine at the same time, and a
# container's engine name is its alias: every TAG here starts with
# "s" (sshell1, sshell2, ...), which the other files never use, and no
# other run is in this file meanwhile (FILE_LOCK, helper.bash).
#
# Nothing here waits a fixed time for something to happen: wait_line
# and wait_file poll (20 s at most) and show the pane when they give up.

load helper

# The pane's size.
COLS=100
ROWS=30

setup() {
	redock_setup
	require_engine
	require_base
	pane_setup
	PANE_SID=
	# "redock" typed in the pane is the redock under test.
	ln -s "$REDOCK" "$BATS_TEST_TMPDIR/bin/redock"
	make_rd_run
}

teardown() {
	# Ending the server hangs up the pane: wait until everything that
	# ran there is gone (an interrupted start removes what it made),
	# so that the clean-up after it finds all there is.
	tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
	if [ -n "$PANE_SID" ]; then
		local i
		for i in $(seq 200); do
			[ -z "$(ps -o pid= -s "$PANE_SID")" ] && break
			sleep 0.1
		done
	fi
	redock_teardown
}

# The base image, there before anything is timed: building it takes
# longer than any wait here.
require_base() {
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
}

# Writes rd-run, the command typed in the pane to run redock:
#
#	rd-run LABEL ARGS...
#
# runs "redock ARGS..." (or "$RD_RUN_COMMAND ARGS...") in the foreground
# of the pane's terminal and leaves in $D: LABEL.before and LABEL.after,
# "stty -a" of the terminal just before and just after; LABEL.pid,
# redock's PID; LABEL.how, "exit N" or "signal N", how it ended; and,
# written last, LABEL.rc, its exit status as a shell has it in $? (128+N
# for signal N). A shell's $? cannot tell "exit 143" from "died of
# SIGTERM", hence Perl's wait status. And rd-run is not a line typed
# into the interactive bash, since that bash sets the terminal back as
# it was when a job dies of a signal: a redock that left the terminal
# raw would go unseen (test "the harness sees ...").
make_rd_run() {
	cat >"$BATS_TEST_TMPDIR/bin/rd-run" <<'EOF'
#!/usr/bin/perl
use strict;
use warnings;

my $d = $ENV{RD_RUN_DIR};
my $label = shift;
my $cmd = $ENV{RD_RUN_COMMAND} // 'redock';
my $pre = "$d/$label";

sub put {
	my ($file, $text) = @_;
	open(my $fh, '>', "$file.tmp") or die "$file.tmp: $!";
	print $fh $text;
	close($fh) or die "$file.tmp: $!";
	rename("$file.tmp", $file) or die "$file: $!";
}

sub stty { system('sh', '-c', 'stty -a >"$1"', 'sh', $_[0]) }

stty("$pre.before");
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
	exec { $cmd } $cmd, @ARGV;
	die "exec $cmd: $!";
}
put("$pre.pid", "$pid\n");
waitpid($pid, 0) == $pid or die "waitpid: $!";
my $w = $?;
stty("$pre.after");
put("$pre.how", $w & 127 ? "signal " . ($w & 127) . "\n" :
    "exit " . ($w >> 8) . "\n");
put("$pre.rc", ($w & 127 ? 128 + ($w & 127) : $w >> 8) . "\n");
EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/rd-run"
}

# Starts the pane: a bash without start-up files, with nothing of the
# environment but the test's (and what tells redock where the engine
# is, how long to wait, and what the sanitizers should do), TERM and
# LANG as given.
start_pane() {
	local term=${1:-screen-256color} lang=${2:-C.UTF-8}
	local -a envs=(
		"HOME=$HOME" "REDOCK_HOME=$REDOCK_HOME" "USER=$USER"
		"REDOCK_SSH_SHARING=$REDOCK_SSH_SHARING"
		"PATH=$BATS_TEST_TMPDIR/bin:$PATH" "TERM=$term" "LANG=$lang"
		"PS1=local\$ " "RD_RUN_DIR=$D"
	)
	local v

	for v in DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH \
	    REDOCK_START_TIMEOUT ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v+set}" ] && envs+=("$v=${!v}")
	done
	tmux -L "$SOCK" -f /dev/null new-session -d -s redock \
	    -x "$COLS" -y "$ROWS" env -i "${envs[@]}" \
	    bash --norc --noprofile
	PANE_SID=$(tmux -L "$SOCK" display-message -p -t redock '#{pane_pid}')
	PANE_TTY=$(tmux -L "$SOCK" display-message -p -t redock '#{pane_tty}')
	wait_line 'local$'
}

# Types $1, then Enter, into the pane.
type_line() {
	tmux -L "$SOCK" send-keys -t redock -l -- "$1"
	tmux -L "$SOCK" send-keys -t redock Enter
}

# Waits until file $1 exists (20 s, or $2).
wait_file() {
	local end=$((SECONDS + ${2:-20}))

	while :; do
		[ -e "$1" ] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "no file $1 after ${2:-20} s" >&2
	show_pane
	return 1
}

# Waits until the pane's terminal has size $1 ("ROWS COLS"), as tmux
# set it with TIOCSWINSZ (which is what sends SIGWINCH).
wait_tty_size() {
	local end=$((SECONDS + 20))

	while :; do
		[ "$(stty -F "$PANE_TTY" size)" = "$1" ] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "the pane's terminal is $(stty -F "$PANE_TTY" size), not $1" >&2
	return 1
}

# Waits until run LABEL ($1) of rd-run ends (20 s, or $3) and asserts
# that it ended as $2 says: "exit N" or "signal N".
assert_end() {
	wait_file "$D/$1.rc" "${3:-20}"
	local how
	how=$(cat "$D/$1.how")
	if [ "$how" != "$2" ]; then
		echo "redock ($1) ended with $how, not $2" >&2
		show_pane
		return 1
	fi
}

# Asserts that run LABEL ($1) of rd-run ends (20 s, or $3) with exit
# status $2, by exit (not by a signal).
assert_exit() {
	assert_end "$1" "exit $2" "${3:-20}"
	[ "$(cat "$D/$1.rc")" = "$2" ]
}

# Asserts that run LABEL ($1) of rd-run ends with death by signal $2
# (a name): exit status 128+N in a shell.
assert_killed() {
	local n
	n=$(kill -l "$2")
	assert_end "$1" "signal $n"
	[ "$(cat "$D/$1.rc")" = "$((128 + n))" ]
}

# Asserts that run LABEL of rd-run left the terminal as it found it.
assert_tty_restored() {
	[ -s "$D/$1.before" ]
	if ! cmp -s "$D/$1.before" "$D/$1.after"; then
		echo "stty -a before and after redock ($1) differ:" >&2
		diff "$D/$1.before" "$D/$1.after" >&2
		return 1
	fi
}

# Asserts that the pane's terminal is raw now: no echo, no line
# editing, no signals from keys, no output processing.
assert_tty_raw() {
	local settings
	settings=$(stty -F "$PANE_TTY" -a)
	for flag in -icanon -echo -isig -iexten -opost -icrnl -ixon; do
		[[ " ${settings//$'\n'/ } " == *" $flag "* ]] || {
			echo "the pane's terminal is not raw: no '$flag' in" >&2
			printf '%s\n' "$settings" >&2
			return 1
		}
	done
}

# Asserts that the pane's terminal is not raw now: the settings that the
# local shell's line editor keeps (it turns off icanon and echo itself)
# and that raw mode turns off.
assert_tty_not_raw() {
	local settings
	settings=$(stty -F "$PANE_TTY" -a)
	for flag in isig opost ixon; do
		[[ " ${settings//$'\n'/ } " == *" $flag "* ]] || {
			echo "the pane's terminal is still raw: no '$flag' in" >&2
			printf '%s\n' "$settings" >&2
			return 1
		}
	done
}

# Starts container TAG $1 outside the pane.
start_container() {
	run --separate-stderr "$REDOCK" start --no-shell "$1"
	if [ "$status" -ne 0 ]; then
		echo "redock start --no-shell $1: status $status: $stderr" >&2
		return 1
	fi
	[ "$output" = "started '$USER:$1' from redock:base: ssh $1-container" ]
}

# Waits until the shell in container TAG $1 answers: the output of an
# arithmetic expansion that the typed line does not show, so only a
# shell can have printed it, and the host name, so only the remote one.
# $2 makes the line unique in the pane.
wait_remote() {
	type_line "echo \"$2-\$((40+2))-\$(hostname)\""
	wait_line "$2-42-$1"
}

# Waits until container TAG $1 runs a process called $2 or, with a
# third argument, until it runs none.
wait_remote_process() {
	local end=$((SECONDS + 20)) want=0 rc

	[ $# -eq 2 ] || want=1
	while :; do
		rc=0
		docker exec "$(ename $1-container)" pgrep -x "$2" >/dev/null || rc=$?
		[ "$rc" -eq "$want" ] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "process '$2' in $1-container: still not ${3:-there} after 20 s" >&2
	show_pane
	return 1
}

# Opens "redock shell TAG" in the pane as rd-run run LABEL and waits
# until the remote shell answers.
open_shell() {
	type_line "rd-run $2 shell $1"
	wait_remote "$1" "ready-$2"
}

# redock dies of signal $1 sent from outside while "redock shell" runs,
# and leaves the terminal as it found it.
signal_test() {
	local sig=$1 tag=$2 pid

	start_container "$tag"
	start_pane
	open_shell "$tag" sig
	assert_tty_raw
	wait_file "$D/sig.pid"
	pid=$(cat "$D/sig.pid")
	# Still redock (exec'd by rd-run), and still running.
	[ "$(cat "/proc/$pid/comm")" = redock ]
	kill -"$sig" "$pid"
	assert_killed sig "$sig"
	assert_tty_restored sig
	assert_tty_not_raw
	# Back at the local prompt: a shell there answers.
	type_line 'echo "local-$((1+1))"'
	wait_line local-2
}

@test "the harness sees a terminal left raw by a process killed by a signal" {
	# What the signal tests rely on: a command that leaves the terminal
	# raw when it dies of a signal is seen as such by rd-run.
	start_pane
	type_line "RD_RUN_COMMAND=bash rd-run bad -c 'stty raw -echo; kill -TERM \$\$'"
	assert_killed bad TERM
	run cmp -s "$D/bad.before" "$D/bad.after"
	[ "$status" -eq 1 ]
}

@test "shell: a typed command runs in the container, whose host name is its TAG" {
	start_container sshell1
	start_pane
	type_line 'rd-run s1 shell sshell1'
	# $((6*7)) is 42 only once a shell has evaluated it.
	type_line 'echo marker-$((6*7))'
	wait_line marker-42
	type_line hostname
	wait_line sshell1
	# The container's file system, not the local one.
	type_line 'echo "cid-$(cat /etc/hostname)-$(test -e /.dockerenv && echo docker)"'
	wait_line cid-sshell1-docker
	type_line exit
	assert_exit s1 0
	assert_tty_restored s1
}

@test "shell: the remote terminal has the local size, and follows resizes" {
	start_container sshell2
	start_pane
	open_shell sshell2 s2
	type_line 'echo "size1=$(stty size)"'
	wait_line "size1=$ROWS $COLS"

	tmux -L "$SOCK" resize-window -t redock -x 120 -y 40
	wait_tty_size "40 120"
	type_line 'echo "size2=$(stty size)"'
	wait_line "size2=40 120"
	# The remote shell's own idea of it (bash takes SIGWINCH too).
	type_line 'echo "cols=$(tput cols) lines=$(tput lines)"'
	wait_line "cols=120 lines=40"

	tmux -L "$SOCK" resize-window -t redock -x "$COLS" -y "$ROWS"
	wait_tty_size "$ROWS $COLS"
	type_line 'echo "size3=$(stty size)"'
	wait_line "size3=$ROWS $COLS"
	type_line exit
	assert_exit s2 0
	assert_tty_restored s2
}

@test "shell: exit 3 makes redock exit 3, with the terminal raw meanwhile and as it was after" {
	start_container sshell3
	start_pane
	open_shell sshell3 s3
	# Raw here: every key goes to the remote terminal as it is typed,
	# ^C too, which interrupts the remote command, not redock.
	assert_tty_raw
	type_line 'sleep 60'
	wait_remote_process sshell3 sleep
	tmux -L "$SOCK" send-keys -t redock C-c
	wait_remote_process sshell3 sleep gone
	type_line 'echo "alive-$((2+2))"'
	wait_line alive-4
	[ ! -e "$D/s3.rc" ]
	type_line 'exit 3'
	assert_exit s3 3
	assert_tty_restored s3
	assert_tty_not_raw
}

@test "shell: a remote shell killed by signal 9 makes redock exit 137, the terminal as it was" {
	start_container sshell4
	start_pane
	open_shell sshell4 s4
	type_line 'kill -KILL $$'
	assert_exit s4 137
	assert_tty_restored s4
	assert_tty_not_raw
}

@test "shell: SIGTERM from outside makes redock die of it (143), the terminal as it was" {
	signal_test TERM sshell5
}

@test "shell: SIGHUP from outside makes redock die of it (129), the terminal as it was" {
	signal_test HUP sshell6
}

@test "shell: SIGINT from outside makes redock die of it (130), the terminal as it was" {
	signal_test INT sshell7
}

@test "shell: SIGQUIT from outside makes redock die of it (131), the terminal as it was" {
	signal_test QUIT sshell7q
}

@test "shell: TERM, LANG and LC_* go to the remote shell" {
	start_container sshell8
	start_pane screen-256color C.UTF-8
	type_line 'export LC_TIME=C.UTF-8'
	open_shell sshell8 s8
	type_line 'echo "env=$TERM $LANG $LC_TIME"'
	wait_line "env=screen-256color C.UTF-8 C.UTF-8"
	type_line exit
	assert_exit s8 0
}

@test "shell: another TERM is passed as it is" {
	start_container sshell9
	start_pane xterm-256color C.UTF-8
	open_shell sshell9 s9
	type_line 'echo "term=$TERM"'
	wait_line "term=xterm-256color"
	type_line exit
	assert_exit s9 0
}

@test "start on a terminal opens the shell; start --no-shell does not" {
	run docker container inspect "$(ename sshell10-container)"
	[ "$status" -ne 0 ]
	start_pane
	type_line 'rd-run s10 start sshell10'
	wait_line "started '$USER:sshell10' from redock:base: ssh sshell10-container" 60
	wait_remote sshell10 ready-s10
	type_line hostname
	wait_line sshell10
	# Raw while the shell runs, as with redock shell.
	assert_tty_raw
	type_line 'exit 4'
	assert_exit s10 4
	assert_tty_restored s10

	type_line 'rd-run s10b start --no-shell sshell10b'
	assert_exit s10b 0 60
	wait_line "started '$USER:sshell10b' from redock:base: ssh sshell10b-container"
	assert_tty_restored s10b
	# Back at the local prompt, not in sshell10b.
	type_line 'echo "host-$(hostname)"'
	wait_line "host-$(hostname)"
	run docker container inspect -f '{{.State.Running}}' "$(ename sshell10b-container)"
	[ "$status" -eq 0 ]
	[ "$output" = true ]
}

@test "start with stdin a terminal but stdout not opens no shell" {
	start_pane
	type_line 'rd-run s11 start sshell11 | cat'
	assert_exit s11 0 60
	wait_line "started '$USER:sshell11' from redock:base: ssh sshell11-container"
	type_line 'echo "host-$(hostname)"'
	wait_line "host-$(hostname)"
}

@test "start off a terminal prints its line and returns without a shell" {
	run --separate-stderr timeout 120 "$REDOCK" start sshell12 </dev/null
	if [ "$status" -ne 0 ]; then
		echo "status $status, stderr: $stderr" >&2
		return 1
	fi
	[ "$output" = "started '$USER:sshell12' from redock:base: ssh sshell12-container" ]
	[ -z "$stderr" ]
	run docker container inspect -f '{{.State.Running}}' "$(ename sshell12-container)"
	[ "$output" = true ]
}
