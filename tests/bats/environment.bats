#!/usr/bin/env bats
# Environments (redock.1: up, down): "redock up" starts the sections of
# a project file on a network of their own, where each container
# resolves the others by TAG and by host name and reaches their ports;
# each gets its alias, which OpenSSH uses. Two environments never share
# a container: a second one with the same TAGs, or with the same name
# in another directory, is refused in one line and makes nothing.
# "redock down" kills the containers and then removes the network;
# images stay; reset keeps a container in its environment. list shows
# each container's environment.
#
# The environment of the file (web and db, db with a host name of its
# own and a web server started by its on-start hook) is brought up once
# for the file, in setup_file; the tests read it in their order, and
# the last one takes it down. Every TAG, and the environment's name, is
# "ev" and this run's id and a word, which no other run uses.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	file_lock
	export T=ev${REDOCK_TEST_RUN//[!a-z0-9]/}
	export FILE_HOME=$BATS_FILE_TMPDIR/home
	export FILE_REDOCK_HOME=$BATS_FILE_TMPDIR/redock-home
	export FILE_USER=${REDOCK_TEST_RUN}ev
	export P=$BATS_FILE_TMPDIR/shop
	mkdir -p -m 0700 "$FILE_HOME"
	mkdir -p "$P"
	cat >"$P/redock.ini" <<EOF
environment = ${T}shop

[${T}web]

[${T}db]
hostname = ${T}pg
on-start = nohup python3 -m http.server 8080 >/dev/null 2>&1 &
EOF
	file_env
	docker version >/dev/null 2>&1 || return 0
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	status=0
	(cd "$P" && exec "$REDOCK" up) >"$BATS_FILE_TMPDIR/up.out" \
	    2>"$BATS_FILE_TMPDIR/up.err" || status=$?
	echo "$status" >"$BATS_FILE_TMPDIR/up.status"
}

teardown_file() {
	file_env
	redock_cleanup
	file_unlock
}

setup() {
	file_env
	require_engine
}

# Nothing per test: the file's clean-up takes what the tests made.
teardown() {
	:
}

# The IDs of the containers of the environment's two NAMEs.
ids() {
	docker inspect -f '{{.Id}}' "$(ename ${T}web-container)" "$(ename ${T}pg-container)"
}

# The networks of container $1, one name a line.
networks_of() {
	docker inspect -f \
	    '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{"\n"}}{{end}}' \
	    "$1" | sed '/^$/d'
}

# Does the engine have the network $1?
has_network() {
	docker network inspect "$1" >/dev/null 2>&1
}

@test "up starts every section on the environment's network, labelled with the project's directory" {
	[ "$(cat "$BATS_FILE_TMPDIR/up.status")" -eq 0 ] || {
		cat "$BATS_FILE_TMPDIR/up.err" >&2
		return 1
	}
	grep -qx "started '$USER:${T}web' from redock:base: ssh ${T}web-container" \
	    "$BATS_FILE_TMPDIR/up.out"
	grep -qx "started '$USER:${T}db' from redock:base: ssh ${T}pg-container" \
	    "$BATS_FILE_TMPDIR/up.out"
	[ "$(networks_of "$(ename ${T}web-container)")" = "$USER.redock-${T}shop" ]
	[ "$(networks_of "$(ename ${T}pg-container)")" = "$USER.redock-${T}shop" ]
	[ "$(docker network inspect -f \
	    '{{index .Labels "io.redock.environment"}} {{index .Labels "io.redock.project"}}' \
	    "$USER.redock-${T}shop")" = "${T}shop $(cd "$P" && pwd -P)" ]
}

@test "each container resolves the other by TAG and by host name, and reaches its port" {
	run redock exec "${T}web" getent hosts "${T}db"
	[ "$status" -eq 0 ]
	[[ $output == *" ${T}db" ]]
	run redock exec "${T}web" getent hosts "${T}pg"
	[ "$status" -eq 0 ]
	run redock exec "${T}db" getent hosts "${T}web"
	[ "$status" -eq 0 ]
	# The web server of db's on-start, over HTTP and over bash's TCP.
	run redock exec "${T}web" python3 -c "import urllib.request as u
print(u.urlopen('http://${T}db:8080/', timeout=10).status)"
	[ "$status" -eq 0 ]
	[ "$output" = 200 ]
	run redock exec "${T}web" bash -c \
	    "exec 3<>/dev/tcp/${T}pg/8080 && printf 'HEAD / HTTP/1.0\r\n\r\n' >&3 && head -n 1 <&3"
	[ "$status" -eq 0 ]
	[[ $output == "HTTP/1.0 200 OK"* ]]
}

@test "both aliases work with OpenSSH" {
	run ssh_to "${T}web-container" hostname
	[ "$status" -eq 0 ]
	[ "$output" = "${T}web" ]
	run ssh_to "${T}pg-container" getent hosts "${T}web"
	[ "$status" -eq 0 ]
	[[ $output == *" ${T}web" ]]
}

@test "list shows each container's environment, in a column and in --json" {
	run redock list
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ \ ENVIRONMENT$ ]]
	[[ $output == *"${T}web-container "*" ${T}shop"* ]]
	run redock list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg n "$USER:${T}web" \
	    '.[] | select(.name == $n) | .environment' <<<"$output")" = "${T}shop" ]
	[ "$(jq -r --arg n "$USER:${T}db" \
	    '.[] | select(.name == $n) | .environment' <<<"$output")" = "${T}shop" ]
}

@test "a second environment with the same TAGs in another directory is refused in one line, nothing made" {
	local before dir=$BATS_TEST_TMPDIR/other

	before=$(ids)
	mkdir -p "$dir"
	cat >"$dir/redock.ini" <<EOF
environment = ${T}other
[${T}web]
[${T}db]
hostname = ${T}pg
EOF
	cd "$dir"
	exits_one_line 1 redock up
	stderr_has "cannot bring up the environment '${T}other'" \
	    "'$USER:${T}web' in '${T}shop'" "'$USER:${T}db' in '${T}shop'" \
	    "'redock down' them there, or give the sections other TAGs"
	run ! has_network "$USER.redock-${T}other"
	# The first is untouched.
	[ "$(ids)" = "$before" ]
	[ "$(networks_of "$(ename ${T}web-container)")" = "$USER.redock-${T}shop" ]
	run redock exec "${T}web" getent hosts "${T}db"
	[ "$status" -eq 0 ]
	# Nor does its down take the first one's containers.
	exits_one_line 1 redock down "${T}db"
	stderr_has "cannot take down '$USER:${T}db': its container is in the environment '${T}shop', not '${T}other'"
	[ "$(ids)" = "$before" ]
}

@test "an environment of the same name in another directory is refused in one line, nothing made" {
	local before dir=$BATS_TEST_TMPDIR/shop

	before=$(ids)
	mkdir -p "$dir"
	printf 'environment = %s\n[%s]\n' "${T}shop" "${T}x" >"$dir/redock.ini"
	cd "$dir"
	exits_one_line 1 redock up
	stderr_has "cannot bring up the environment '${T}shop': it is the environment of the project file in '$(cd "$P" && pwd -P)'" \
	    "set another 'environment ='"
	run ! docker inspect "$(ename ${T}x-container)" >/dev/null 2>&1
	exits_one_line 1 redock down
	stderr_has "cannot take down the environment '${T}shop'"
	[ "$(ids)" = "$before" ]
	has_network "$USER.redock-${T}shop"
}

@test "up of a container that plain start made puts it on the network; down takes it alone" {
	local other=$BATS_TEST_TMPDIR/elsewhere

	mkdir -p "$other"
	(cd "$other" && redock start --no-shell "${T}solo") >/dev/null
	[ "$(networks_of "$(ename ${T}solo-container)")" = bridge ]
	# Another file of the same directory, of the same environment.
	printf 'environment = %s\n[%s]\n' "${T}shop" "${T}solo" >"$P/solo.ini"
	cd "$P"
	exits_one_line 1 redock down -f solo.ini
	stderr_has "cannot take down '$USER:${T}solo': its container is in no environment: 'redock kill' it"
	run redock up -f solo.ini
	[ "$status" -eq 0 ]
	[ "$output" = "'$USER:${T}solo' is running: ssh ${T}solo-container" ]
	run redock exec "${T}web" getent hosts "${T}solo"
	[ "$status" -eq 0 ]
	run redock exec "${T}solo" getent hosts "${T}pg"
	[ "$status" -eq 0 ]
	run redock down -f solo.ini
	[ "$status" -eq 0 ]
	[ "$output" = "killed '$USER:${T}solo'" ]
	run ! docker inspect "$(ename ${T}solo-container)" >/dev/null 2>&1
	# The others are still on it.
	has_network "$USER.redock-${T}shop"
}

@test "up and down of a NAME without a section, or without a project file, are exit 2" {
	cd "$P"
	exits_one_line 2 redock up "${T}nope"
	stderr_has "invalid NAME '$USER:${T}nope': the project file 'redock.ini' has no section of it"
	exits_one_line 2 redock down "${T}nope"
	cd "$BATS_TEST_TMPDIR"
	exits_one_line 2 redock up
	stderr_has "no project file: there is no redock.ini here; give one with -f FILE"
	exits_one_line 2 redock down
	exits_one_line 2 redock up -f "$BATS_TEST_TMPDIR/none.ini"
}

@test "an up of which every NAME fails leaves no network" {
	local dir=$BATS_TEST_TMPDIR/failing

	mkdir -p "$dir"
	printf 'environment = %s\n[%s]\nimage = %s\n' "${T}fail" "${T}f" \
	    "${T}missing:image" >"$dir/redock.ini"
	cd "$dir"
	exits_one_line 1 redock up
	stderr_has "cannot bring up '$USER:${T}f': its image '${T}missing:image'"
	run ! has_network "$USER.redock-${T}fail"
}

@test "the environment is named after the directory when the file does not name it" {
	local dir="$BATS_TEST_TMPDIR/Dir Of_${T}"

	mkdir -p "$dir"
	printf '[%s]\n' "${T}dir" >"$dir/redock.ini"
	cd "$dir"
	run redock up
	[ "$status" -eq 0 ]
	[ "$(networks_of "$(ename ${T}dir-container)")" = "$USER.redock-dir-of-${T}" ]
	run redock down
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "killed '$USER:${T}dir'" ]
	[ "${lines[1]}" = "removed the network '$USER.redock-dir-of-${T}'" ]
	run ! has_network "$USER.redock-dir-of-${T}"
}

@test "reset keeps a container in its environment" {
	local before

	before=$(docker inspect -f '{{.Id}}' "$(ename ${T}web-container)")
	run redock reset "${T}web"
	[ "$status" -eq 0 ]
	[ "$(docker inspect -f '{{.Id}}' "$(ename ${T}web-container)")" != "$before" ]
	[ "$(networks_of "$(ename ${T}web-container)")" = "$USER.redock-${T}shop" ]
	run redock exec "${T}db" getent hosts "${T}web"
	[ "$status" -eq 0 ]
}

@test "down kills the environment's containers and removes its network; images stay" {
	redock commit "${T}web" >/dev/null
	cd "$P"
	run redock down
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "killed '$USER:${T}web'" ]
	[ "${lines[1]}" = "killed '$USER:${T}db'" ]
	[ "${lines[2]}" = "removed the network '$USER.redock-${T}shop'" ]
	run ! docker inspect "$(ename ${T}web-container)" >/dev/null 2>&1
	run ! docker inspect "$(ename ${T}pg-container)" >/dev/null 2>&1
	run ! has_network "$USER.redock-${T}shop"
	docker image inspect "$USER:${T}web" >/dev/null
	[ ! -e "$(fragment "${T}web-container")" ]
	# Nothing left to do: a second down is quiet.
	run redock down
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
