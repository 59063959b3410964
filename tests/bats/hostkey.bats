#!/usr/bin/env bats
# The container's host key with a real engine: its boot step takes the
# keys on its stdin (an attach, no archive upload), the private key goes
# to a tmpfs and nowhere else: not into the container's inspect, not
# into an image committed from it, its history or its saved layers. The
# key stays pinned across stop and start, commit and kill; a container
# made by an earlier redock still gets its keys as it always did.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup() {
	redock_setup
	require_engine
}

# A piece of the private host key of alias $1 long enough to be found
# nowhere else: its base64 past the public half.
private_body() {
	local body

	body=$(sed -n 2p "$REDOCK_HOME/hosts/$1/ssh_host_ed25519_key" |
	    cut -c150-300)
	[ "${#body}" -ge 100 ]
	echo "$body"
}

# Fails when $1, a piece of a private key, is in what stdin gives.
keyless() {
	! grep -aqF -- "$1"
}

@test "the private host key is on a tmpfs in the container, and in no inspect, history or saved image" {
	redock start --no-shell hk >/dev/null
	body=$(private_body hk-container)
	c=$(ename hk-container)
	docker inspect "$c" | keyless "$body"
	# sshd's path is a link to a file of root's alone, on a tmpfs.
	run docker exec "$c" readlink /etc/ssh/ssh_host_ed25519_key
	[ "$output" = /run/redock/ssh_host_ed25519_key ]
	run docker exec "$c" stat -L -c '%a %U' /etc/ssh/ssh_host_ed25519_key
	[ "$output" = "600 root" ]
	run docker exec "$c" awk '$2 == "/run/redock" { print $3 }' /proc/mounts
	[ "$output" = tmpfs ]
	run docker exec "$c" stat -c '%a %U' /run/redock
	[ "$output" = "700 root" ]
	# No archive upload: the engine was never asked to unpack one.
	[ "$(docker inspect -f '{{.Config.OpenStdin}}' "$c")" = true ]
	run ssh_to hk-container true
	[ "$status" -eq 0 ]

	redock commit hk >/dev/null
	docker image inspect "$USER:hk" | keyless "$body"
	docker history --no-trunc "$USER:hk" | keyless "$body"
	docker save "$USER:hk" | keyless "$body"
	docker export "$c" | keyless "$body"
}

@test "the pinned host key answers after stop and start, and from the committed image after kill" {
	redock start --no-shell hp >/dev/null
	key=$(sha256sum <"$REDOCK_HOME/hosts/hp-container/ssh_host_ed25519_key")
	pin=$(cat "$REDOCK_HOME/known_hosts")
	redock stop hp >/dev/null
	redock start --no-shell hp >/dev/null
	run ssh_to hp-container true
	[ "$status" -eq 0 ]
	redock commit hp >/dev/null
	redock kill hp >/dev/null
	redock start --no-shell hp >/dev/null
	run ssh_to hp-container 'cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	# The committed boot step is not run twice: the image's command is
	# sshd, as the first container's was.
	[ "$(grep -o redock-boot <<<"$output" | wc -l)" -eq 1 ]
	[[ $output == *" redock-boot /usr/sbin/sshd -D -e " ]]
	[ "$(sha256sum <"$REDOCK_HOME/hosts/hp-container/ssh_host_ed25519_key")" = "$key" ]
	[ "$(cat "$REDOCK_HOME/known_hosts")" = "$pin" ]
}

@test "a container started by hand waits for its keys, and a client key made anew since is let in" {
	redock start --no-shell hw >/dev/null
	redock stop hw >/dev/null
	c=$(ename hw-container)
	docker start "$c" >/dev/null
	sleep 0.5
	# Its boot step waits on its stdin: no sshd yet.
	run docker exec "$c" sh -c 'cat /proc/[0-9]*/comm'
	[[ $'\n'$output$'\n' != *$'\n'sshd$'\n'* ]]
	redock start --no-shell hw >/dev/null
	run ssh_to hw-container true
	[ "$status" -eq 0 ]
	# A new client key, and a start of the running container: let in,
	# the private host key still on the tmpfs alone.
	rm "$REDOCK_HOME/id_ed25519" "$REDOCK_HOME/id_ed25519.pub"
	redock start --no-shell hw >/dev/null
	run ssh_to hw-container 'stat -c %F /etc/ssh/ssh_host_ed25519_key'
	[ "$status" -eq 0 ]
	[ "$output" = "symbolic link" ]
	docker inspect "$c" | keyless "$(private_body hw-container)"
}

@test "a container made by an earlier redock, without a boot step, still gets its keys" {
	redock -q base
	c=$(ename ho-container)
	docker create --init --label "$TEST_LABEL" -p 127.0.0.1::22 \
	    --label io.redock.name="$USER:ho" --label io.redock.alias=ho-container \
	    --label io.redock.owner="$USER" --label io.redock.version=0.1.0 \
	    --name "$c" redock:base >/dev/null
	[ "$(docker inspect -f '{{.Config.OpenStdin}}' "$c")" = false ]
	redock start --no-shell ho >/dev/null
	run ssh_to ho-container 'stat -c "%F %a" /etc/ssh/ssh_host_ed25519_key'
	[ "$status" -eq 0 ]
	[ "$output" = "regular file 600" ]
	# On its disk, where the search above would have found it.
	docker export "$c" | grep -aqF -- "$(private_body ho-container)"
	redock stop ho >/dev/null
	redock start --no-shell ho >/dev/null
	run ssh_to ho-container true
	[ "$status" -eq 0 ]
}

# The bytes waiting on the stdin of container $1's PID 1 (the stdin its
# boot step read, and its sshd inherits), taken out of the pipe.
stdin_waiting() {
	docker exec "$1" sh -c \
	    'dd if=/proc/1/fd/0 iflag=nonblock bs=64k count=1 2>/dev/null | wc -c'
}

@test "restarted by hand, a container waits for its keys until sync gives them; a start of a running one feeds nothing" {
	redock start --no-shell hr >/dev/null
	c=$(ename hr-container)
	old=$(docker_port "$c")
	docker restart "$c" >/dev/null
	new=$(docker_port "$c")
	[ -n "$new" ]
	# The boot step waits: nothing answers on the new port, and ssh
	# does not get in there.
	sleep 0.5
	run timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$new && head -c 4 <&3"
	[[ $output != SSH-* ]]
	run ssh_to -p "$new" -o HostKeyAlias=hr-container hr-container true
	[ "$status" -ne 0 ]
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[[ $'\n'$output$'\n' == *$'\n'"gave keys to hr-container ('$USER:hr')"$'\n'* ]]
	if [ "$new" != "$old" ]; then
		[[ $output == *"updated hr-container ('$USER:hr', port $new)"* ]]
	fi
	# sync waited for sshd: the pinned key answers at once.
	run ssh_to hr-container true
	[ "$status" -eq 0 ]
	# Nothing left to give: sync says nothing.
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]

	# Five starts of the running container: it stays reachable, and
	# nothing is written to a stdin that nobody reads any more.
	for i in 1 2 3 4 5; do
		run redock start --no-shell hr
		[ "$status" -eq 0 ]
		[[ $output == *"is running"* ]]
	done
	[ "$(stdin_waiting "$c")" -eq 0 ]
	run ssh_to hr-container true
	[ "$status" -eq 0 ]

	# Restarted by hand again, a start gives the keys, once.
	docker restart "$c" >/dev/null
	redock start --no-shell hr >/dev/null
	run ssh_to hr-container true
	[ "$status" -eq 0 ]
	[ "$(stdin_waiting "$c")" -eq 0 ]
}
