#!/usr/bin/env bats
# redock base: redock:base built through the engine from the files of
# base-image/ compiled into redock, on this machine's offline parent.

load helper

digest_of() {
	docker image inspect -f '{{index .Config.Labels "io.redock.base.digest"}}' "$1"
}

id_of() {
	docker image inspect -f '{{.Id}}' "$1"
}

# Makes redock:base look as if built from other files: a child image
# with another digest label takes the name. Prints the child's ID.
make_stale() {
	printf 'FROM redock:base\nLABEL io.redock.base.digest=sha256:stale\n' |
	    docker build -q -t redock:base - >/dev/null
	id_of redock:base
}

@test "redock base builds redock:base offline from the parent, progress in plain lines" {
	require_engine
	run --separate-stderr redock base --rebuild
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "built redock:base from debian:bookworm-slim in "*" s ("*" MB)" ]]
	# Not a terminal: each line of the build as it came, no redrawing.
	[[ $stderr == *"Step "*"FROM"* ]]
	[[ $stderr == *"Successfully tagged redock:base"* ]]
	[[ $stderr != *$'\r'* ]]
	[[ $stderr != *$'\e'* ]]
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
	run docker image inspect -f \
	    '{{index .Config.Labels "io.redock.base.parent"}} {{index .Config.Labels "io.redock.version"}}' \
	    redock:base
	[ "$output" = "debian:bookworm-slim $("$REDOCK" --version | cut -d' ' -f2)" ]
}

@test "redock:base holds sshd set for keys only, and no apt lists, recommends or host keys" {
	require_engine
	redock -q base
	run docker run --rm --label "$TEST_LABEL" redock:base sh -c '
	    ls /var/lib/apt/lists | wc -l
	    ls /etc/ssh | grep -c host_ || true
	    dpkg -s xauth >/dev/null 2>&1 && echo xauth || echo no-xauth
	    ssh-keygen -q -t ed25519 -N "" -f /tmp/k && sshd -T -h /tmp/k'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = no-xauth ]
	for want in "passwordauthentication no" "kbdinteractiveauthentication no" \
	    "permitrootlogin without-password" "authenticationmethods publickey" \
	    "permitemptypasswords no" "usedns no" "acceptenv LANG" "acceptenv LC_*" \
	    "hostkey /tmp/k"; do
		printf '%s\n' "${lines[@]}" | grep -qxF "$want" ||
		    { echo "sshd -T lacks '$want'" >&2; return 1; }
	done
	run docker image inspect -f '{{json .Config.Cmd}} {{json .Config.ExposedPorts}}' redock:base
	[ "$output" = '["/usr/sbin/sshd","-D","-e"] {"22/tcp":{}}' ]
}

@test "a second redock base does nothing and says so" {
	require_engine
	redock -q base
	id=$(id_of redock:base)
	before=$(engine_objects)
	run --separate-stderr redock base
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ $output == "redock:base is up to date (built from debian:bookworm-slim on "*" MB)" ]]
	[ "$(id_of redock:base)" = "$id" ]
	[ "$(engine_objects)" = "$before" ]
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
}

@test "with -q a rebuild prints nothing at all" {
	require_engine
	redock -q base
	make_stale >/dev/null
	run redock -q base
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $(digest_of redock:base) =~ ^sha256:[0-9a-f]{64}$ ]]
}

@test "a parent that is not in the engine: one line, exit 1, nothing changes" {
	require_engine
	redock -q base
	before=$(engine_objects)
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
	[ "$(engine_objects)" = "$before" ]
}

@test "a failing step: one line with its reason, nothing left behind, the old base kept" {
	require_engine
	redock -q base
	id=$(id_of redock:base)
	broken=$REDOCK_TEST_RUN-broken:1
	printf 'FROM debian:bookworm-slim\nRUN rm /usr/bin/apt-get\n' |
	    docker build -q --label "$TEST_LABEL" -t "$broken" - >/dev/null
	before=$(engine_objects)

	run --separate-stderr redock -q base --from "$broken"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_stderr
	[[ $stderr == "redock: cannot build 'redock:base' from '$broken': step "[0-9]*/[0-9]*" failed with exit status 127: "*"apt-get: not found" ]]
	[ "$(engine_objects)" = "$before" ]
	[ "$(id_of redock:base)" = "$id" ]

	# Without -q the build's lines come first, the reason last.
	run --separate-stderr redock base --from "$broken"
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[-1]} == "redock: cannot build 'redock:base' from '$broken': step "* ]]
	[ "$(engine_objects)" = "$before" ]
	# The parent it was built from sticks.
	run redock base
	[[ $output == "redock:base is up to date (built from debian:bookworm-slim "* ]]
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
	before=$(engine_objects)
	for args in "--rm --from debian:bookworm-slim" "--rm --rebuild" "extra" \
	    "--from=" "--frm x" "--rebuild=1"; do
		run --separate-stderr redock base $args
		[ "$status" -eq 2 ] || { echo "base $args: $status" >&2; return 1; }
		assert_one_line_stderr
	done
	[ "$(engine_objects)" = "$before" ]
	run --separate-stderr redock -H unix://"$BATS_TEST_TMPDIR"/none.sock base
	[ "$status" -eq 1 ]
	assert_one_line_stderr
}
