#!/usr/bin/env bats
# A remote engine, reached as a team's build server is: over tcp:// with
# TLS and over ssh://. The engine host is contrib/engine-host: a network
# namespace of this file's own, joined to this one by a veth pair, whose
# address ADDR (10.213.X.2) alone leads to it; in it a dockerd (unix
# socket, and tcp://ADDR:2376 with --tlsverify) and an sshd on ADDR:22
# (root, by a key made here, its sessions' DOCKER_HOST that dockerd).
# Containers there publish sshd on the namespace's 127.0.0.1, which only
# a ProxyJump through ADDR reaches.
#
# redock and ssh run here, in the machine's namespace, never inside the
# engine host's: ADDR is all they have. Every test's ~/.ssh/config
# starts with the engine host's block (Host ADDR: User root, its key, its
# known_hosts, StrictHostKeyChecking yes), as a user's own config would;
# redock keeps it, and OpenSSH (ssh -F ~/.ssh/config) finds it both for
# ssh:// and for an alias's ProxyJump. No image can be pulled: redock:base
# comes from the machine's engine. TAGs on the machine's engine are unique
# to the run (T), as another run may be on it at the same time.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup_file() {
	local tmp

	file_lock
	export T=r${REDOCK_TEST_RUN//[!a-z0-9]/}
	docker version >/dev/null 2>&1 || return 0
	if ! docker image inspect redock:base >/dev/null 2>&1; then
		tmp=$(mktemp -d)
		HOME=$tmp REDOCK_HOME=$tmp/rh "$REDOCK" -q base
		rm -rf "$tmp"
	fi
	# Short: containerd's socket path under --exec-root must fit.
	EH_DIR=$(mktemp -d /tmp/rdkh.XXXXXX)
	export EH_DIR
	"$TOP/contrib/engine-host" start "$EH_DIR" >/dev/null 3>&-
	EH_ADDR=$(cat "$EH_DIR/addr")
	export EH_ADDR EH_UNIX="unix://$EH_DIR/sock"
	export EH_TCP="tcp://$EH_ADDR:2376" EH_SSH="ssh://root@$EH_ADDR"
	docker save redock:base | docker -H "$EH_UNIX" load -q >/dev/null
}

teardown_file() {
	[ -z "${EH_DIR:-}" ] || "$TOP/contrib/engine-host" stop "$EH_DIR"
	file_unlock
}

setup() {
	redock_setup
	require_engine
	[ -S "$EH_DIR/sock" ] || {
		echo "no engine host: contrib/engine-host start failed" >&2
		return 1
	}
	mkdir -m 0700 "$HOME/.ssh"
	install -m 0600 "$EH_DIR/ssh_config" "$HOME/.ssh/config"
}

# The engine is this file's: whatever a test left there goes.
teardown() {
	eh_docker ps -a -q | xargs -r docker -H "$EH_UNIX" rm -f >/dev/null
	eh_docker images --format '{{.Repository}}:{{.Tag}}' |
	    grep "^$USER:" | xargs -r docker -H "$EH_UNIX" rmi -f >/dev/null
	redock_teardown
}

# The engine host's dockerd, by its socket, for looking and tidying.
eh_docker() {
	docker -H "$EH_UNIX" "$@"
}

# redock against the engine host, the way the test's $VIA says: tls
# (tcp:// with TLS, the client certificate of contrib/engine-host) or
# ssh (ssh://root@ADDR, the key of the user's ssh config).
rdr() {
	case $VIA in
	tls)	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$EH_DIR/pki \
		    "$REDOCK" -H "$EH_TCP" "$@" ;;
	ssh)	"$REDOCK" -H "$EH_SSH" "$@" ;;
	esac
}

# The ProxyJump an alias on the engine host has: ssh:// gives its own
# USER@HOST, tcp:// the host alone (the user's config has its User).
jump_of() {
	case $VIA in
	tls)	echo "$EH_ADDR" ;;
	ssh)	echo "root@$EH_ADDR" ;;
	esac
}

# The engine's URL as the fragment's engine line has it.
url_of() {
	case $VIA in
	tls)	echo "$EH_TCP" ;;
	ssh)	echo "$EH_SSH" ;;
	esac
}

# Containers of NAME $1 on the engine host (-q), and on this machine's.
remote_ids() {
	eh_docker ps -a -q --filter "label=io.redock.name=$1"
}

local_ids() {
	docker ps -a -q --filter "label=io.redock.name=$1"
}

# The life of one NAME on the engine host: start, ssh by the alias with
# strict host key checking (through ADDR), exec, shell, commit, list,
# kill, and a start again from the committed image.
lifecycle() {
	local n=$1 alias=${1}-container

	run --separate-stderr rdr start --no-shell "$n"
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:$n' from redock:base: ssh $alias" ]
	[ -n "$(remote_ids "$USER:$n")" ]
	[ -z "$(local_ids "$USER:$n")" ]
	grep -qx "	ProxyJump $(jump_of)" "$(fragment "$alias")"
	grep -qx "# redock: engine .*@$EH_DIR/data via $(url_of)" \
	    "$(fragment "$alias")"
	# The user's own block is kept, above or below redock's.
	grep -qx "Host $EH_ADDR" "$HOME/.ssh/config"

	[ "$(ssh_to "$alias" hostname)" = "$n" ]
	# No pin for 127.0.0.1 or ADDR was added: the alias's own.
	run ssh-keygen -F "$alias" -f "$(awk '$1 == "UserKnownHostsFile" {
	    gsub(/"/, "", $2); print $2 }' "$(fragment "$alias")")"
	[ "$status" -eq 0 ]

	run --separate-stderr rdr exec "$n" -- sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = err ]

	run --separate-stderr rdr shell "$n" <<<'echo "in $(hostname)"; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "in $n" ]

	ssh_to "$alias" 'echo kept >/root/kept'
	run --separate-stderr rdr commit -m "remote save" "$n"
	[ "$status" -eq 0 ]
	[[ $output =~ ^committed\ \'$USER:$n\'\ as\ image\ [0-9a-f]{12}$ ]]
	[ "$(eh_docker image inspect -f '{{.Comment}}' "$USER:$n")" = \
	    "remote save" ]
	run docker image inspect "$USER:$n"
	[ "$status" -ne 0 ]

	run --separate-stderr rdr list --json
	[ "$status" -eq 0 ]
	[[ $output == *"\"name\": \"$USER:$n\""* ]]
	[[ $output == *"\"alias\": \"$alias\""* ]]
	run --separate-stderr rdr list
	[ "$status" -eq 0 ]
	[[ $output == *"$USER:$n"*"$alias"* ]]

	ssh_to "$alias" 'echo lost >/root/lost'
	run --separate-stderr rdr kill "$n"
	[ "$status" -eq 0 ]
	[ "$output" = "killed '$USER:$n'" ]
	[ -z "$(remote_ids "$USER:$n")" ]
	[ ! -e "$(fragment "$alias")" ]

	run --separate-stderr rdr start --no-shell "$n"
	[ "$status" -eq 0 ]
	[ "$output" = "started '$USER:$n' from $USER:$n: ssh $alias" ]
	run ssh_to "$alias" 'cat /root/kept; test ! -e /root/lost && echo no-lost'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = kept ]
	[ "${lines[1]}" = no-lost ]
}

# Beside a container of the machine's engine in the same HOME: sync and
# kill against the engine host leave its alias, container and pin alone,
# and the machine's engine's sync leaves the engine host's.
beside_local() {
	local l=${T}l r=$1 before

	redock start --no-shell "$l"
	rdr start --no-shell "$r"
	before=$(cat "$(fragment "$l-container")")
	grep -q "via unix:///var/run/docker.sock$" "$(fragment "$l-container")"

	run --separate-stderr rdr sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat "$(fragment "$l-container")")" = "$before" ]
	run --separate-stderr redock sync
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -f "$(fragment "$r-container")" ]
	[ "$(ssh_to "$r-container" hostname)" = "$r" ]
	[ "$(ssh_to "$l-container" hostname)" = "$l" ]

	# The engine host's container gone by hand: only its sync sees it.
	eh_docker rm -f "$(remote_ids "$USER:$r")" >/dev/null
	run redock sync
	[ "$status" -eq 0 ]
	[ -f "$(fragment "$r-container")" ]
	run --separate-stderr rdr sync
	[ "$status" -eq 0 ]
	[ "$output" = "removed $r-container: no container has it" ]
	[ ! -e "$(fragment "$r-container")" ]
	[ "$(cat "$(fragment "$l-container")")" = "$before" ]

	# kill there: the machine's container and alias stay.
	rdr start --no-shell "$r"
	run --separate-stderr rdr kill "$r"
	[ "$status" -eq 0 ]
	[ "$output" = "killed '$USER:$r'" ]
	[ -n "$(local_ids "$USER:$l")" ]
	[ "$(cat "$(fragment "$l-container")")" = "$before" ]
	[ "$(ssh_to "$l-container" hostname)" = "$l" ]
	run --separate-stderr rdr list --json
	[[ $output != *"$USER:$l"* ]]
}

@test "over tcp:// with TLS: start, ssh by the alias through the engine host, exec, shell, commit, list, kill" {
	VIA=tls
	lifecycle "${T}t"
}

@test "over ssh://: start, ssh by the alias through the engine host, exec, shell, commit, list, kill" {
	VIA=ssh
	lifecycle "${T}s"
}

@test "over tcp:// with TLS: sync and kill there leave the machine's engine's aliases" {
	VIA=tls
	beside_local "${T}bt"
}

@test "over ssh://: sync and kill there leave the machine's engine's aliases" {
	VIA=ssh
	beside_local "${T}bs"
}

@test "the same NAME on the engine host and on the machine's engine: kill on one leaves the other" {
	VIA=ssh
	redock start --no-shell -n "${T}one" "${T}app"
	rdr start --no-shell -n "${T}two" "${T}app"
	[ "$(ssh_to "${T}one-container" hostname)" = "${T}one" ]
	[ "$(ssh_to "${T}two-container" hostname)" = "${T}two" ]
	run --separate-stderr rdr kill "${T}app"
	[ "$status" -eq 0 ]
	[ -f "$(fragment "${T}one-container")" ]
	[ ! -e "$(fragment "${T}two-container")" ]
	[ -n "$(local_ids "$USER:${T}app")" ]
	[ "$(ssh_to "${T}one-container" hostname)" = "${T}one" ]
}

@test "a start on an engine host ssh cannot log in to fails in one line, leaving no alias" {
	VIA=ssh
	# Another key: the engine host's sshd refuses it.
	ssh-keygen -q -t ed25519 -N '' -f "$HOME/other"
	sed -i "s|IdentityFile .*|IdentityFile $HOME/other|" "$HOME/.ssh/config"
	before=$(cat "$HOME/.ssh/config")
	exits_one_line 1 rdr start --no-shell "${T}x"
	stderr_has "$EH_SSH" "Permission denied"
	[ "$(cat "$HOME/.ssh/config")" = "$before" ]
	[ ! -e "$(fragment "${T}x-container")" ]
	[ -z "$(remote_ids "$USER:${T}x")" ]
}

# Logins to the engine host's sshd so far.
logins() {
	grep -c "Accepted publickey" "$EH_DIR/sshd.log" || :
}

# The ssh processes of this test's shared logins, by the ControlPath in
# their command line (jump.h): in the test's XDG_RUNTIME_DIR.
shared_procs() {
	procs_with ssh "$XDG_RUNTIME_DIR/redock/jump-"
}

# After a run: its master was told to end, not left to end by itself
# (ControlPersist, 1 to 2 s), and its socket is gone.
no_shared_left() {
	local _

	for _ in 1 2 3 4 5; do
		[ -n "$(shared_procs)" ] || break
		sleep 0.1
	done
	[ -z "$(shared_procs)" ] || {
		echo "ssh left: $(shared_procs)" >&2
		return 1
	}
	[ -z "$(ls -A "$XDG_RUNTIME_DIR/redock")" ]
}

# With sharing on, as users have it: one run of three NAMEs, then a
# list and a kill, each one login to the engine host, whatever it opens
# there (the API over ssh://, each banner's tries, the keys); none leaves
# an ssh behind.
one_login_a_run() {
	local n

	export REDOCK_SSH_SHARING=yes XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	n=$(logins)
	run --separate-stderr rdr start --no-shell "$1a" "$1b" "$1c"
	[ "$status" -eq 0 ]
	[ "$(logins)" -eq $((n + 1)) ]
	no_shared_left
	[ "$(remote_ids "$USER:$1a" | wc -l)" -eq 1 ]
	[ "$(remote_ids "$USER:$1c" | wc -l)" -eq 1 ]

	n=$(logins)
	run --separate-stderr rdr list
	[ "$status" -eq 0 ]
	[[ $output == *"$1b-container"* ]]
	run --separate-stderr rdr kill "$1a" "$1b" "$1c"
	[ "$status" -eq 0 ]
	# Over tcp:// the engine is not reached through ssh at all.
	case $VIA in
	tls)	[ "$(logins)" -eq "$n" ] ;;
	ssh)	[ "$(logins)" -eq $((n + 2)) ] ;;
	esac
	no_shared_left
	[ -z "$(remote_ids "$USER:$1b")" ]
}

@test "over ssh://, a run logs in to the engine host once (sharing on) and leaves no ssh" {
	VIA=ssh
	one_login_a_run "${T}ls"
}

@test "over tcp:// with TLS, a start's banners take one login to the engine host (sharing on)" {
	VIA=tls
	one_login_a_run "${T}lt"
}

@test "with sharing on, a login the engine host refuses still fails in one line and leaves nothing" {
	VIA=ssh
	export REDOCK_SSH_SHARING=yes XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$HOME/other"
	sed -i "s|IdentityFile .*|IdentityFile $HOME/other|" "$HOME/.ssh/config"
	exits_one_line 1 rdr start --no-shell "${T}xs"
	stderr_has "$EH_SSH" "Permission denied"
	[ ! -e "$(fragment "${T}xs-container")" ]
	[ -z "$(remote_ids "$USER:${T}xs")" ]
	no_shared_left
}

@test "REDOCK_JUMP names the jump for a tcp:// engine; -v says which engine and which way" {
	VIA=tls
	run --separate-stderr rdr -v list
	[ "$status" -eq 0 ]
	stderr_has "engine $EH_TCP (from -H; containers through $EH_ADDR)"
	VIA=ssh
	run --separate-stderr rdr -v list
	[ "$status" -eq 0 ]
	stderr_has "engine $EH_SSH (from -H; containers through root@$EH_ADDR)"

	VIA=tls
	REDOCK_JUMP=root@$EH_ADDR:22 rdr start --no-shell "${T}j"
	grep -qx "	ProxyJump root@$EH_ADDR:22" "$(fragment "${T}j-container")"
	[ "$(ssh_to "${T}j-container" hostname)" = "${T}j" ]
	REDOCK_JUMP=root@$EH_ADDR:22 rdr exec "${T}j" true
}

@test "a docker context of the engine host, with its TLS material in the context store, is followed" {
	docker context create "${T}ctx" --docker "host=$EH_TCP,ca=$EH_DIR/pki/ca.pem,cert=$EH_DIR/pki/cert.pem,key=$EH_DIR/pki/key.pem" >/dev/null
	# DOCKER_CONTEXT for redock alone: the docker CLI of this test (and
	# its clean-up) stays on the machine's engine.
	run --separate-stderr env DOCKER_CONTEXT="${T}ctx" "$REDOCK" \
	    start --no-shell "${T}c"
	[ "$status" -eq 0 ]
	[ -n "$(remote_ids "$USER:${T}c")" ]
	[ -z "$(local_ids "$USER:${T}c")" ]
	grep -qx "	ProxyJump $EH_ADDR" "$(fragment "${T}c-container")"
	grep -q " via $EH_TCP$" "$(fragment "${T}c-container")"
	[ "$(ssh_to "${T}c-container" hostname)" = "${T}c" ]
	prints "${T}c" env DOCKER_CONTEXT="${T}ctx" "$REDOCK" exec "${T}c" hostname
	# -H beats the context: the machine's engine has no such NAME.
	run --separate-stderr env DOCKER_CONTEXT="${T}ctx" "$REDOCK" \
	    -H unix:///var/run/docker.sock kill "${T}c"
	[ "$status" -ne 0 ]
	[ -f "$(fragment "${T}c-container")" ]
	prints "killed '$USER:${T}c'" env DOCKER_CONTEXT="${T}ctx" \
	    "$REDOCK" kill "${T}c"
	[ -z "$(remote_ids "$USER:${T}c")" ]
}
