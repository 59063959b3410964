#!/usr/bin/env bats
# Podman as a peer of Docker: the lifecycle against Podman's
# Docker-compatible service (podman system service, which contrib/setup
# starts on /run/podman/podman.sock) without catatonit, so without an
# init to give: start, ssh with the real OpenSSH, exec, commit, kill, a
# start from the committed image, stop, delete, list, sync and a name
# conflict, with names as Docker writes them.
#
# redock:base comes from the Docker engine (docker save | podman load),
# as no image can be pulled. TAGs are unique to the run (T). tests/objects
# speaks docker's client, which speaks to Podman's service as well: the
# teardown removes this run's objects from both engines.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

P=unix:///run/podman/podman.sock

setup_file() {
	local tmp

	file_lock
	export T=p${REDOCK_TEST_RUN//[!a-z0-9]/}
	command -v podman >/dev/null || return 0
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		tmp=$(mktemp -d)
		HOME=$tmp REDOCK_HOME=$tmp/rh "$REDOCK" -q base
		rm -rf "$tmp"
	fi
	# The same image as Docker's, else start would build one anew.
	[ "$(podman image inspect --format '{{.Id}}' redock:base 2>/dev/null)" = \
	    "$(docker image inspect -f '{{.Id}}' redock:base)" ] ||
	    docker save redock:base | podman load -q >/dev/null
}

setup() {
	command -v podman >/dev/null ||
	    skip "podman is not installed (contrib/setup installs it)"
	redock_setup
	require_engine
	if ! podman --remote --url "$P" version >/dev/null 2>&1; then
		echo "Podman's service does not answer on $P: run contrib/setup as root" >&2
		return 1
	fi
}

teardown() {
	command -v podman >/dev/null || return 0
	DOCKER_HOST=$P redock_cleanup
	redock_teardown
}

# redock against Podman's service.
redock_p() {
	"$REDOCK" -H "$P" "$@"
}

# The engine name of NAME $1's container in Podman, or nothing.
podman_name() {
	podman ps -a --filter "label=io.redock.name=$1" --format '{{.Names}}'
}

@test "the lifecycle runs against Podman, which has no init to give" {
	[ -e /usr/libexec/podman/catatonit ] &&
	    echo "# catatonit is installed: its absence is not tried" >&3

	run --separate-stderr redock_p start --no-shell "${T}a"
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:${T}a' from redock:base: ssh ${T}a-container" ]
	[ "$(ssh_to "${T}a-container" hostname)" = "${T}a" ]
	# Without an init, sshd is PID 1 and the session its child.
	[ "$(ssh_to "${T}a-container" cat /proc/1/comm)" = sshd ]
	run redock_p exec "${T}a" -- sh -c 'echo made >/root/made; cat /root/made'
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	run redock_p exec "${T}a" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]

	# list: the port it runs on, the image as Docker names it.
	run --separate-stderr redock_p list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].name' <<<"$output")" = "$USER:${T}a" ]
	[ "$(jq -r '.[0].image' <<<"$output")" = redock:base ]
	[ "$(jq -r '.[0].port' <<<"$output")" = "$(fragment_port "${T}a-container")" ]

	run redock_p commit "${T}a"
	[ "$status" -eq 0 ]
	[[ $output == "committed '$USER:${T}a' as image "* ]]
	run redock_p kill "${T}a"
	[ "$status" -eq 0 ]
	[ -z "$(podman_name "$USER:${T}a")" ]
	[ ! -e "$(fragment "${T}a-container")" ]
	# Saved: its image, named without "docker.io/library/".
	run --separate-stderr redock_p list --json
	[ "$(jq -r '.[0].state' <<<"$output")" = saved ]
	[ "$(jq -r '.[0].image' <<<"$output")" = "$USER:${T}a" ]
	[ "$(jq -r '.[0].port' <<<"$output")" = null ]

	prints "started '$USER:${T}a' from $USER:${T}a: ssh ${T}a-container" \
	    redock_p start --no-shell "${T}a"
	[ "$(ssh_to "${T}a-container" cat /root/made)" = made ]

	# Stopped, Podman tells the port it will take: redock shows none.
	run redock_p stop "${T}a"
	[ "$status" -eq 0 ]
	run --separate-stderr redock_p list --json
	[ "$(jq -r '.[0].state' <<<"$output")" = exited ]
	[ "$(jq -r '.[0].port' <<<"$output")" = null ]
	prints "started '$USER:${T}a' again: ssh ${T}a-container" \
	    redock_p start --no-shell "${T}a"
	[ "$(ssh_to "${T}a-container" cat /root/made)" = made ]

	run redock_p delete "${T}a"
	[ "$status" -eq 0 ]
	[ -z "$(podman_name "$USER:${T}a")" ]
	[ -z "$(podman images -q --filter "label=io.redock.name=$USER:${T}a")" ]
	prints "[]" redock_p list --json
	# Docker's engine saw none of it.
	[ -z "$("$TOP/tests/objects" "$REDOCK_TEST_RUN")" ]
}

@test "sync against Podman removes the alias of a container gone by hand and keeps the others" {
	redock_p start --no-shell "${T}s" "${T}t"
	podman rm -f "$(podman_name "$USER:${T}t")" >/dev/null
	run --separate-stderr redock_p sync
	[ "$status" -eq 0 ]
	grep -qx "removed ${T}t-container: no container has it" <<<"$output"
	[ ! -e "$(fragment "${T}t-container")" ]
	[ -f "$(fragment "${T}s-container")" ]
	[ "$(ssh_to "${T}s-container" hostname)" = "${T}s" ]
	run --separate-stderr redock_p sync
	[ "$status" -eq 0 ]
	[[ $output != *removed* ]]
	[ -f "$(fragment "${T}s-container")" ]
	# Two starts of one NAME at once make one container, both reach it.
	redock_p start --no-shell "${T}c" >"$BATS_TEST_TMPDIR/1" 2>&1 &
	redock_p start --no-shell "${T}c" >"$BATS_TEST_TMPDIR/2" 2>&1 &
	wait %1 || { cat "$BATS_TEST_TMPDIR/1" >&2; false; }
	wait %2 || { cat "$BATS_TEST_TMPDIR/2" >&2; false; }
	[ "$(podman_name "$USER:${T}c" | wc -l)" -eq 1 ]
	[ "$(ssh_to "${T}c-container" hostname)" = "${T}c" ]
}

@test "a name Podman holds for a container redock did not make is refused in redock's words" {
	local name

	redock_p start --no-shell "${T}n"
	name=$(podman_name "$USER:${T}n")
	[ -n "$name" ]
	redock_p kill "${T}n"
	# Podman answers the taken name with 500, which redock reads as 409.
	podman create --name "$name" --label "$TEST_LABEL" redock:base >/dev/null
	fails_with 1 -H "$P" start --no-shell "${T}n"
	[[ $stderr != *"is already in use"* ]]
	stderr_has "$name"
	[ "$(podman ps -a --filter "name=^$name\$" --format '{{.Labels}}' |
	    grep -c "io.redock.test:$REDOCK_TEST_RUN")" -eq 1 ]
	[ -z "$(podman_name "$USER:${T}n")" ]
	[ ! -e "$(fragment "${T}n-container")" ]
}
