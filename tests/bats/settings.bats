#!/usr/bin/env bats
# A NAME's settings (redock.1, SETTINGS): stored on the container as
# one JSON label, carried by commit into the image, applied again to a
# container made later from it; the command line wins over the image;
# a start that asks an existing container for other settings refuses.

load helper

setup() {
	redock_setup
	require_engine
	DATA=$BATS_TEST_TMPDIR/data
	mkdir -p "$DATA"
	echo from-the-host >"$DATA/file"
}

# The settings of NAME $1 as list --json shows them.
settings_of() {
	redock list --json | jq -c --arg n "$USER:$1" \
	    '.[] | select(.name == $n) | .settings'
}

@test "settings go on the container, into the image with commit, and onto the next container" {
	redock start --no-shell -n zs-host --mount "$DATA:/data" zscarry

	json=$(settings_of zscarry)
	[ "$(jq -r .hostname <<<"$json")" = zs-host ]
	[ "$(jq -r '.mounts[0].source' <<<"$json")" = "$(realpath "$DATA")" ]
	[ "$(jq -r '.mounts[0].target' <<<"$json")" = /data ]
	[ "$(jq -r '.mounts[0].rw' <<<"$json")" = false ]
	[ "$(jq -r .user <<<"$json")" = null ]
	label=$(docker inspect -f '{{index .Config.Labels "io.redock.settings"}}' \
	    "$(ename zs-host-container)")
	[ "$(jq -c . <<<"$label")" = "$json" ]
	prints from-the-host redock exec zscarry cat /data/file
	run redock exec zscarry touch /data/new
	[ "$status" -ne 0 ]
	[ ! -e "$DATA/new" ]

	redock commit zscarry >/dev/null
	label=$(docker image inspect \
	    -f '{{index .Config.Labels "io.redock.settings"}}' "$USER:zscarry")
	[ "$(jq -c . <<<"$label")" = "$json" ]
	redock kill zscarry >/dev/null

	# No options: the image's settings, host name and alias included.
	run --separate-stderr redock start --no-shell zscarry
	[ "$status" -eq 0 ]
	[[ $output == *"ssh zs-host-container"* ]]
	[ "$(settings_of zscarry)" = "$json" ]
	prints zs-host redock exec zscarry hostname
	prints from-the-host redock exec zscarry cat /data/file
	[ "$(docker inspect -f '{{range .Mounts}}{{.Source}}:{{.Destination}}:{{.RW}}{{end}}' \
	    "$(ename zs-host-container)")" = "$(realpath "$DATA"):/data:false" ]
	[ "$(ssh_to zs-host-container cat /data/file)" = from-the-host ]
}

@test "the command line wins over the image's settings" {
	other=$BATS_TEST_TMPDIR/other
	mkdir -p "$other"
	echo other >"$other/file"
	redock start --no-shell --mount "$DATA:/data" zswin
	redock commit zswin >/dev/null
	redock kill zswin >/dev/null

	redock start --no-shell --mount "$other:/data:rw" zswin
	prints other redock exec zswin cat /data/file
	redock exec zswin touch /data/written
	[ -e "$other/written" ]
	[ "$(settings_of zswin | jq -c '[.mounts[] | .source]')" = \
	    "[\"$(realpath "$other")\"]" ]
}

@test "start asking an existing container for other settings refuses and changes nothing" {
	redock start --no-shell zsdiff
	id=$(docker inspect -f '{{.Id}}' "$(ename zsdiff-container)")
	before=$(snapshot)

	fails_with 1 start --no-shell --mount "$DATA:/data" zsdiff
	stderr_has "'$USER:zsdiff'" "--mount" "redock kill $USER:zsdiff"
	[ "$(docker inspect -f '{{.Id}} {{len .Mounts}}' "$(ename zsdiff-container)")" = "$id 0" ]
	[ "$(snapshot)" = "$before" ]

	# The same settings, or none, resume it as it is.
	redock stop zsdiff >/dev/null 2>&1 || docker stop "$(ename zsdiff-container)" >/dev/null
	redock start --no-shell zsdiff
	[ "$(docker inspect -f '{{.Id}}' "$(ename zsdiff-container)")" = "$id" ]
}

@test "a mount whose source is gone since the commit is refused before anything is made" {
	gone=$BATS_TEST_TMPDIR/gone
	mkdir -p "$gone"
	redock start --no-shell --mount "$gone" zsgone
	redock commit zsgone >/dev/null
	redock kill zsgone >/dev/null
	rmdir "$gone"
	before=$(engine_objects 'zsgone-container')

	fails_with 1 start --no-shell zsgone
	stderr_has "'$USER:zsgone'" "$gone"
	[ "$(engine_objects 'zsgone-container')" = "$before" ]
	[ ! -e "$(fragment zsgone-container)" ]
}

@test "mounts on an engine reached over tcp are refused before anything is made" {
	coproc FAKE_PROC { exec "$TOP/tests/fake-engine" - --tcp 0 3>&-; }
	read -r -t 10 ready addr <&"${FAKE_PROC[0]}" || true
	[ "$ready" = ready ]
	[[ $addr == 127.0.0.1:[0-9]* ]]

	fails_with 1 -H "tcp://$addr" start --no-shell --mount "$DATA" zstcp
	stderr_has "'$USER:zstcp'" "tcp://$addr" "mounts are for a local engine"
	[ ! -e "$(fragment zstcp-container)" ]
	fake_engine_stop
}

@test "a container whose settings label is not JSON is refused, and list shows null" {
	docker run -d --name zsbad-container --label "$TEST_LABEL" \
	    --label "io.redock.owner=$USER" \
	    --label "io.redock.name=$USER:zsbad" \
	    --label io.redock.alias=zsbad-container \
	    --label 'io.redock.settings={"user":' redock:base sleep 600 >/dev/null

	fails_with 1 start --no-shell zsbad
	stderr_has "'$USER:zsbad'" "settings"
	[ "$(settings_of zsbad)" = null ]
}
