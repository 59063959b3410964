#!/usr/bin/env bats
# The Docker engine restarted while redock's containers run: afterwards
# list is right, start brings a container back, sync follows a container
# started outside redock to its new port, and nothing is duplicated.
#
# This restarts the engine the machine runs: every container on it stops.
# The file runs alone (FILE_LOCK, helper.bash): no other test run is in
# a file meanwhile, so only this file's containers are there. TAGs start
# with "q", like faults.bats's.

load helper
FILE_LOCK=alone

ENGINE_WAIT=120		# s; dockerd restarts in a few here

setup() {
	redock_setup
	require_engine
}

# The state of NAME $1 in redock list --json.
list_state() {
	redock list --json |
	    jq -r --arg n "$USER:$1" '[.[] | select(.name == $n)] |
	    if length == 1 then .[0].state else "\(length) entries" end'
}

# Stops the engine and starts it again as it was started: by systemd,
# or (contrib/setup without systemd) as a daemon of its own.
restart_engine() {
	local pid i

	if [ -d /run/systemd/system ]; then
		systemctl restart docker.service
	else
		if [ -n "${DOCKER_HOST:-}" ] || ! pid=$(pgrep -x -o dockerd); then
			echo "no dockerd on this machine to restart" >&2
			return 1
		fi
		local -a cmd
		mapfile -d '' cmd <"/proc/$pid/cmdline"
		kill -TERM "$pid"
		for i in $(seq "$ENGINE_WAIT"); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "dockerd ($pid) did not stop" >&2
			return 1
		fi
		# Without bats's descriptors: bats waits until they close.
		(
			cd / || exit 1
			for fd in /proc/self/fd/*; do
				fd=${fd##*/}
				[ "$fd" -le 2 ] || eval "exec $fd>&-"
			done
			exec setsid env -i PATH="$PATH" HOME=/root "${cmd[@]}" \
			    >>/var/log/dockerd.log 2>&1 </dev/null
		) &
	fi
	for i in $(seq "$ENGINE_WAIT"); do
		docker version >/dev/null 2>&1 && return 0
		sleep 1
	done
	echo "the engine did not answer $ENGINE_WAIT s after its restart" >&2
	return 1
}

@test "after an engine restart list is right, start and sync bring the aliases back, nothing twice" {
	redock start --no-shell qx1 qx2
	id1=$(docker inspect -f '{{.Id}}' "$(ename qx1-container)")
	id2=$(docker inspect -f '{{.Id}}' "$(ename qx2-container)")
	old2=$(docker_port "$(ename qx2-container)")

	restart_engine

	# Stopped with the engine: listed so, once each.
	[ "$(list_state qx1)" = exited ]
	[ "$(list_state qx2)" = exited ]
	# Nothing to sync while they are stopped: their aliases stay.
	before=$(snapshot)
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(snapshot)" = "$before" ]

	# start brings qx1 back: the same container, its alias follows.
	run --separate-stderr redock start --no-shell qx1
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:qx1' again: ssh qx1-container" ]
	[ "$(docker inspect -f '{{.Id}}' "$(ename qx1-container)")" = "$id1" ]
	[ "$(fragment_port qx1-container)" = "$(docker_port "$(ename qx1-container)")" ]
	run ssh_to qx1-container true
	[ "$status" -eq 0 ]

	# qx2 started behind redock's back on a new port: sync follows it.
	docker start "$(ename qx2-container)" >/dev/null
	new2=$(docker_port "$(ename qx2-container)")
	[ -n "$new2" ]
	[ "$(fragment_port qx2-container)" = "$old2" ]
	# Started outside redock, its boot step waits for its keys: sync
	# gives them, says so, and waits for its sshd.
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	gave="gave keys to qx2-container ('$USER:qx2')"
	if [ "$new2" != "$old2" ]; then
		[ "$output" = "$gave"$'\n'"updated qx2-container ('$USER:qx2', port $new2)" ]
	else
		[ "$output" = "$gave" ]
	fi
	[ "$(fragment_port qx2-container)" = "$new2" ]
	wait_ssh_banner "$new2"
	run ssh_to qx2-container true
	[ "$status" -eq 0 ]

	# Nothing twice: one container each, one Host block each.
	[ "$(docker ps -a -q --filter "label=io.redock.name=$USER:qx1" | wc -l)" = 1 ]
	[ "$(docker ps -a -q --filter "label=io.redock.name=$USER:qx2" | wc -l)" = 1 ]
	[ "$(docker inspect -f '{{.Id}}' "$(ename qx2-container)")" = "$id2" ]
	[ "$(grep -cx 'Host qx1-container' "$HOME/.ssh/config")" = 1 ]
	[ "$(grep -cx 'Host qx2-container' "$HOME/.ssh/config")" = 1 ]
	[ "$(list_state qx1)" = running ]
	[ "$(list_state qx2)" = running ]
}
