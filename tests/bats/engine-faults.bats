#!/usr/bin/env bats
# Every command against an engine that answers one of its calls with an
# error or with garbage (tests/fake-engine --fail): exit status 1, one
# line on stderr that says what went wrong, no hang, and nothing
# half-done: ~/.ssh as it was, redock's home as it was but for keys that
# start makes ahead, and the engine's containers and images as they were.
#
# The fake engine holds a redock machine of this test's USER as dockerd
# would (tests/fake-engine, "Objects"), so that each command gets past
# its lookups to the call that fails: the first one (the ping), the list,
# and each later call in turn. Nothing here needs the real engine.

load helper

# Answers that fail whatever the call: an HTTP 500 with a JSON message
# and with a text body, a body cut short, the connection closed without
# an answer, and something that is not HTTP.
CONN="boom plain500 truncated close nothttp"
# For a call whose answer redock reads, also: 200 with malformed JSON
# and 200 with JSON of the wrong type.
BODY="$CONN garbage wrongtype"

setup() {
	redock_setup
	SOCK=$BATS_TEST_TMPDIR/fake.sock
	FAKE=unix://$SOCK
	OBJECTS=$BATS_TEST_TMPDIR/objects.json
	CONF=$HOME/.ssh/config
	# A start that gets as far as waiting for sshd must not wait long.
	export REDOCK_START_TIMEOUT=5
	unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
	WEB_ID=$(container_id web-container)
	FAILURES=()
	RUNS=0
}

teardown() {
	fake_stop
	redock_teardown
}

# The ID the fake engine gives the container called $1.
container_id() {
	printf 'container %s' "$1" | sha256sum | cut -d' ' -f1
}

# The objects of the fake engine: $USER:web running (its image committed
# before), $USER:db stopped, the image $USER:saved without a container,
# an old redock:base and its parent; then the JSON objects given.
write_objects() {
	local extra=${1:-}

	cat >"$OBJECTS" <<-EOF
	{"containers": [
	  {"name": "web-container", "image": "$USER:web", "state": "running",
	   "port": "banner", "labels": {"io.redock.name": "$USER:web",
	   "io.redock.alias": "web-container", "io.redock.version": "0.1.0"}},
	  {"name": "db-container", "image": "debian:bookworm-slim",
	   "state": "exited", "port": "banner", "labels": {
	   "io.redock.name": "$USER:db", "io.redock.alias": "db-container",
	   "io.redock.version": "0.1.0"}}${extra:+,
	  $extra}
	 ],
	 "images": [
	  {"tags": ["$USER:web"], "labels": {"io.redock.name": "$USER:web"}},
	  {"tags": ["$USER:saved"], "labels": {"io.redock.name": "$USER:saved"}},
	  {"tags": ["redock:base"], "labels": {
	   "io.redock.base.parent": "debian:bookworm-slim"}},
	  {"tags": ["debian:bookworm-slim"]}
	 ]}
	EOF
}

# Starts the fake engine on $SOCK with the objects of write_objects and
# an SSH greeter for its running containers.
fake_start() {
	[ -f "$OBJECTS" ] || write_objects
	coproc FAKE_PROC { exec "$TOP/tests/fake-engine" "$SOCK" \
	    --objects "$OBJECTS" --ssh-banner \
	    --log "$BATS_TEST_TMPDIR/fake.log" </dev/null; }
	read -r -t 10 ready <&"${FAKE_PROC[0]}" || true
	if [ "$ready" != ready ]; then
		echo "tests/fake-engine did not start" >&2
		return 1
	fi
}

fake_stop() {
	if [ -n "${FAKE_PROC_PID:-}" ]; then
		kill "$FAKE_PROC_PID" 2>/dev/null || true
		wait "$FAKE_PROC_PID" 2>/dev/null || true
	fi
	unset FAKE_PROC_PID
}

fake() {
	curl -sS --max-time 5 --unix-socket "$SOCK" "$@"
}

# The objects back as they were, and these --fail rules (one a line).
fake_reset() {
	[ "$(fake -X POST --data-binary "${1:-}" http://fake/_fake/reset)" = ok ]
}

# Prints "fired N...", "containers ..." and "images ..." (tests/fake-engine).
fake_state() {
	fake http://fake/_fake/state
}

# Everything in redock's home but its locks, one line each: type, mode
# and path; and for each file its SHA-1 and path.
home_snapshot() {
	(cd "$REDOCK_HOME" && {
		find . ! -name .lock -printf '%y %m %p\n'
		find . -type f ! -name .lock -exec sha1sum {} +
	} | LC_ALL=C sort)
}

# ~/.ssh and redock's home in two processes, where snapshot and
# home_snapshot take dozens: the same when nothing changed there (the
# order of a directory aside), to see at once that they are as they were.
fingerprint() {
	find "$HOME/.ssh" "$REDOCK_HOME" ! -name .lock -printf '%y %m %p\n' \
	    -type f -exec sha1sum {} +
}

# What start may add to redock's home: the client key pair, a host key
# pair and the known_hosts line that pins it; and base its build's log.
HOME_MADE='^(. [0-7]+|[0-9a-f]{40} ) \./(id_ed25519(\.pub)?|known_hosts|base-build\.log|hosts(/[a-z0-9][a-z0-9-]*(/ssh_host_ed25519_key(\.pub)?)?)?)$'

# Makes the state every fault starts from: a user's own ~/.ssh/config,
# then "redock start web" through the healthy fake engine, which writes
# redock's keys and web's alias. Records it, and a copy to go back to.
baseline() {
	fake_start
	mkdir -p -m 0700 "$HOME/.ssh"
	printf '%s\n' '# my own settings' 'Host mine' '	HostName example.org' \
	    >"$CONF"
	run --separate-stderr "$REDOCK" -H "$FAKE" start --no-shell web
	if [ "$status" -ne 0 ] || [ ! -f "$CONF.d/10-redock-web-container" ]
	then
		echo "the healthy start of web failed ($status): $stderr" >&2
		return 1
	fi
	fake_reset
	SSH_BASE=$(snapshot)
	HOME_BASE=$(home_snapshot)
	FINGERPRINT=$(fingerprint)
	ENGINE_BASE=$(fake_state)
	ENGINE_BASE=${ENGINE_BASE#*$'\n'}
	cp -a "$HOME/.ssh" "$BATS_TEST_TMPDIR/ssh.base"
	cp -a "$REDOCK_HOME" "$BATS_TEST_TMPDIR/home.base"
}

# Puts ~/.ssh and redock's home back as baseline left them.
restore() {
	rm -rf "$HOME/.ssh" "$REDOCK_HOME"
	cp -a "$BATS_TEST_TMPDIR/ssh.base" "$HOME/.ssh"
	cp -a "$BATS_TEST_TMPDIR/home.base" "$REDOCK_HOME"
	FINGERPRINT=$(fingerprint)
}

# What redock's home gained or lost against baseline, beyond HOME_MADE;
# known_hosts may only gain lines.
home_changes() {
	local now

	now=$(home_snapshot)
	[ "$now" = "$HOME_BASE" ] && return 0
	comm -13 <(printf '%s\n' "$HOME_BASE") <(printf '%s\n' "$now") |
	    grep -Ev "$HOME_MADE" | sed 's/^/added /'
	comm -23 <(printf '%s\n' "$HOME_BASE") <(printf '%s\n' "$now") |
	    grep -Ev ' \./known_hosts$' | sed 's/^/lost /'
	grep -Fxvf "$REDOCK_HOME/known_hosts" \
	    "$BATS_TEST_TMPDIR/home.base/known_hosts" | sed 's/^/unpinned /'
	return 0
}

# Runs "redock -H FAKE ARGS..." with the --fail rule $RULE and checks the
# contract; $EXPECT says what must come of it:
#   fail    exit status 1, one line on stderr, nothing on stdout,
#           nothing changed
#   killed  the same, but the container of web is gone, and its alias
#           (delete: the image stayed, its container did not)
#   ok      exit status 0 and no "redock: ..." line on stderr: a call
#           whose failure the command does without
#   any     exit status 0 and nothing on stderr, or 1 and one line; the
#           engine may change
#   any+ssh the same, and ~/.ssh may change (sync follows the answer),
#           but ssh must still read it
# A violation is added to FAILURES, naming the command and the fault.
fault_run() {
	local what="redock $* with --fail '$RULE'" problems=() mode=${RULE##*=}
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	local status stderr lines state fired engine now changes want

	mode=${mode%@*}
	RUNS=$((RUNS + 1))
	if ! fake_reset "$RULE"; then
		FAILURES+=("$what: the fake engine did not take the rule")
		return
	fi
	# Not "run": bats's own takes longer than redock does here.
	status=0
	timeout 20 "$REDOCK" -H "$FAKE" "$@" </dev/null >"$out" 2>"$err" ||
	    status=$?
	mapfile -t lines <"$err"
	stderr=$(<"$err")
	if [ "$EXPECT" = ok ]; then
		[ "$status" -eq 0 ] || problems+=("exit status $status, not 0")
		# The build's own lines are no complaint of redock's.
		[[ $'\n'$stderr != *$'\n'redock:* ]] ||
		    problems+=("a complaint on stderr")
	elif [[ $EXPECT == any* ]]; then
		[[ $status == [01] ]] || problems+=("exit status $status")
		[ "${#lines[@]}" -le "$status" ] ||
		    problems+=("${#lines[@]} lines on stderr")
		[[ $status == 0 || $stderr == "redock: "* ]] ||
		    problems+=("the line is not 'redock: ...'")
	else
		case $status in
		1) ;;
		124) problems+=("it hung (killed after 20 s)") ;;
		*) problems+=("exit status $status, not 1") ;;
		esac
		if [ "${#lines[@]}" -ne 1 ] || [ -z "$stderr" ]; then
			problems+=("${#lines[@]} lines on stderr, not one")
		elif [[ $stderr != "redock: "* ]]; then
			problems+=("the line is not 'redock: ...'")
		fi
		[ "$EXPECT" = killed ] || [ ! -s "$out" ] ||
		    problems+=("output on stdout: $(head -c 200 "$out")")
		# The line says what happened: the engine's own words, or
		# what was wrong with its answer and where it came from.
		case $mode in
		boom) want="something broke inside the fake engine" ;;
		plain500) want="not json at all" ;;
		garbage|wrongtype) want="unexpected answer from the engine at $FAKE to " ;;
		truncated|close) want="the engine at $FAKE closed the connection during " ;;
		nothttp) want="the engine at $FAKE answered * with something that is not HTTP" ;;
		buildfail) want="cannot build 'redock:base' from 'debian:bookworm-slim': step 2/2 failed with exit status 1" ;;
		buildcut) want="the engine at $FAKE closed the connection during POST /build" ;;
		buildgarbage) want="unexpected answer from the engine at $FAKE to POST /build" ;;
		huge) want="the engine at $FAKE sent more than 64 MiB for " ;;
		badchunk) want="the engine at $FAKE " ;;
		notfound) want="No such container: notfound" ;;
		empty404) want="with HTTP status 404" ;;
		conflict) want="cannot start '$USER:fresh': " ;;
		esac
		# shellcheck disable=SC2053
		[[ $stderr == *$want* ]] || problems+=("the line lacks \"$want\"")
		# The engine's words alone do not say what failed.
		[[ $stderr == *"cannot "* || $stderr == *"engine at $FAKE"* ]] ||
		    problems+=("the line says neither what failed nor where")
	fi

	state=$(fake_state)
	fired=${state%%$'\n'*}
	fired=${fired#fired }
	[ "${fired:-0}" -ge 1 ] 2>/dev/null ||
	    problems+=("the fault never fired: the test is wrong")
	engine=${state#*$'\n'}
	case $EXPECT in
	fail)
		[ "$engine" = "$ENGINE_BASE" ] ||
		    problems+=("the engine changed: ${engine//$'\n'/ }")
		;;
	killed)
		[ "$engine" = "${ENGINE_BASE/ web-container:running/}" ] ||
		    problems+=("the engine is not as a kill of web leaves it: ${engine//$'\n'/ }")
		;;
	esac

	if [[ $EXPECT == any+ssh ]]; then
		ssh -G -F "$CONF" mine >/dev/null 2>&1 ||
		    problems+=("ssh -G cannot parse ~/.ssh/config")
	fi
	if [ "$EXPECT" = killed ]; then
		if [ -e "$CONF.d/10-redock-web-container" ] ||
		    grep -q web-container "$CONF"; then
			problems+=("web's alias is still in ~/.ssh")
		fi
		ssh -G -F "$CONF" mine >/dev/null 2>&1 ||
		    problems+=("ssh -G cannot parse ~/.ssh/config")
	fi
	if [ "$(fingerprint)" != "$FINGERPRINT" ]; then
		now=$(snapshot)
		if [[ $EXPECT != killed && $EXPECT != any+ssh &&
		    $now != "$SSH_BASE" ]]; then
			problems+=("~/.ssh changed: $(diff <(printf '%s\n' \
			    "$SSH_BASE") <(printf '%s\n' "$now") | grep '^[<>]' |
			    tr '\n' ' ')")
		fi
		changes=$(home_changes)
		[ -z "$changes" ] ||
		    problems+=("redock's home changed: ${changes//$'\n'/ }")
		restore
	fi

	[ -z "${FAULTS_LOG:-}" ] || printf '%s => %s: %s\n' "$what" "$status" \
	    "$stderr" >>"$FAULTS_LOG"
	if [ "${#problems[@]}" -gt 0 ]; then
		FAILURES+=("$what: $(IFS=';'; echo "${problems[*]}"); stderr: $(
		    printf '%q' "$stderr")")
	fi
}

# Runs the rows on stdin, "EXPECT|ARGS|METHOD REGEX|N|MODES": for each
# mode of MODES (a list, where CONN and BODY stand for theirs),
# fault_run with the rule "METHOD REGEX=MODE@N+" (the Nth matching call
# and every later one, for libcurl tries a call again once when a kept
# connection closes; N empty: every one). Then fails with every
# violation found, one a line.
fault_table() {
	local rows row args call nth modes mode

	mapfile -t rows
	for row in "${rows[@]}"; do
		[[ -z $row || $row == "#"* ]] && continue
		IFS='|' read -r EXPECT args call nth modes <<<"$row"
		modes=${modes//BODY/$BODY}
		modes=${modes//CONN/$CONN}
		for mode in $modes; do
			RULE="$call=$mode${nth:+@$nth+}"
			# shellcheck disable=SC2086
			fault_run $args
		done
	done
	echo "# $RUNS (command, fault) runs" >&3
	if [ "${#FAILURES[@]}" -gt 0 ]; then
		printf '%s\n' "${#FAILURES[@]} of $RUNS runs broke the contract:" \
		    "${FAILURES[@]}" >&2
		return 1
	fi
}

@test "the fake engine's machine gets every command to its end" {
	baseline
	# exec gets as far as the SSH greeting, which is all the fake has.
	run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" exec web true
	[ "$status" -eq 1 ]
	[[ $stderr == "redock: cannot reach '$USER:web': "* ]]
	# These must succeed, or the faults below would stop short of the
	# calls they are meant for.
	for args in "list" "list --json" "sync" "ssh-config web" \
	    "start --no-shell web" "start --no-shell db" "commit web" \
	    "start --no-shell fresh" "kill fresh" "delete saved" \
	    "kill db" "delete web" "-q base" "base --rm"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" $args
		if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
			echo "redock $args: exit status $status: $stderr" >&2
			return 1
		fi
		case $args in
		list) [[ $output == *"$USER:web "*running*web-container* ]] ;;
		"ssh-config web") [[ $output == *"Host web-container"* ]] ;;
		"start --no-shell fresh")
			[[ $output == *"started '$USER:fresh' from redock:base"* ]]
			;;
		"delete web") [[ $output == *"deleted image '$USER:web'"* ]] ;;
		esac
	done
}

@test "list, sync, ssh-config and exec: a failing engine gives one line and exit 1" {
	baseline
	fault_table <<-EOF
	fail|list|GET ^/_ping||CONN notfound empty404
	fail|list|GET ^/containers/json||BODY huge badchunk
	fail|list|GET ^/images/json||BODY huge badchunk
	fail|list --json|GET ^/_ping||CONN
	fail|list --json|GET ^/containers/json||BODY
	fail|list --json|GET ^/images/json||BODY
	fail|sync|GET ^/_ping||CONN
	fail|sync|GET ^/containers/json||BODY
	fail|ssh-config web|GET ^/_ping||CONN
	fail|ssh-config web|GET ^/containers/json||BODY
	fail|exec web true|GET ^/_ping||CONN
	fail|exec web true|GET ^/containers/json||BODY
	EOF
}

@test "start: a failing engine at any of its calls gives one line, exit 1, and removes what it made" {
	baseline
	# web runs: its start puts the keys in and asks for its port, on
	# the command's own connection (one NAME: one ping). db is stopped: its start
	# starts it. Both were made by an earlier redock (no open stdin):
	# their keys are uploaded. fresh has no container and no image: its
	# start makes one from redock:base, whose boot step takes the keys
	# through an attach (refused too), and must remove it again when a
	# later call fails.
	fault_table <<-EOF
	fail|start --no-shell web|GET ^/_ping|1|CONN
	fail|start --no-shell web|GET ^/containers/json||BODY
	fail|start --no-shell web|PUT ^/containers/$WEB_ID/archive||CONN
	fail|start --no-shell web|GET ^/containers/$WEB_ID/json||BODY
	fail|start --no-shell db|PUT /archive||CONN
	fail|start --no-shell db|POST ^/containers/[0-9a-f]+/start||CONN
	fail|start --no-shell fresh|GET ^/images/$USER%3Afresh/json||BODY
	fail|start --no-shell fresh|GET ^/images/redock%3Abase/json||BODY
	fail|start --no-shell fresh|POST ^/containers/create||BODY conflict
	fail|start --no-shell fresh|POST ^/containers/[0-9a-f]+/attach||CONN
	fail|start --no-shell fresh|POST ^/containers/[0-9a-f]+/start||CONN
	fail|start --no-shell fresh|GET ^/containers/[0-9a-f]+/json||BODY
	EOF
}

@test "commit, kill and delete: a failing engine at any of their calls gives one line and exit 1" {
	baseline
	# delete web removes web's container first (a kill), then its
	# image: when only the image stays, web's alias goes with its
	# container, and the line says why the image stayed.
	fault_table <<-EOF
	fail|commit web|GET ^/_ping||CONN
	fail|commit web|GET ^/containers/json||BODY
	fail|commit web|POST ^/commit||BODY
	fail|kill web|GET ^/_ping||CONN
	fail|kill web|GET ^/containers/json||BODY
	fail|kill web|DELETE ^/containers/$WEB_ID||CONN
	fail|delete web|GET ^/_ping||CONN
	fail|delete web|GET ^/containers/json||BODY
	fail|delete web|GET ^/images/$USER%3Aweb/json||BODY
	fail|delete web|DELETE ^/containers/$WEB_ID||CONN
	killed|delete web|DELETE ^/images/$USER%3Aweb||CONN
	fail|delete saved|DELETE ^/images/$USER%3Asaved||CONN
	EOF
}

@test "base: a failing engine at any of its calls gives one line and exit 1" {
	# The fake's redock:base is not this redock's, so base builds it
	# again: it asks for redock:base, its parent, redock:base again,
	# then builds. What comes after the build (removing the old image,
	# asking for the new one's size) may fail without harm. A build
	# that fails, breaks off or sends garbage midway is tried with -q:
	# without it the build's own lines go to stderr as well (base.bats).
	baseline
	fault_table <<-EOF
	fail|base|GET ^/_ping||CONN
	fail|base|GET ^/images/redock%3Abase/json|1|BODY
	fail|base|GET ^/images/debian%3Abookworm-slim/json||BODY
	fail|base|GET ^/images/redock%3Abase/json|2|BODY
	fail|base|POST ^/build||BODY
	ok|base|GET ^/images/sha256%3A||BODY
	ok|base|DELETE ^/images/sha256%3A||CONN
	ok|base|GET ^/images/redock%3Abase/json|3|BODY
	fail|base --rm|GET ^/_ping||CONN
	fail|base --rm|DELETE ^/images/redock%3Abase||CONN
	fail|-q base|POST ^/build||buildfail buildcut buildgarbage
	EOF
}

@test "answers of the right type with members of the wrong types: no crash, one line at most" {
	baseline
	# Every call whose answer redock reads: a container or an image,
	# or a list of them, whose Id is good and nothing else is.
	fault_table <<-EOF
	any|list|GET /json||oddshape
	any|list --json|GET ^/images/json||oddshape
	any+ssh|sync|GET ^/containers/json||oddshape
	any|ssh-config web|GET ^/containers/json||oddshape
	any|exec web true|GET ^/containers/json||oddshape
	any|start --no-shell web|GET ^/containers/json||oddshape
	any|start --no-shell web|GET ^/containers/$WEB_ID/json||oddshape
	any|start --no-shell fresh|GET ^/images/||oddshape
	any|start --no-shell fresh|GET ^/containers/[0-9a-f]+/json||oddshape
	any|commit web|GET ^/containers/json||oddshape
	any|kill web|GET ^/containers/json||oddshape
	any|delete web|GET /json||oddshape
	any|delete saved|GET ^/images/$USER%3Asaved/json||oddshape
	any|-q base|GET ^/images/||oddshape
	EOF
}

@test "a label with a newline or a port that is not one never reaches ~/.ssh/config (sync, start)" {
	write_objects "$(cat <<-EOF
	{"name": "evil-container", "state": "running", "port": "banner",
	   "labels": {"io.redock.name": "$USER:evil", "io.redock.alias":
	   "evil-container\n\tProxyCommand touch $BATS_TEST_TMPDIR/pwned"}},
	  {"name": "nl-container", "state": "running", "port":
	   "2222\n\tProxyCommand touch $BATS_TEST_TMPDIR/pwned", "labels": {
	   "io.redock.name": "$USER:nl", "io.redock.alias": "nl-container"}},
	  {"name": "big-container", "state": "running", "port": 99999,
	   "labels": {"io.redock.name": "$USER:big",
	   "io.redock.alias": "big-container"}},
	  {"name": "text-container", "state": "running", "port": "22 x",
	   "labels": {"io.redock.name": "$USER:text",
	   "io.redock.alias": "text-container"}}
	EOF
	)"
	baseline

	# start: each is refused in one line. Those with a good alias get
	# their host key first, so that sync below would write their alias
	# if it took their port.
	for name in evil nl big text; do
		run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" start \
		    --no-shell "$name" </dev/null
		[ "$status" -eq 1 ]
		assert_one_line_stderr
		[[ $stderr == "redock: cannot start '$USER:$name': "* ]]
		[ "$(snapshot)" = "$SSH_BASE" ]
	done
	[ -f "$REDOCK_HOME/hosts/nl-container/ssh_host_ed25519_key" ]

	run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" sync
	[ "$status" -eq 0 ]
	# One line for the bad alias, escaped: no line of the label's own.
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "redock: skipped '$USER:evil': its container has a bad io.redock.alias label"* ]]
	[ -z "$output" ]
	[ "$(snapshot)" = "$SSH_BASE" ]

	run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 8 ]	# the header, 6 containers, saved

	run ssh -G -F "$CONF" web-container
	[ "$status" -eq 0 ]
	run ssh -G -F "$CONF" mine
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	refute_in_config ProxyCommand "2222" "99999" "evil" "nl-container" \
	    "big-container" "text-container"

	# The same container with a port that is one does get its alias:
	# the checks above were not vacuous.
	fake_stop
	sed -i 's/"port": 99999/"port": "banner"/' "$OBJECTS"
	fake_start
	run --separate-stderr timeout 20 "$REDOCK" -H "$FAKE" sync
	[ "$status" -eq 0 ]
	[[ $output == *"added big-container ('$USER:big', port "* ]]
	grep -q '^Host big-container$' "$CONF"
}

# Fails when ~/.ssh/config holds any of the arguments.
refute_in_config() {
	local s

	for s in "$@"; do
		if grep -qF -- "$s" "$CONF"; then
			echo "~/.ssh/config holds '$s':" >&2
			cat "$CONF" >&2
			return 1
		fi
	done
}
