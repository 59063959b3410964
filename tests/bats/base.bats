#!/usr/bin/env bats
# redock base: redock:base built through the engine from the files of
# base-image/ compiled into redock, on this machine's offline parent.

load helper
# It replaces redock:base, which every other file's containers are made
# from: no other run is in a file meanwhile (helper.bash, file_lock).
FILE_LOCK=alone

digest_of() {
	docker image inspect -f '{{index .Config.Labels "io.redock.base.digest"}}' "$1"
}

id_of() {
	docker image inspect -f '{{.Id}}' "$1"
}

# What this run's label marks in the engine, dangling images too: a
# build from a parent with the label leaves any trace there. Not the
# whole engine: other runs may start and stop containers meanwhile.
run_objects() {
	{
		docker images -a -q --no-trunc --filter "label=$TEST_LABEL"
		docker ps -a -q --no-trunc --filter "label=$TEST_LABEL"
	} | LC_ALL=C sort
}

# Makes redock:base look as if built from other files: a child image
# with another digest label takes the name. Prints the child's ID.
make_stale() {
	printf 'FROM redock:base\nLABEL io.redock.base.digest=sha256:stale\n' |
	    docker build -q -t redock:base - >/dev/null
	id_of redock:base
}

@test "redock base builds redock:base offline; without a terminal one line a step, all of it in a log" {
	require_engine
	log=$REDOCK_HOME/base-build.log
	mkdir -p -m 0700 "$REDOCK_HOME"
	echo "an earlier build" >"$log"
	chmod 0644 "$log"
	run --separate-stderr redock base --rebuild
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "built redock:base from debian:bookworm-slim in "*" s ("*" MB)" ]]
	# Not a terminal: the steps, 1/N to N/N, and nothing else.
	n=${#stderr_lines[@]}
	[ "$n" -ge 5 ]
	for i in $(seq "$n"); do
		[[ ${stderr_lines[i - 1]} == "Step $i/$n : "* ]] ||
		    { echo "line $i: ${stderr_lines[i - 1]}" >&2; return 1; }
	done
	[[ $stderr == *"Step 2/$n : FROM"* ]]
	[[ $stderr != *$'\r'* ]]
	[[ $stderr != *$'\e'* ]]
	# The log has every line of this build alone, and is redock's.
	[ "$(stat -c %a "$log")" = 600 ]
	[ "$(grep -c '^Step ' "$log")" = "$n" ]
	grep -q "^Setting up openssh-server" "$log"
	grep -qx "Successfully tagged redock:base" "$log"
	! grep -q "an earlier build" "$log"
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
	run docker image inspect -f \
	    '{{index .Config.Labels "io.redock.base.parent"}} {{index .Config.Labels "io.redock.version"}}' \
	    redock:base
	[ "$output" = "debian:bookworm-slim $("$REDOCK" --version | cut -d' ' -f2)" ]
}

@test "redock:base holds sshd set for keys only and quiet, and no apt lists, docs, recommends or host keys" {
	require_engine
	redock -q base
	run docker run --rm --label "$TEST_LABEL" redock:base sh -c '
	    ls /var/lib/apt/lists | wc -l
	    ls /etc/ssh | grep -c host_ || true
	    dpkg -s xauth >/dev/null 2>&1 && echo xauth || echo no-xauth
	    find /usr/share/doc /usr/share/man /usr/share/info -type f \
	        ! -name copyright ! -path /usr/share/info/dir | wc -l
	    ssh-keygen -q -t ed25519 -N "" -f /tmp/k && sshd -T -h /tmp/k'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = no-xauth ]
	[ "${lines[3]}" = 0 ]
	for want in "passwordauthentication no" "kbdinteractiveauthentication no" \
	    "permitrootlogin without-password" "authenticationmethods publickey" \
	    "permitemptypasswords no" "usedns no" "acceptenv LANG" "acceptenv LC_*" \
	    "printmotd no" "printlastlog no" "hostkey /tmp/k"; do
		printf '%s\n' "${lines[@]}" | grep -qxF "$want" ||
		    { echo "sshd -T lacks '$want'" >&2; return 1; }
	done
	run docker image inspect -f '{{json .Config.Cmd}} {{json .Config.ExposedPorts}}' redock:base
	[ "$output" = '["/usr/sbin/sshd","-D","-e"] {"22/tcp":{}}' ]
}

@test "a second redock base does nothing and says so" {
	require_engine
	redock -q base
	rm -f "$REDOCK_HOME/base-build.log"
	id=$(id_of redock:base)
	run --separate-stderr redock base
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ $output == "redock:base is up to date (built from debian:bookworm-slim on "*" MB)" ]]
	[ "$(id_of redock:base)" = "$id" ]
	# Nothing was built.
	[ ! -e "$REDOCK_HOME/base-build.log" ]
	run redock -q base
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "base-image/ is compiled in: a redock alone in a directory knows the image is current" {
	require_engine
	redock -q base
	mkdir "$BATS_TEST_TMPDIR/bin"
	cp "$REDOCK" "$BATS_TEST_TMPDIR/bin/redock"
	cd /
	run "$BATS_TEST_TMPDIR/bin/redock" base
	[ "$status" -eq 0 ]
	[[ $output == "redock:base is up to date"* ]]
	run docker run --rm --label "$TEST_LABEL" redock:base \
	    cat /etc/ssh/sshd_config.d/redock.conf
	[ "$output" = "$(cat "$TOP/base-image/sshd_config")" ]
}

@test "an image built from other files is rebuilt, on a terminal in one updating line" {
	require_engine
	redock -q base
	stale=$(make_stale)
	[ "$(digest_of redock:base)" = sha256:stale ]
	run script -qec "'$REDOCK' base" /dev/null
	[ "$status" -eq 0 ]
	[[ $output == *$'\r\e[K'"redock:base ["*"] "* ]]
	[[ $output == *$'\r\e[K'"built redock:base from debian:bookworm-slim"* ]]
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
	# The stale image lost its name to the new one and was removed.
	run docker image inspect "$stale"
	[ "$status" -ne 0 ]
	grep -qx "Successfully tagged redock:base" "$REDOCK_HOME/base-build.log"
}

@test "with -v every line of the build shows, as it comes, and goes to the log too" {
	require_engine
	redock -q base
	make_stale >/dev/null
	run --separate-stderr redock -v base
	[ "$status" -eq 0 ]
	[[ $output == "built redock:base from debian:bookworm-slim"* ]]
	# -v's first line names the engine; the build's lines follow.
	[ "${stderr_lines[0]}" = "redock: engine unix:///var/run/docker.sock (the local engine)" ]
	build=${stderr#*$'\n'}
	[[ $build == "Step 1/"*" ---> Using cache"*"Successfully tagged redock:base" ]]
	log=$REDOCK_HOME/base-build.log
	[ "$(stat -c %a "$log")" = 600 ]
	[ "$(cat "$log")" = "$build" ]
}

@test "with -q a rebuild prints nothing at all" {
	require_engine
	redock -q base
	make_stale >/dev/null
	rm -f "$REDOCK_HOME/base-build.log"
	run redock -q base
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
	# The log is kept all the same.
	grep -qx "Successfully tagged redock:base" "$REDOCK_HOME/base-build.log"
}

@test "a parent that is not in the engine: one line, exit 1, nothing changes" {
	require_engine
	redock -q base
	rm -f "$REDOCK_HOME/base-build.log"
	id=$(id_of redock:base)
	run --separate-stderr redock base --from "$REDOCK_TEST_RUN-none:1"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[[ $stderr == "redock: cannot build 'redock:base' from '$REDOCK_TEST_RUN-none:1': the parent image '$REDOCK_TEST_RUN-none:1' is not in the engine"* ]]
	# A name that would break the line is shown escaped.
	run --separate-stderr redock base --from $'none\nx:1'
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"from 'none\\nx:1'"* ]]
	[ "$(id_of redock:base)" = "$id" ]
	# No build began: no log of one.
	[ ! -e "$REDOCK_HOME/base-build.log" ]
}

@test "a failing step: its last lines, the reason and the log, nothing left behind, the old base kept" {
	require_engine
	redock -q base
	id=$(id_of redock:base)
	broken=$REDOCK_TEST_RUN-broken:1
	printf 'FROM debian:bookworm-slim\nRUN rm /usr/bin/apt-get\n' |
	    docker build -q --label "$TEST_LABEL" -t "$broken" - >/dev/null
	before=$(run_objects)
	log=$REDOCK_HOME/base-build.log

	# With -q: one line, which says where the whole log is.
	run --separate-stderr redock -q base --from "$broken"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[[ $stderr == "redock: cannot build 'redock:base' from '$broken': step "[0-9]*/[0-9]*" failed with exit status 127: "*"apt-get: not found (the whole log: $log)" ]]
	grep -q "apt-get: not found" "$log"
	[ "$(stat -c %a "$log")" = 600 ]
	[ "$(run_objects)" = "$before" ]
	[ "$(id_of redock:base)" = "$id" ]

	# Without -q: the steps, the failed one's last lines, the reason.
	run --separate-stderr redock base --from "$broken"
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[-3]} == "Step "*" : RUN "* ]]
	[[ ${stderr_lines[-2]} == "    "*"apt-get: not found" ]]
	[[ ${stderr_lines[-1]} == "redock: cannot build 'redock:base' from '$broken': step "*" (the whole log: $log)" ]]
	[[ $stderr != *" ---> "* ]]
	[ "$(run_objects)" = "$before" ]
	# On a terminal: the updating line goes, the same lines stay.
	run script -qec "'$REDOCK' base --from '$broken'" /dev/null
	[ "$status" -eq 1 ]
	[[ $output == *$'\r\e[K    '*"apt-get: not found"$'\r\n'"redock: cannot build 'redock:base' from '$broken': step "*" (the whole log: $log)"* ]]
	[ "$(run_objects)" = "$before" ]
	# The parent it was built from sticks.
	run redock base
	[[ $output == "redock:base is up to date (built from debian:bookworm-slim "* ]]
}

@test "a log that cannot be written: the build goes on, and says so once" {
	require_engine
	redock -q base
	make_stale >/dev/null
	: >"$BATS_TEST_TMPDIR/file"
	REDOCK_HOME=$BATS_TEST_TMPDIR/file/home run --separate-stderr redock base
	[ "$status" -eq 0 ]
	[[ $output == "built redock:base from debian:bookworm-slim"* ]]
	[ "$(grep -c '^redock: ' <<<"$stderr")" = 1 ]
	[[ ${stderr_lines[-1]} == "redock: no log of the build: cannot make '$BATS_TEST_TMPDIR/file/home': Not a directory" ]]
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
}

@test "--rm is refused while a container uses redock:base, then removes it; base builds it again" {
	require_engine
	redock -q base
	cid=$(docker create --label "$TEST_LABEL" redock:base)
	run --separate-stderr redock base --rm
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == "redock: cannot remove 'redock:base': "*"container"* ]]
	docker image inspect redock:base >/dev/null

	docker rm "$cid" >/dev/null
	# Not the engine's alone: another run's container may use it too.
	[ -z "$(docker ps -a -q --filter ancestor=redock:base)" ] ||
	    skip "a container of another run uses redock:base"
	run --separate-stderr redock base --rm
	[ "$status" -eq 0 ]
	[ "$output" = "removed redock:base" ]
	run docker image inspect redock:base
	[ "$status" -ne 0 ]
	run --separate-stderr redock base --rm
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[ "$stderr" = "redock: cannot remove 'redock:base': there is no such image" ]

	run redock -q base
	[ "$status" -eq 0 ]
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
}

@test "a wrong command line for base: exit 2, one line, the engine untouched" {
	require_engine
	redock -q base
	rm -f "$REDOCK_HOME/base-build.log"
	id=$(id_of redock:base)
	for args in "--rm --from debian:bookworm-slim" "--rm --rebuild" "extra" \
	    "--from=" "--frm x" "--rebuild=1"; do
		run --separate-stderr redock base $args
		[ "$status" -eq 2 ] || { echo "base $args: $status" >&2; return 1; }
		assert_one_line_stderr
	done
	[ "$(id_of redock:base)" = "$id" ]
	[ ! -e "$REDOCK_HOME/base-build.log" ]
	run --separate-stderr redock -H unix://"$BATS_TEST_TMPDIR"/none.sock base
	[ "$status" -eq 1 ]
	assert_one_line_stderr
}
