#!/usr/bin/env bats
# redock list as people and scripts read it: the image by its name or a
# short ID (never a 71-character digest), columns as wide as their
# content, the header even with nothing to list, CREATED relative on a
# terminal and RFC 3339 (UTC) otherwise. The real engine, and the fake
# one (tests/fake-engine) for an engine with nothing of redock's, which a
# shared engine cannot promise, and for Podman's long image names.
#
# A container's engine name is its alias: every TAG here starts with
# "zl", which no other bats file uses.

load helper

setup() {
	redock_setup
	FAKE_PROC_PID=
}

teardown() {
	fake_engine_stop
	redock_teardown
}

# The field of column $2 (NAME, STATE, ...) in the row of NAME $1 of the
# table in $output, cut at the header's columns.
column_of() {
	awk -v n="$1" -v col="$2" '
	NR == 1 { start = index($0, col); next }
	$1 == n {
		s = substr($0, start)
		sub(/  .*/, "", s)
		print s
	}' <<<"$output"
}

# Asserts that every line of the table in $output starts each column
# where the header starts it: a blank before, a character there.
assert_aligned() {
	local header line c pos

	header=${lines[0]}
	for c in STATE ALIAS PORT IMAGE CREATED ENVIRONMENT; do
		pos=${header%%" $c"*}
		pos=$((${#pos} + 1))
		for line in "${lines[@]:1}"; do
			if [ "${line:pos-1:1}" != " " ] ||
			    [ "${line:pos:1}" = " " ] || [ -z "${line:pos:1}" ]; then
				printf 'column %s (at %d) out of line in:\n%s\n' \
				    "$c" "$pos" "$output" >&2
				return 1
			fi
		done
	done
}

@test "after start, commit, exec, commit of a running container, IMAGE is a name or a short ID, not a digest" {
	require_engine
	redock start --no-shell zlimg
	redock commit zlimg >/dev/null
	redock kill zlimg >/dev/null
	# Now made from the image NAME, which the next commit moves on.
	redock start --no-shell zlimg
	redock exec zlimg touch /root/changed
	redock commit zlimg >/dev/null
	old=$(docker inspect -f '{{.Image}}' "$(ename zlimg-container)")
	[ "$old" != "$(docker image inspect -f '{{.Id}}' "$USER:zlimg")" ]

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	image=$(column_of "$USER:zlimg" IMAGE)
	[ "$image" = "${old:7:12}" ]
	run --separate-stderr redock list --json
	[ "$(jq -r --arg n "$USER:zlimg" '.[] | select(.name == $n) | .image' \
	    <<<"$output")" = "${old:7:12}" ]

	# A name the engine knows for it is shown instead.
	docker tag "$old" "$USER:zlolder"
	run --separate-stderr redock list
	[ "$(column_of "$USER:zlimg" IMAGE)" = "$USER:zlolder" ]
}

@test "columns line up with a long NAME, a long alias and long image names" {
	require_engine
	long="$USER/a/rather/long/repository/path/for/the/list:zllong"
	redock start --no-shell -n zl-a-long-host-name-for-the-alias "$long"
	redock start --no-shell zlshort

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^NAME\ +STATE\ +ALIAS\ +PORT\ +IMAGE\ +CREATED\ +ENVIRONMENT$ ]]
	assert_aligned
	[ "$(column_of "$long" ALIAS)" = zl-a-long-host-name-for-the-alias-container ]
	[ "$(column_of "$USER:zlshort" STATE)" = running ]
	[ "$(column_of "$USER:zlshort" ALIAS)" = zlshort-container ]
	[ "$(column_of "$USER:zlshort" PORT)" = "$(docker_port "$(ename zlshort-container)")" ]
	[ "$(column_of "$USER:zlshort" IMAGE)" = redock:base ]

	# Podman's names for images, from the fake engine.
	cat >"$BATS_TEST_TMPDIR/objects" <<-EOF
	{"containers": [
	  {"name": "w-container", "image": "docker.io/library/debian:bookworm-slim-with-a-long-tag",
	   "labels": {"io.redock.name": "localhost/$USER/w:w", "io.redock.alias": "w-container"}},
	  {"name": "x-container", "image": "x:x", "state": "exited",
	   "labels": {"io.redock.name": "x:x", "io.redock.alias": "x-container"}}],
	 "images": [
	  {"tags": ["localhost/$USER/saved-with-a-long-name:saved"],
	   "labels": {"io.redock.name": "localhost/$USER/saved-with-a-long-name:saved"}}]}
	EOF
	fake_engine --objects "$BATS_TEST_TMPDIR/objects"
	run --separate-stderr redock -H "$FAKE" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	assert_aligned
	[ "$(column_of "localhost/$USER/w:w" IMAGE)" = debian:bookworm-slim-with-a-long-tag ]
	[ "$(column_of x:x STATE)" = exited ]
	[ "$(column_of x:x PORT)" = - ]
	[ "$(column_of x:x ENVIRONMENT)" = - ]
	[ "$(column_of "localhost/$USER/saved-with-a-long-name:saved" STATE)" = saved ]
	[ "$(column_of "localhost/$USER/saved-with-a-long-name:saved" ALIAS)" = - ]
}

@test "an engine with nothing of redock's: list prints the header, --json an empty array" {
	fake_engine
	run --separate-stderr redock -H "$FAKE" list
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^NAME\ +STATE\ +ALIAS\ +PORT\ +IMAGE\ +CREATED\ +ENVIRONMENT$ ]]
	run --separate-stderr redock -H "$FAKE" list --json
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
}

@test "CREATED is RFC 3339 in UTC through a pipe and in --json, relative on a terminal" {
	require_engine
	redock start --no-shell zlwhen
	created=$(docker inspect -f '{{.Created}}' "$(ename zlwhen-container)")
	want=$(date -u -d "$created" +%Y-%m-%dT%H:%M:%SZ)

	run --separate-stderr redock list
	[ "$status" -eq 0 ]
	[ "$(column_of "$USER:zlwhen" CREATED)" = "$want" ]
	run --separate-stderr redock list --json
	[ "$(jq -r --arg n "$USER:zlwhen" '.[] | select(.name == $n) | .created' \
	    <<<"$output")" = "$want" ]

	# On a terminal (script gives redock one): "N seconds ago".
	run script -qec "'$REDOCK' list" /dev/null
	[ "$status" -eq 0 ]
	output=${output//$'\r'/}
	lines=()
	mapfile -t lines <<<"$output"
	when=$(column_of "$USER:zlwhen" CREATED)
	[[ $when =~ ^(just\ now|[0-9]+\ seconds?\ ago|1\ minute\ ago)$ ]]
	assert_aligned
}

@test "an alias whose fragment another engine wrote is not shown; its own engine's and a missing one's are" {
	cat >"$BATS_TEST_TMPDIR/objects" <<-EOF
	{"containers": [
	  {"name": "zla-container", "image": "x:x", "state": "exited",
	   "labels": {"io.redock.name": "$USER:zla", "io.redock.alias": "zla-container"}},
	  {"name": "zlb-container", "image": "x:x", "state": "exited",
	   "labels": {"io.redock.name": "$USER:zlb", "io.redock.alias": "zlb-container"}},
	  {"name": "zlc-container", "image": "x:x", "state": "exited",
	   "labels": {"io.redock.name": "$USER:zlc", "io.redock.alias": "zlc-container"}},
	  {"name": "zld-container", "image": "x:x", "state": "exited",
	   "labels": {"io.redock.name": "$USER:zld", "io.redock.alias": "zld-container"}}]}
	EOF
	fake_engine --objects "$BATS_TEST_TMPDIR/objects"
	mkdir -p -m 0700 "$HOME/.ssh/config.d"
	printf '# redock: engine someone@/var/lib/docker via tcp://elsewhere:2375\nHost zla-container\n' \
	    >"$(fragment zla-container)"
	printf '# redock: engine someone@/var/lib/docker via %s\nHost zlb-container\n' \
	    "$FAKE" >"$(fragment zlb-container)"
	# redock 0.1's, without an engine line: the current engine's.
	printf 'Host zld-container\n' >"$(fragment zld-container)"
	# Not redock's: never read as a fragment of an alias.
	printf '# redock: engine x@/ via tcp://elsewhere:2375\n' \
	    >"$HOME/.ssh/config.d/local"

	run --separate-stderr redock -H "$FAKE" list
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(column_of "$USER:zla" ALIAS)" = - ]
	[ "$(column_of "$USER:zlb" ALIAS)" = zlb-container ]
	[ "$(column_of "$USER:zlc" ALIAS)" = zlc-container ]
	[ "$(column_of "$USER:zld" ALIAS)" = zld-container ]
	run --separate-stderr redock -H "$FAKE" list --json
	[ "$(jq -c '[.[] | .alias]' <<<"$output")" = \
	    '[null,"zlb-container","zlc-container","zld-container"]' ]
}
