#!/usr/bin/env bats
# 150 rounds of restore and snapshot on one NAME (redock.1, snapshot):
# each snapshot of a container made from a snapshot adds a layer, and
# the engine refuses an image of about 125 (moby #20298); redock
# flattens a deep one, so NAME stays usable: it still starts, answers
# ssh and has the last round's file, and no snapshot reached 125 layers.
#
# It takes about two and a half minutes (0.9 s a round on two cores):
# make check runs it; make sanitize, whose check has REDOCK_SANITIZE=1
# (Makefile), skips it, as the same rounds under ASan would only take
# longer and find nothing the other tests do not.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

ROUNDS=150

setup() {
	redock_setup
	require_engine
	docker image inspect redock:base >/dev/null 2>&1 || redock -q base
	T=z${REDOCK_TEST_RUN//[!a-z0-9]/}
}

# The number of layers of snapshot $1 of NAME $T.
layers() {
	docker image inspect -f '{{len .RootFS.Layers}}' "$(docker images -q \
	    --filter "label=io.redock.snapshot.of=$USER:$T" \
	    --filter "label=io.redock.snapshot.number=$1" | head -n 1)"
}

@test "150 rounds of restore and snapshot: NAME still starts and answers, no snapshot reaches 125 layers" {
	local z=${T}-container round l prev max=0 drops=0 start=$SECONDS

	[ -z "${REDOCK_SANITIZE:-}" ] ||
	    skip "long (minutes): make check runs it, not make sanitize"
	run -0 redock start --no-shell "$T"
	run -0 ssh_to "$z" 'echo 0 >/root/round'
	prints 1 redock snapshot -m "round 0" "$T"
	prev=$(layers 1)
	for ((round = 1; round <= ROUNDS; round++)); do
		run --separate-stderr redock restore "$T" "$round"
		[ "$status" -eq 0 ] || {
			echo "round $round: restore $round: $stderr" >&2
			return 1
		}
		# The file of the round before: this is snapshot round's.
		run redock exec "$T" sh -c \
		    "test \"\$(cat /root/round)\" = $((round - 1)) && echo $round >/root/round"
		[ "$status" -eq 0 ] || {
			echo "round $round: exec: status $status: $output" >&2
			return 1
		}
		run --separate-stderr redock snapshot -m "round $round" "$T"
		[ "$status" -eq 0 ] && [ "$output" = $((round + 1)) ] || {
			echo "round $round: snapshot: status $status, '$output': $stderr" >&2
			return 1
		}
		l=$(layers $((round + 1)))
		[ "$l" -lt 125 ] || {
			echo "round $round: snapshot $((round + 1)) has $l layers" >&2
			return 1
		}
		[ "$l" -ge "$prev" ] || drops=$((drops + 1))
		[ "$l" -le "$max" ] || max=$l
		prev=$l
	done
	echo "# $ROUNDS rounds in $((SECONDS - start)) s; at most $max layers," \
	    "flattened $drops times" >&3
	# Flattened at least once: the layers did not just pile up.
	[ "$drops" -ge 1 ]

	# The last one still starts from scratch and answers.
	prints "restored '$USER:$T' from snapshot $((ROUNDS + 1)): ssh $z" \
	    redock restore "$T" $((ROUNDS + 1))
	prints "$ROUNDS" ssh_to "$z" cat /root/round
	run -0 redock kill "$T"
	run -0 redock restore "$T" $((ROUNDS + 1))
	run -0 redock stop "$T"
	run -0 redock start --no-shell "$T"
	prints "$ROUNDS" ssh_to "$z" cat /root/round
	# A commit of it, and a start of that, work too.
	run -0 redock commit "$T"
	[ "$(docker image inspect -f '{{len .RootFS.Layers}}' "$USER:$T")" -lt 125 ]
	run -0 redock kill "$T"
	run -0 redock start --no-shell "$T"
	prints "$ROUNDS" ssh_to "$z" cat /root/round

	run -0 redock delete "$T"
	[[ $output == *"deleted $((ROUNDS + 1)) snapshots of '$USER:$T'"* ]]
	[ -z "$(docker images -q \
	    --filter "label=io.redock.snapshot.of=$USER:$T")" ]
}
