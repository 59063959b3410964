# What the benchmark scripts share (sourced by machines, history and
# session): timing one call, a line of figures, a ratio, a target; and
# for the starts by hand, an image ssh reaches and the wait for sshd.
#
# Every line of figures has the same columns: what was measured (40
# characters), then the median, min and max and the number of runs. A
# target line says what was compared, the figure, the target and whether
# it holds; it is also appended to $BENCH_TARGETS when that is set, so
# that run can repeat all of them at the end.

failures=0

# A heading for a group of figures.
section() {
	printf '\n## %s\n' "$1"
}

# /proc/stat counts in these (asked once: timed runs cpu_ms twice).
clk_tck=$(getconf CLK_TCK)

# The CPU time (ms) all processes of the machine have used so far:
# user, nice, system, irq and softirq from /proc/stat.
cpu_ms() {
	local cpu user nice system idle iowait irq softirq rest
	read -r cpu user nice system idle iowait irq softirq rest </proc/stat
	echo $(( (user + nice + system + irq + softirq) * 1000 / clk_tck ))
}

# Runs a command with its output thrown away; its wall time (µs) is
# left in $elapsed, and the CPU time the whole machine used meanwhile
# (ms) in $cpu_used. A failure is told on stderr with the command's
# message, counted in $failures, and returned. $tmp must be a directory.
timed() {
	local t0 t1 c0 rc=0
	c0=$(cpu_ms)
	t0=${EPOCHREALTIME//[!0-9]/}
	"$@" >/dev/null 2>"$tmp/err" || rc=$?
	t1=${EPOCHREALTIME//[!0-9]/}
	cpu_used=$(( $(cpu_ms) - c0 ))
	elapsed=$((t1 - t0))
	if [ "$rc" -ne 0 ]; then
		failures=$((failures + 1))
		printf '# FAILED (exit %d): %s\n#   %s\n' "$rc" "$*" \
		    "$(sed 's/^/  /' "$tmp/err")" >&2
	fi
	return "$rc"
}

# The same, untimed: the setting up and cleaning up between timed runs.
untimed() {
	timed "$@" || :
}

# report LABEL TIME...: prints LABEL and the median, min and max of the
# times (µs) in ms; the median (ms) is left in $median, empty when no
# time is given (every run failed).
report() {
	local label=$1 out
	shift
	median=
	if [ $# -eq 0 ]; then
		printf '%-40s no run succeeded\n' "$label"
		return
	fi
	out=$(printf '%s\n' "$@" | sort -n | awk -v l="$label" '
		{ t[NR] = $1 / 1000 }
		END {
			n = NR
			m = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
			printf "%.3f\t%-40s median %7.2f ms  min %7.2f  max %7.2f  (n=%d)\n",
			    m, l, m, t[1], t[n], n
		}')
	median=${out%%$'\t'*}
	printf '%s\n' "${out#*$'\t'}"
}

# report_rate LABEL MIB TIME...: the same for a transfer of MIB MiB: the
# median in seconds and MiB/s at the median; the median (s) is left in
# $median.
report_rate() {
	local label=$1 mib=$2 out
	shift 2
	median=
	if [ $# -eq 0 ]; then
		printf '%-40s no run succeeded\n' "$label"
		return
	fi
	out=$(printf '%s\n' "$@" | sort -n | awk -v l="$label" -v mib="$mib" '
		{ t[NR] = $1 / 1000000 }
		END {
			n = NR
			m = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
			printf "%.6f\t%-40s median %7.3f s  %7.1f MiB/s  min %6.3f  max %6.3f  (n=%d)\n",
			    m, l, m, mib / m, t[1], t[n], n
		}')
	median=${out%%$'\t'*}
	printf '%s\n' "${out#*$'\t'}"
}

# report_cpu LABEL WALL CPU...: the median CPU time (ms) the machine used
# during the runs of LABEL, and how busy that kept its cores over WALL,
# the median wall time (ms). The median is left in $cpu_median.
report_cpu() {
	local label=$1 wall=$2
	shift 2
	cpu_median=
	[ $# -gt 0 ] && [ -n "$wall" ] || return 0
	cpu_median=$(printf '%s\n' "$@" | sort -n | awk '
		{ t[NR] = $1 }
		END {
			n = NR
			print n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
		}')
	awk -v l="$label" -v m="$cpu_median" -v w="$wall" -v c="$(nproc)" '
	    BEGIN {
		printf "%-40s median %7.0f ms  CPU, all processes: %3.0f%% of %d cores\n",
		    l, m, 100 * m / (w * c), c
	    }'
}

# check LABEL VALUE OP LIMIT [UNIT]: prints whether VALUE OP LIMIT holds
# (OP is <, <= or none, for a figure that has no target).
check() {
	local label=$1 value=$2 op=$3 limit=$4 unit=${5:-} line
	if [ -z "$value" ]; then
		line=$(printf '%-40s %8s %-5s target %s %s: not measured' \
		    "$label" - "$unit" "$op" "$limit")
	elif [ "$op" = none ]; then
		printf '%-40s %8.2f %-5s (no target)\n' "$label" "$value" "$unit"
		return
	else
		line=$(awk -v l="$label" -v v="$value" -v o="$op" -v t="$limit" \
		    -v u="$unit" 'BEGIN {
			ok = o == "<" ? v < t : v <= t
			printf "%-40s %8.2f %-5s target %s %s: %s", l, v, u, o,
			    t, ok ? "holds" : "MISSED"
		}')
	fi
	printf '%s\n' "$line"
	[ -z "${BENCH_TARGETS:-}" ] || printf '%s\n' "$line" >>"$BENCH_TARGETS"
}

# ratio LABEL A B OP LIMIT: A / B, two medians, against a target.
ratio() {
	local r=
	if [ -n "$2" ] && [ -n "$3" ]; then
		r=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.4f", a / b }')
	fi
	check "$1" "$r" "$4" "${5:-}" x
}

now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo "$t"
}

# Waits for an SSH banner on 127.0.0.1:PORT, as by hand: connect, read
# four bytes, again 10 ms later until they are "SSH-" (30 s at most).
wait_banner() {
	local port=$1 deadline b
	deadline=$(( $(now_us) + 30000000 ))
	while [ "$(now_us)" -lt "$deadline" ]; do
		if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
			b=
			read -r -N 4 -t 1 b <&3 || :
			exec 3<&-
			[ "$b" != SSH- ] || return 0
		fi
		sleep 0.01
	done
	echo "no SSH banner on 127.0.0.1:$port within 30 s" >&2
	return 1
}

# keyed_image IMAGE DIR: makes IMAGE, redock:base with a host key and an
# authorized key for root added (a layer of three files, made with
# docker cp and docker commit), for starts by hand that ssh reaches:
# DIR/id is the client's key, DIR/known_hosts pins the host key as
# bench-hand.
keyed_image() {
	local image=$1 dir=$2 cid
	ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$dir/hostkey"
	ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$dir/id"
	mkdir -m 0700 "$dir/dotssh"
	cp "$dir/id.pub" "$dir/dotssh/authorized_keys"
	chmod 0600 "$dir/dotssh/authorized_keys"
	printf 'bench-hand %s\n' "$(cut -d' ' -f1,2 "$dir/hostkey.pub")" \
	    >"$dir/known_hosts"
	cid=$(docker create redock:base)
	docker cp "$dir/hostkey" "$cid:/etc/ssh/ssh_host_ed25519_key"
	docker cp "$dir/dotssh" "$cid:/root/.ssh"
	docker commit "$cid" "$image" >/dev/null
	docker rm "$cid" >/dev/null
}
