#!/usr/bin/env bats
# Podman as a peer of Docker: the lifecycle against Podman's
# Docker-compatible service (podman system service, which contrib/setup
# starts on /run/podman/podman.sock) without catatonit, so without an
# init to give: start, ssh with the real OpenSSH, exec, commit, kill, a
# start from the committed image, stop, delete, list, sync, a name
# conflict, snapshots, restore and clone, with names as Docker writes
# them and labels that reach Podman's images (it drops a commit's own).
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

# FIELD of ${T}a's entry in the list --json of $output.
a_field() {
	jq -r --arg n "$USER:${T}a" ".[] | select(.name == \$n) | .$1" \
	    <<<"$output"
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

	# list: the port it runs on, the image as Docker names it. The
	# other run's test may list its own beside it (images have no
	# owner): only ${T}a's line is looked at.
	run --separate-stderr redock_p list --json
	[ "$status" -eq 0 ]
	[ "$(jq --arg n "$USER:${T}a" '[.[] | select(.name == $n)] | length' \
	    <<<"$output")" -eq 1 ]
	[ "$(a_field image)" = redock:base ]
	[ "$(a_field port)" = "$(fragment_port "${T}a-container")" ]

	run redock_p commit "${T}a"
	[ "$status" -eq 0 ]
	[[ $output == "committed '$USER:${T}a' as image "* ]]
	run redock_p kill "${T}a"
	[ "$status" -eq 0 ]
	[ -z "$(podman_name "$USER:${T}a")" ]
	[ ! -e "$(fragment "${T}a-container")" ]
	# Saved: its image, named without "docker.io/library/".
	run --separate-stderr redock_p list --json
	[ "$(a_field state)" = saved ]
	[ "$(a_field image)" = "$USER:${T}a" ]
	[ "$(a_field port)" = null ]

	prints "started '$USER:${T}a' from $USER:${T}a: ssh ${T}a-container" \
	    redock_p start --no-shell "${T}a"
	[ "$(ssh_to "${T}a-container" cat /root/made)" = made ]

	# Stopped, Podman tells the port it will take: redock shows none.
	run redock_p stop "${T}a"
	[ "$status" -eq 0 ]
	run --separate-stderr redock_p list --json
	[ "$(a_field state)" = exited ]
	[ "$(a_field port)" = null ]
	prints "started '$USER:${T}a' again: ssh ${T}a-container" \
	    redock_p start --no-shell "${T}a"
	[ "$(ssh_to "${T}a-container" cat /root/made)" = made ]

	run redock_p delete "${T}a"
	[ "$status" -eq 0 ]
	[ -z "$(podman_name "$USER:${T}a")" ]
	[ -z "$(podman images -q --filter "label=io.redock.name=$USER:${T}a")" ]
	# Gone from list (the other run's Podman images may be listed).
	run --separate-stderr redock_p list --json
	[ "$status" -eq 0 ]
	[ -z "$(a_field name)" ]
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

# The io.redock.snapshot.number of each image of snapshots of NAME $1.
podman_snapshots() {
	podman images -q --filter "label=io.redock.snapshot.of=$1" | sort -u |
	    xargs -r podman image inspect \
	    --format '{{index .Labels "io.redock.snapshot.number"}}' | sort -n |
	    tr '\n' ' '
}

@test "snapshots, restore and a clone against Podman carry their labels" {
	local a=${T}h-container msg='first: $HOME, a "quote" and \ back'

	run --separate-stderr redock_p -v start --no-shell "${T}h"
	[ "$status" -eq 0 ]
	[ -e /usr/libexec/podman/catatonit ] ||
	    grep -qx "redock: '$USER:${T}h': the engine has no init (Podman without catatonit): sshd runs as PID 1" <<<"$stderr"
	run -0 ssh_to "$a" 'echo first >/root/file'
	run --separate-stderr redock_p snapshot -m "$msg" "${T}h"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run -0 ssh_to "$a" 'echo second >/root/file; echo lost >/root/lost'
	prints 2 redock_p snapshot "${T}h"
	# Podman's images have the labels, the message as it was given.
	[ "$(podman_snapshots "$USER:${T}h")" = "1 2 " ]
	run --separate-stderr redock_p snapshots --json "${T}h"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.[].number] | join(" ")' <<<"$output")" = "1 2" ]
	[ "$(jq -r '.[0].message' <<<"$output")" = "$msg" ]
	# A message Podman would change is refused, and nothing made.
	fails_with 1 -H "$P" snapshot -m '"quoted"' "${T}h"
	stderr_has "Podman would drop"
	[ "$(podman_snapshots "$USER:${T}h")" = "1 2 " ]

	prints "restored '$USER:${T}h' from snapshot 1: ssh $a" \
	    redock_p restore "${T}h" 1
	prints first ssh_to "$a" cat /root/file
	prints gone ssh_to "$a" 'test -e /root/lost || echo gone'
	[ "$(podman_name "$USER:${T}h" | wc -l)" -eq 1 ]
	prints "restored '$USER:${T}h' from snapshot 2: ssh $a" \
	    redock_p restore "${T}h" 2
	prints second ssh_to "$a" cat /root/file

	# The clone's image is the clone's, not its source's: delete takes it.
	prints "cloned '$USER:${T}h' to '$USER:${T}i': ssh ${T}i-container" \
	    redock_p clone "${T}h" "${T}i"
	prints "second
${T}i" ssh_to "${T}i-container" 'cat /root/file; hostname'
	[ -n "$(podman images -q --filter "label=io.redock.name=$USER:${T}i")" ]
	run -0 redock_p delete "${T}i"
	[ -z "$(podman_name "$USER:${T}i")" ]
	[ -z "$(podman images -q --filter "label=io.redock.name=$USER:${T}i")" ]
	[ ! -e "$(fragment "${T}i-container")" ]
	prints second ssh_to "$a" cat /root/file

	# delete takes the snapshots with it.
	run -0 redock_p delete "${T}h"
	[ -z "$(podman_name "$USER:${T}h")" ]
	[ -z "$(podman_snapshots "$USER:${T}h")" ]
	[ -z "$(podman images -q --filter "label=io.redock.name=$USER:${T}h")" ]
}
