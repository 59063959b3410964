#!/usr/bin/env bats
# reset and restore killed with SIGKILL at random points, fifty times
# each, against the real engine. A NAME's container is made anew beside
# the old one and replaces it only once it answers, so whatever the
# point, sync afterwards leaves exactly one container of the NAME (no
# spare, none lost), running, reached through its alias with its port
# and its host key (OpenSSH with strict checking), holding what the old
# one held (killed before the old one went) or what the new one was made
# from (after); and the user's ~/.ssh/config is whole. The engine goes
# on with what the killed redock asked of it: sync must settle whatever
# the engine lists, even a spare it has not finished making, but cannot
# see a create that the engine does not list yet (engine_caught_up()).
#
# Another run may use the same engine at the same time, and a container's
# engine name is its alias: every TAG here starts with "hf", and no other
# run is in this file meanwhile (FILE_LOCK, helper.bash).

load helper

RUNS=${REDOCK_FAULT_RUNS:-50}

# The user's own configuration, which must come through every fault.
USER_CONFIG='# the user'"'"'s own
Host userbox
    HostName 127.0.0.3
    User bob'

setup() {
	redock_setup
	require_engine
	mkdir -m 0700 "$HOME/.ssh"
	printf '%s\n' "$USER_CONFIG" >"$HOME/.ssh/config"
}

clock_ms() {
	date +%s%3N
}

# "ID NAME STATE" of each container of NAME $1, sorted by name.
containers_of() {
	docker ps -a --no-trunc --filter "label=io.redock.name=$1" \
	    --format '{{.ID}} {{.Names}} {{.State}}' | LC_ALL=C sort -k2
}

# For a failure: the full state of each container of NAME $NAME as the
# engine has it now, and again a moment later (an engine still finishing
# a killed redock's request shows there), with what the kill left
# ($hf_seen) and what sync said ($hf_sync).
dump_state() {
	local id when

	{
		echo "--- after the kill: ${hf_seen:-?}"
		echo "--- sync said: ${hf_sync:-?}"
		for when in now later; do
			[ "$when" = now ] || sleep 2
			echo "--- containers of $NAME, $when:"
			for id in $(docker ps -aq --no-trunc \
			    --filter "label=io.redock.name=$NAME"); do
				docker inspect -f '{{.Id}} {{.Name}}
    {{json .State}}
    created {{.Created}}; ports {{json .NetworkSettings.Ports}}' \
				    "$id" 2>&1
			done
		done
		echo "---"
	} >&2
}

# Runs the rest of the arguments (redock's) and kills redock with SIGKILL
# after a random time of up to $1 ms; then tallies in seen[] what the
# NAME $NAME had at that moment, its old container being $OLD: "old" or
# "new" under the alias ("+stale" when the alias lacks its port), and
# beside it "spare-STATE" (the new one) or "aside-STATE" (the old one).
kill_anywhere() {
	local ms=$((RANDOM * $1 / 32768)) id name state port

	shift
	hf_where=
	# In braces, so that bash's "Killed" line goes too.
	{ timeout -s KILL "$((ms / 1000)).$(printf %03d $((ms % 1000)))" \
	    "$REDOCK" "$@" >/dev/null 2>&1; } 2>/dev/null || true
	hf_seen=$(containers_of "$NAME")
	while read -r id name state; do
		case $name in
		"$EN.old")	hf_where+=+aside-$state ;;
		"$EN")	;;
		*)		hf_where+=+spare-$state ;;
		esac
		[ "$name" = "$EN" ] || continue
		if [ "$id" = "$OLD" ]; then
			hf_where+=+old
		else
			hf_where+=+new
			port=$(docker_port "$EN")
			[ "$(fragment_port "$ALIAS" 2>/dev/null)" = "$port" ] ||
			    hf_where+=+stale
		fi
	done <<<"$hf_seen"
	hf_where=${hf_where#+}
	hf_where=${hf_where:-none}
	seen[$hf_where]=$((${seen[$hf_where]:-0} + 1))
}

# The engine finishes a create whose client it lost, and lists the
# container only part of the way through (docker 20.10 reserves the name
# first, lists it once its configuration is written, and can inspect or
# remove it only at the end): the spare $EN.new that the killed redock
# asked for may appear after sync has listed the containers, and no
# client can settle what the engine does not show it. So before sync,
# the spare's name is taken here by a container of the test's (a create
# of it still on its way then fails), or, while another holds the name,
# that one waited for until the engine lists it (or the name is free
# again). hf_probe is the container that holds the name, removed once
# the run is checked.
engine_caught_up() {
	local end=$((SECONDS + 30))

	hf_probe=
	while [ "$SECONDS" -lt "$end" ]; do
		hf_probe=$(docker create --name "$EN.new" \
		    --label "$TEST_LABEL" redock:base 2>/dev/null) && return 0
		hf_probe=
		containers_of "$NAME" | grep -q " $EN\.new " && return 0
		sleep 0.1
	done
	echo "run $hf_run ($hf_where): the engine neither lists nor frees" \
	    "the name $EN.new" >&2
	return 1
}

# One container of $NAME, under its alias, running, the alias once in
# ~/.ssh/config with its port, and the user's configuration still read
# as it was written. Sets ID to the container's.
assert_settled() {
	local out line

	out=$(containers_of "$NAME")
	if [ "$(wc -l <<<"$out")" -ne 1 ] ||
	    [ "$(cut -d' ' -f2- <<<"$out")" != "$EN running" ]; then
		echo "run $hf_run ($hf_where): not one running container:" \
		    "$out" >&2
		dump_state
		return 1
	fi
	ID=${out%% *}
	if [ "$(fragment_port "$ALIAS")" != "$(docker_port "$EN")" ] ||
	    [ "$(grep -cx "Host $ALIAS" "$HOME/.ssh/config")" -ne 1 ]; then
		echo "run $hf_run ($hf_where): the alias does not reach it:" >&2
		cat "$HOME/.ssh/config" >&2
		dump_state
		return 1
	fi
	while IFS= read -r line; do
		grep -qxF -- "$line" "$HOME/.ssh/config" || {
			echo "run $hf_run ($hf_where): the user's '$line' is" \
			    "gone" >&2
			return 1
		}
	done <<<"$USER_CONFIG"
	out=$(ssh -T -G -F "$HOME/.ssh/config" userbox)
	grep -qx 'hostname 127.0.0.3' <<<"$out"
	grep -qx 'user bob' <<<"$out"
}

# The SIGKILL runs of "redock $1 hf$2 [$3]", each followed by sync and
# ssh with strict checking: the file /mark holds $4 in a container made
# anew, the run's number in the old one.
killed_runs() {
	local verb=$1 t0 t want mark
	local -A seen=()

	NAME=$USER:hf$2 ALIAS=hf$2-container EN=$USER.hf$2-container
	t0=$(clock_ms)
	redock "$verb" "hf$2" ${3:+"$3"} >/dev/null
	t=$(($(clock_ms) - t0))
	ssh_to "$ALIAS" "echo 1 >/mark"
	ID=$(docker inspect -f '{{.Id}}' "$EN")
	for hf_run in $(seq "$RUNS"); do
		OLD=$ID
		kill_anywhere $((t * 13 / 10)) "$verb" "hf$2" ${3:+"$3"}
		engine_caught_up
		run --separate-stderr redock sync
		hf_sync="$status: $output${stderr:+ / $stderr}"
		[ "$status" -eq 0 ] || {
			echo "run $hf_run ($hf_where): sync: $stderr" >&2
			dump_state
			return 1
		}
		assert_settled
		want=$4
		[ "$ID" != "$OLD" ] || want=$hf_run
		mark=$(ssh_to "$ALIAS" \
		    "cat /mark 2>&1 || :; echo $((hf_run + 1)) >/mark")
		[ "$mark" = "$want" ] || {
			echo "run $hf_run ($hf_where): /mark is '$mark', not" \
			    "'$want'" >&2
			dump_state
			return 1
		}
		[ -z "$hf_probe" ] || docker rm -f "$hf_probe" >/dev/null
	done
	tally "$verb"
}

@test "reset killed at random points: sync leaves the old container or the new one, reached as before" {
	redock start --no-shell hfr >/dev/null
	killed_runs reset r '' 'cat: /mark: No such file or directory'
}

@test "restore killed at random points: sync leaves the old container or the snapshot's, reached as before" {
	redock start --no-shell hfs >/dev/null
	ssh_to hfs-container 'echo snapshot >/mark'
	[ "$(redock snapshot hfs)" = 1 ]
	killed_runs restore s 1 snapshot
}

@test "an interrupted reset leaves the old container as it was, reached through its alias" {
	local pid status=0 pin frag i

	NAME=$USER:hfi ALIAS=hfi-container EN=$USER.hfi-container
	redock start --no-shell hfi >/dev/null
	ssh_to "$ALIAS" 'echo kept >/mark'
	OLD=$(docker inspect -f '{{.Id}}' "$EN")
	# NAME's image, whose sshd never comes: reset waits for it.
	docker commit --change 'CMD ["sleep","infinity"]' "$EN" "$NAME" \
	    >/dev/null
	pin=$(cat "$REDOCK_HOME/known_hosts")
	frag=$(cat "$(fragment "$ALIAS")")

	# Job control: a background job of a script would ignore SIGINT.
	set -m
	REDOCK_START_TIMEOUT=60 "$REDOCK" reset hfi 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	set +m
	for i in $(seq 100); do
		[ "$(docker inspect -f '{{.State.Status}}' "$EN.new" \
		    2>/dev/null)" = running ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -INT "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = \
	    "redock: cannot reset '$NAME': interrupted" ]
	hf_run=- hf_where=interrupted
	assert_settled
	[ "$ID" = "$OLD" ]
	[ "$(cat "$(fragment "$ALIAS")")" = "$frag" ]
	[ "$(cat "$REDOCK_HOME/known_hosts")" = "$pin" ]
	[ "$(ssh_to "$ALIAS" cat /mark)" = kept ]
}

@test "two resets of one NAME at once: one makes it anew, the other says so; one container, reached" {
	local k a b pa pb f said

	NAME=$USER:hfc ALIAS=hfc-container EN=$USER.hfc-container
	redock start --no-shell hfc >/dev/null
	for k in 1 2 3; do
		OLD=$(docker inspect -f '{{.Id}}' "$EN")
		a=0 b=0
		"$REDOCK" reset hfc >"$BATS_TEST_TMPDIR/a" 2>&1 & pa=$!
		"$REDOCK" reset hfc >"$BATS_TEST_TMPDIR/b" 2>&1 & pb=$!
		wait "$pa" || a=$?
		wait "$pb" || b=$?
		for f in a b; do
			said=$(cat "$BATS_TEST_TMPDIR/$f")
			[ "$said" = "reset '$NAME' to redock:base: ssh $ALIAS" ] ||
			    [[ $said == "redock: cannot reset '$NAME': "* &&
			    $said != *$'\n'* ]] || {
				echo "reset $f said: $said" >&2
				return 1
			}
		done
		[ "$a" -eq 0 ] || [ "$b" -eq 0 ]
		[ "$((a + b))" -le 1 ]
		hf_run=$k hf_where="$a $b"
		assert_settled
		[ "$ID" != "$OLD" ]
		ssh_to "$ALIAS" true
	done
}
