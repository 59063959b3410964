#!/usr/bin/env bats
# redock clone NAME NEW against the real engine and the real OpenSSH
# client: NEW's image is made from NAME's container as it is now
# (running or stopped), else from NAME's image, with NAME's settings but
# its host name; NEW comes up with its own alias and host key; NAME is
# not changed. A NEW that exists, a NAME with nothing, and bad NAMEs
# are refused before anything is made.
#
# A container's engine name is its alias: every TAG here is "c", this
# run's id and a letter, so that no other run's aliases meet these.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup() {
	redock_setup
	require_engine
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	T=c${REDOCK_TEST_RUN//[!a-z0-9]/}
	DATA=$BATS_TEST_TMPDIR/data
	mkdir -p "$DATA"
	echo shared >"$DATA/x"
}

# The host key that redock's known_hosts pins for alias $1.
pinned_key() {
	awk -v a="$1" '$1 == a { print $2, $3 }' "$REDOCK_HOME/known_hosts"
}

# A label of container or image $2: $1.
label_of() {
	docker inspect -f "{{index .Config.Labels \"$1\"}}" "$2"
}

# How many containers, of any state, were made from the image ID $1.
containers_of_image() {
	local id n=0

	for id in $(docker ps -a -q --no-trunc); do
		[ "$(docker inspect -f '{{.Image}}' "$id" 2>/dev/null)" != "$1" ] ||
		    n=$((n + 1))
	done
	echo "$n"
}

@test "clone copies a running container with its uncommitted file and leaves it as it was" {
	local id

	run -0 redock start --no-shell "${T}a"
	run -0 ssh_to "${T}a-container" 'echo uncommitted >/root/file'
	id=$(docker inspect -f '{{.Id}}' "$(ename ${T}a-container)")

	run --separate-stderr redock clone "${T}a" "${T}b"
	[ "$status" -eq 0 ]
	[ "$output" = "cloned '$USER:${T}a' to '$USER:${T}b': ssh ${T}b-container" ]
	[ -z "$stderr" ]

	# NAME: the same container, running, its file there, no image made.
	[ "$(docker inspect -f '{{.Id}} {{.State.Status}}' "$(ename ${T}a-container)")" = \
	    "$id running" ]
	run -0 ssh_to "${T}a-container" 'cat /root/file'
	[ "$output" = uncommitted ]
	run docker image inspect "$USER:${T}a"
	[ "$status" -ne 0 ]

	# NEW: the file, its own host name, alias, labels and host key,
	# which strict host key checking accepts.
	run -0 ssh_to "${T}b-container" 'cat /root/file; hostname'
	[ "$output" = "uncommitted
${T}b" ]
	[ "$(label_of io.redock.name "$(ename ${T}b-container)")" = "$USER:${T}b" ]
	[ "$(label_of io.redock.alias "$(ename ${T}b-container)")" = "${T}b-container" ]
	[ "$(label_of io.redock.name "$USER:${T}b")" = "$USER:${T}b" ]
	[ "$(label_of io.redock.alias "$USER:${T}b")" = "${T}b-container" ]
	[ -n "$(pinned_key "${T}a-container")" ]
	[ -n "$(pinned_key "${T}b-container")" ]
	[ "$(pinned_key "${T}a-container")" != "$(pinned_key "${T}b-container")" ]
	# Each serves its own key: the pins hold for both.
	run -0 ssh_to "${T}a-container" true
	run -0 ssh_to "${T}b-container" true
}

@test "a stopped NAME's settings carry over to NEW, but not -n's host name" {
	local id

	run -0 redock start --no-shell -n "${T}host" --mount "$DATA:/data" \
	    "${T}c"
	run -0 ssh_to "${T}host-container" 'echo kept >/root/file'
	run -0 redock stop "${T}c"
	id=$(docker inspect -f '{{.Id}}' "$(ename ${T}host-container)")

	run -0 redock clone "${T}c" "${T}d"
	[ "$output" = "cloned '$USER:${T}c' to '$USER:${T}d': ssh ${T}d-container" ]
	run -0 ssh_to "${T}d-container" 'cat /root/file /data/x; hostname'
	[ "$output" = "kept
shared
${T}d" ]
	settings=$(label_of io.redock.settings "$(ename ${T}d-container)")
	[ "$(jq -r .hostname <<<"$settings")" = null ]
	[ "$(jq -r '.mounts[0].source' <<<"$settings")" = "$(realpath "$DATA")" ]
	[ "$(jq -r '.mounts[0].target' <<<"$settings")" = /data ]
	[ "$(jq -r .hostname <<<"$(label_of io.redock.settings \
	    "$USER:${T}d")")" = null ]

	# NAME: still stopped, the same container, its host name kept.
	[ "$(docker inspect -f '{{.Id}} {{.State.Status}}' "$(ename ${T}host-container)")" = \
	    "$id exited" ]
	[ "$(jq -r .hostname <<<"$(label_of io.redock.settings \
	    "$(ename ${T}host-container)")")" = "${T}host" ]
}

@test "a NAME with only an image is cloned from it, and nothing of the copy is left over" {
	local image

	run -0 redock start --no-shell "${T}e"
	run -0 ssh_to "${T}e-container" 'echo committed >/root/file'
	run -0 redock commit "${T}e"
	run -0 redock kill "${T}e"
	image=$(docker image inspect -f '{{.Id}}' "$USER:${T}e")

	# -q: nothing but errors.
	prints "" redock -q clone "${T}e" "${T}f"
	run -0 ssh_to "${T}f-container" 'cat /root/file; hostname'
	[ "$output" = "committed
${T}f" ]
	[ "$(label_of io.redock.alias "$USER:${T}f")" = "${T}f-container" ]
	[ "$(label_of io.redock.snapshot.of "$USER:${T}f")" = "" ]

	# NAME: the same image, still no container; no container of the
	# image is left from making the copy.
	[ "$(docker image inspect -f '{{.Id}}' "$USER:${T}e")" = "$image" ]
	run docker inspect "$(ename ${T}e-container)"
	[ "$status" -ne 0 ]
	[ "$(containers_of_image "$image")" = 0 ]
}

@test "a NEW that has a container, an image or whose alias is taken is refused, nothing made" {
	local before image

	run -0 redock start --no-shell "${T}g"
	run -0 redock start --no-shell "${T}h"
	run -0 redock start --no-shell -n "${T}j" "${T}i"
	before=$(engine_objects "${T}*-container")

	fails_with 1 clone "${T}g" "${T}h"
	stderr_has "cannot clone '$USER:${T}g' to '$USER:${T}h'" \
	    "'redock kill $USER:${T}h'"
	fails_with 1 clone "${T}g" "${T}j"
	stderr_has "'${T}j-container'" "'$USER:${T}i'"
	[ "$(engine_objects "${T}*-container")" = "$before" ]

	run -0 redock commit "${T}h"
	run -0 redock kill "${T}h"
	image=$(docker image inspect -f '{{.Id}}' "$USER:${T}h")
	before=$(engine_objects "${T}*-container")
	fails_with 1 clone "${T}g" "${T}h"
	stderr_has "'redock delete $USER:${T}h'"
	[ "$(engine_objects "${T}*-container")" = "$before" ]
	[ "$(docker image inspect -f '{{.Id}}' "$USER:${T}h")" = "$image" ]
}

@test "a NAME with nothing is exit 1, bad NAMEs exit 2, and nothing is made" {
	local before

	before=$(engine_objects "${T}*-container")
	fails_with 1 clone "${T}none" "${T}new"
	stderr_has "'$USER:${T}none'" "no container and no image"
	fails_with 2 clone 'Bad:Name' "${T}new"
	fails_with 2 clone "${T}none" 'Bad:Name'
	fails_with 2 clone "${T}none" "${T}none"
	fails_with 2 clone "${T}none" "$USER:${T}none"
	fails_with 2 clone "${T}none" ___
	fails_with 2 clone "${T}none" "${T}$(printf 'x%.0s' {1..64})"
	fails_with 2 clone "${T}none"
	fails_with 2 clone "${T}none" "${T}new" "${T}more"
	REDOCK_START_TIMEOUT=soon fails_with 1 clone "${T}none" "${T}new"
	stderr_has REDOCK_START_TIMEOUT
	[ "$(engine_objects "${T}*-container")" = "$before" ]
	[ ! -e "$HOME/.ssh/config.d/10-redock-${T}new-container" ]
}

@test "a NEW that does not start keeps its image, and the line says what to do" {
	run -0 redock start --no-shell --mount "$DATA:/data" "${T}m"
	run -0 redock commit "${T}m"
	run -0 redock kill "${T}m"
	rm -rf "$DATA"

	run --separate-stderr redock clone "${T}m" "${T}n"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	stderr_has "cannot start '$USER:${T}n'" \
	    "'redock start $USER:${T}n' tries again" \
	    "'redock delete $USER:${T}n' removes it"
	run -0 docker image inspect "$USER:${T}n"
	run docker inspect "$(ename ${T}n-container)"
	[ "$status" -ne 0 ]
	run -0 redock delete "${T}n"
	run docker image inspect "$USER:${T}n"
	[ "$status" -ne 0 ]
}
