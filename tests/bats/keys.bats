#!/usr/bin/env bats
# redock's keys in a real container of redock:base, reached with the
# real OpenSSH client: the keys go in through the engine's archive
# upload (tests/tools/keys-install), the host key is pinned in advance,
# and sshd takes redock's key and nothing else.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

ALIAS=web-container

setup() {
	redock_setup
	KEYS_INSTALL=$REDOCK_BUILD/tests/tools/keys-install
}

# Creates a container of redock:base the way redock runs one (the
# engine's init, sshd on 127.0.0.1 only); sets CID.
create_container() {
	redock -q base
	CID=$(docker create --init --label "$TEST_LABEL" -p 127.0.0.1::22 redock:base)
}

# Starts $CID and waits for sshd; sets PORT.
start_container() {
	docker start "$CID" >/dev/null
	PORT=$(docker port "$CID" 22/tcp | sed -n 's/^127\.0\.0\.1://p')
	[ -n "$PORT" ]
	wait_ssh_banner "$PORT"
}

# ssh to the container as redock's fragment would, with the pinned key;
# extra options first.
ssh_pinned() {
	ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes \
	    -o StrictHostKeyChecking=yes -o HostKeyAlias=$ALIAS \
	    -o UserKnownHostsFile="$REDOCK_HOME/known_hosts" \
	    -o ConnectTimeout=10 -p "$PORT" "$@"
}

@test "the keys go in through the engine before the first start, with root's modes" {
	require_engine
	create_container
	run --separate-stderr "$KEYS_INSTALL" "$CID" $ALIAS
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(stat -c %a "$REDOCK_HOME")" = 700 ]
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519")" = 600 ]
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519.pub")" = 644 ]
	[ "$(stat -c %a "$REDOCK_HOME/hosts/$ALIAS/ssh_host_ed25519_key")" = 600 ]
	start_container
	run docker exec "$CID" stat -c '%n %a %U' /etc/ssh/ssh_host_ed25519_key \
	    /etc/ssh/ssh_host_ed25519_key.pub /root/.ssh /root/.ssh/authorized_keys \
	    /etc/ssh /root
	[ "${lines[0]}" = "/etc/ssh/ssh_host_ed25519_key 600 root" ]
	[ "${lines[1]}" = "/etc/ssh/ssh_host_ed25519_key.pub 644 root" ]
	[ "${lines[2]}" = "/root/.ssh 700 root" ]
	[ "${lines[3]}" = "/root/.ssh/authorized_keys 600 root" ]
	[ "${lines[4]}" = "/etc/ssh 755 root" ]
	[ "${lines[5]}" = "/root 700 root" ]
	run docker exec "$CID" cat /root/.ssh/authorized_keys
	[ "$output" = "$(cat "$REDOCK_HOME/id_ed25519.pub")" ]
}

@test "sshd takes redock's key, with the host key pinned in advance" {
	require_engine
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	# Pinned before the container ever ran: one line, under the alias.
	run grep -c "^$ALIAS ssh-ed25519 " "$REDOCK_HOME/known_hosts"
	[ "$output" = 1 ]
	start_container
	run ssh_pinned -i "$REDOCK_HOME/id_ed25519" root@127.0.0.1 'echo ok; id -u'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = 0 ]
	# What sshd serves is the key redock made.
	run --separate-stderr ssh-keyscan -t ed25519 -p "$PORT" 127.0.0.1
	[ "${#lines[@]}" -eq 1 ]
	[ "$(cut -d' ' -f2,3 <<<"${lines[0]}")" = \
	    "$(cut -d' ' -f1,2 "$REDOCK_HOME/hosts/$ALIAS/ssh_host_ed25519_key.pub")" ]
}

@test "sshd refuses a foreign key, and a password even when it is right" {
	require_engine
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	start_container
	docker exec "$CID" sh -c 'echo root:right-password | chpasswd'

	ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/foreign"
	run ssh_pinned -i "$BATS_TEST_TMPDIR/foreign" root@127.0.0.1 true
	[ "$status" -eq 255 ]
	[[ $output == *"Permission denied (publickey)"* ]]

	# The right password, offered through SSH_ASKPASS: never asked for.
	printf '#!/bin/sh\necho right-password\n' >"$BATS_TEST_TMPDIR/askpass"
	chmod +x "$BATS_TEST_TMPDIR/askpass"
	run env SSH_ASKPASS="$BATS_TEST_TMPDIR/askpass" SSH_ASKPASS_REQUIRE=force \
	    DISPLAY=:0 ssh -F /dev/null -o BatchMode=no -o IdentitiesOnly=yes \
	    -o IdentityFile=/dev/null -o StrictHostKeyChecking=yes \
	    -o HostKeyAlias=$ALIAS -o UserKnownHostsFile="$REDOCK_HOME/known_hosts" \
	    -o PreferredAuthentications=password,keyboard-interactive \
	    -o NumberOfPasswordPrompts=1 -v -p "$PORT" root@127.0.0.1 true </dev/null
	[ "$status" -eq 255 ]
	# ssh -v ends its lines with CR LF.
	[[ $output == *"Authentications that can continue: publickey"$'\r'* ]]
	[[ $output == *"Permission denied (publickey)"* ]]
	# ... while the same password is what root has.
	docker exec "$CID" grep -q '^root:[$]' /etc/shadow
}

@test "a host key other than the pinned one is refused" {
	require_engine
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	start_container
	ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/other"
	cp "$REDOCK_HOME/known_hosts" "$BATS_TEST_TMPDIR/known_hosts.good"
	echo "$ALIAS $(cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/other.pub")" \
	    >"$REDOCK_HOME/known_hosts"
	run ssh_pinned -i "$REDOCK_HOME/id_ed25519" root@127.0.0.1 true
	[ "$status" -eq 255 ]
	[[ $output == *"Host key verification failed"* ]]
	cp "$BATS_TEST_TMPDIR/known_hosts.good" "$REDOCK_HOME/known_hosts"
	run ssh_pinned -i "$REDOCK_HOME/id_ed25519" root@127.0.0.1 true
	[ "$status" -eq 0 ]
}

@test "the host key stays the same for the next container of the alias" {
	require_engine
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	pinned=$(sha1sum <"$REDOCK_HOME/known_hosts")
	key=$(sha1sum <"$REDOCK_HOME/hosts/$ALIAS/ssh_host_ed25519_key")
	docker rm "$CID" >/dev/null

	# As after kill and start: a new container, the same alias.
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	[ "$(sha1sum <"$REDOCK_HOME/known_hosts")" = "$pinned" ]
	[ "$(sha1sum <"$REDOCK_HOME/hosts/$ALIAS/ssh_host_ed25519_key")" = "$key" ]
	start_container
	run ssh_pinned -i "$REDOCK_HOME/id_ed25519" root@127.0.0.1 true
	[ "$status" -eq 0 ]
}

@test "a lost client key is made again, and installing it again lets only the new one in" {
	require_engine
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	start_container
	mv "$REDOCK_HOME/id_ed25519" "$BATS_TEST_TMPDIR/old_key"
	"$KEYS_INSTALL" "$CID" $ALIAS
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519")" = 600 ]
	run ssh_pinned -i "$REDOCK_HOME/id_ed25519" root@127.0.0.1 true
	[ "$status" -eq 0 ]
	run ssh_pinned -i "$BATS_TEST_TMPDIR/old_key" root@127.0.0.1 true
	[ "$status" -eq 255 ]
	[[ $output == *"Permission denied (publickey)"* ]]
}

@test "a private key that others may read is refused and left alone" {
	require_engine
	create_container
	"$KEYS_INSTALL" "$CID" $ALIAS
	chmod 0644 "$REDOCK_HOME/id_ed25519"
	before=$(sha1sum <"$REDOCK_HOME/id_ed25519")
	run --separate-stderr "$KEYS_INSTALL" "$CID" $ALIAS
	[ "$status" -eq 1 ]
	assert_one_line_stderr
	[[ $stderr == *"'$REDOCK_HOME/id_ed25519'"*"0644"* ]]
	[ "$(sha1sum <"$REDOCK_HOME/id_ed25519")" = "$before" ]
	[ "$(stat -c %a "$REDOCK_HOME/id_ed25519")" = 644 ]
}
