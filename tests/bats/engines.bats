#!/usr/bin/env bats
# Aliases belong to the engine they were made on: with two engines, sync,
# kill and list against one never touch the other's fragments, and a
# start whose alias the other engine holds is refused.
#
# The second engine is a dockerd of this file's own (contrib/engine2: its
# --data-root, --exec-root, --pidfile and unix socket) in a network
# namespace of its own, so that its bridge, its ports and its iptables
# are apart from the first engine's; redock and ssh reach its containers
# from inside that namespace (nsenter). Docker before 23 gives both dockerds the same ID
# (/etc/docker/key.json): only their data roots tell them apart, as
# redock's engine record does. No image can be pulled: redock:base comes
# from the first engine. TAGs on the first engine are unique to the run
# (T), as another run may be on it at the same time.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	local tmp

	file_lock
	export T=g${REDOCK_TEST_RUN//[!a-z0-9]/}
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		tmp=$(mktemp -d)
		HOME=$tmp REDOCK_HOME=$tmp/rh "$REDOCK" -q base
		rm -rf "$tmp"
	fi
	# Short: containerd's socket path under --exec-root must fit.
	E2_DIR=$(mktemp -d /tmp/rdk2.XXXXXX)
	export E2_DIR E2="unix://$E2_DIR/sock"
	"$TOP/contrib/engine2" start "$E2_DIR" 3>&-
	docker save redock:base | docker -H "$E2" load -q >/dev/null
}

teardown_file() {
	[ -z "${E2_DIR:-}" ] || "$TOP/contrib/engine2" stop "$E2_DIR"
	file_unlock
}

setup() {
	redock_setup
	require_engine
	E2_NET=/proc/$(cat "$E2_DIR/pid")/ns/net
}

teardown() {
	docker -H "$E2" ps -a -q | xargs -r docker -H "$E2" rm -f >/dev/null
	redock_teardown
}

# redock against the second engine, and ssh to its containers.
redock2() {
	nsenter --net="$E2_NET" "$REDOCK" -H "$E2" "$@"
}

ssh_to2() {
	nsenter --net="$E2_NET" ssh -F "$HOME/.ssh/config" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes -o ConnectTimeout=10 "$@"
}

@test "each engine's alias is recorded with it, and sync against either keeps the other's" {
	redock start --no-shell "${T}w"
	redock2 start --no-shell "${T}d"
	grep -q "^# redock: engine .*@/var/lib/docker via unix:///var/run/docker.sock$" \
	    "$(fragment "${T}w-container")"
	grep -q "^# redock: engine .*@$E2_DIR/data via $E2$" \
	    "$(fragment "${T}d-container")"

	before=$(cat "$(fragment "${T}d-container")")
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat "$(fragment "${T}d-container")")" = "$before" ]
	run --separate-stderr redock2 sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -f "$(fragment "${T}w-container")" ]
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]
	[ "$(ssh_to2 "${T}d-container" hostname)" = "${T}d" ]

	# ${T}d's container gone by hand: only its own engine's sync sees it.
	docker -H "$E2" rm -f "$(ename "${T}d-container")" >/dev/null
	run redock sync
	[ "$status" -eq 0 ]
	[ -f "$(fragment "${T}d-container")" ]
	run redock2 sync
	[ "$status" -eq 0 ]
	[ "$output" = "removed ${T}d-container: no container has it" ]
	[ ! -e "$(fragment "${T}d-container")" ]
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]
}

@test "kill on one engine leaves the other's container and alias of the same NAME" {
	redock start --no-shell -n "${T}one" "${T}app"
	redock2 start --no-shell -n "${T}two" "${T}app"
	run redock kill "${T}app"
	[ "$status" -eq 0 ]
	[ ! -e "$(fragment "${T}one-container")" ]
	[ -f "$(fragment "${T}two-container")" ]
	# And the sync that follows a kill, to tidy up, keeps it too.
	run redock sync
	[ "$status" -eq 0 ]
	[ -f "$(fragment "${T}two-container")" ]
	[ "$(ssh_to2 "${T}two-container" hostname)" = "${T}two" ]
	run redock2 list --json
	[[ $output == *"\"alias\": \"${T}two-container\""* ]]
}

@test "kill and list on one engine leave an alias that the other engine's fragment holds" {
	redock start --no-shell "${T}w"
	# On the second engine, a container with the same alias, made
	# outside redock's start (as one made before aliases had engines).
	docker -H "$E2" create --name "${T}w-container" \
	    --label "io.redock.name=$USER:other" \
	    --label io.redock.alias="${T}w-container" redock:base >/dev/null
	run redock2 list --json
	[ "$status" -eq 0 ]
	[[ $output == *'"name": "'$USER':other"'* ]]
	[[ $output == *'"alias": null'* ]]
	run --separate-stderr redock2 kill other
	[ "$status" -eq 0 ]
	[ -z "$(docker -H "$E2" ps -a -q --filter name="${T}w-container")" ]
	[ -f "$(fragment "${T}w-container")" ]
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]
}

@test "a start whose alias the other engine holds is refused in one line naming that engine" {
	redock start --no-shell "${T}w"
	before=$(snapshot)
	exits_one_line 1 redock2 start --no-shell "${T}w"
	stderr_has "cannot start '$USER:${T}w': its alias '${T}w-container'" \
	    "the engine at unix:///var/run/docker.sock"
	[ -z "$(docker -H "$E2" ps -a -q)" ]
	[ "$(snapshot)" = "$before" ]
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]

	# And the other way round.
	redock2 start --no-shell "${T}d"
	exits_one_line 1 redock start --no-shell "${T}d"
	stderr_has "the engine at $E2"
	[ -z "$(docker ps -a -q --filter "label=io.redock.name=$USER:${T}d")" ]
}

@test "a fragment without an engine line (redock 0.1's) is taken as the current engine's" {
	redock start --no-shell "${T}w"
	sed -i '/^# redock: engine /d' "$(fragment "${T}w-container")"
	"$REDOCK_BUILD/sshconf-merge" "$HOME/.ssh/config"
	# Its own engine's sync writes the record in.
	run redock sync
	[ "$status" -eq 0 ]
	[[ $output == "updated "${T}w-container" ('$USER:${T}w', port "* ]]
	grep -q '^# redock: engine ' "$(fragment "${T}w-container")"

	# Without it, the other engine's sync takes it for its own, and
	# removes it; the sync of the engine that has it writes it back.
	sed -i '/^# redock: engine /d' "$(fragment "${T}w-container")"
	"$REDOCK_BUILD/sshconf-merge" "$HOME/.ssh/config"
	run redock2 sync
	[ "$output" = "removed ${T}w-container: no container has it" ]
	run redock sync
	[[ $output == "added "${T}w-container" ('$USER:${T}w', port "* ]]
	[ "$(ssh_to "${T}w-container" hostname)" = "${T}w" ]
}
