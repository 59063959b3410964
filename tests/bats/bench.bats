#!/usr/bin/env bats
# The benchmark's own parts (make bench): the figures they print and the
# verdicts on the targets. No engine is needed: what they time here is
# the shell's true and sshconf.

load helper
FILE_LOCK=shared	# no fixed TAGs (helper.bash, file_lock)

setup() {
	redock_setup
	export BENCH_TARGETS="$BATS_TEST_TMPDIR/targets"
	: >"$BENCH_TARGETS"
	PROC="$REDOCK_BUILD/contrib/bench/bench-proc"
	tmp=$BATS_TEST_TMPDIR
}

@test "bench-proc: wall time and peak RSS, and a target that holds" {
	run -0 "$PROC" -r 1000 3 "true" /bin/true
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^"true, wall time "\ +median\ +[0-9.]+\ ms\ +min\ +[0-9.]+\ +max\ +[0-9.]+\ +\(n=3\)$ ]]
	[[ ${lines[1]} =~ ^"true, peak RSS "\ +median\ +[0-9.]+\ MiB ]]
	[[ ${lines[2]} =~ "target < 1000: holds"$ ]]
	run -0 cat "$BENCH_TARGETS"
	[[ $output =~ ^"true, peak RSS".*"target < 1000: holds"$ ]]
}

@test "bench-proc: -t checks the median wall time" {
	run -0 "$PROC" -t 1000 3 "true" /bin/true
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^"true, wall time "\ +median ]]
	[[ ${lines[1]} =~ ^"true, wall time "\ +[0-9.]+\ ms\ +"target < 1000: holds"$ ]]
	[[ ${lines[2]} =~ ^"true, peak RSS " ]]
	# No process starts in a microsecond.
	run -0 "$PROC" -t 0.001 -r 1000 3 "true" /bin/true
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[1]} =~ "target < 0.001: MISSED"$ ]]
	[[ ${lines[3]} =~ "target < 1000: holds"$ ]]
	run -0 cat "$BENCH_TARGETS"
	[ "${#lines[@]}" -eq 3 ]
	run -2 "$PROC" -t 0 2 "true" /bin/true
	[[ $output =~ ^usage: ]]
}

@test "bench-proc: a peak over the limit is MISSED; a failing command fails" {
	# 64 MiB held by the child: its peak RSS is above 32 MiB.
	run -0 "$PROC" -r 32 1 "big" \
	    python3 -c 'b = bytearray(64 << 20); b[::4096] = b"x" * (16 << 10)'
	[[ ${lines[2]} =~ "target < 32: MISSED"$ ]]
	run -0 grep -c MISSED "$BENCH_TARGETS"
	[ "$output" -eq 1 ]
	run -1 "$PROC" 2 "false" /bin/false
	[[ $output =~ "false: exit status 1" ]]
	run -2 "$PROC" -r x 2 "true" /bin/true
	[[ $output =~ ^usage: ]]
}

@test "lib.bash: report, ratio and check give the figures and the verdicts" {
	. "$TOP/contrib/bench/lib.bash"
	run report "four" 1000 3000 2000 4000
	[[ $output =~ ^"four "\ +median\ +2\.50\ ms\ +min\ +1\.00\ +max\ +4\.00\ +\(n=4\)$ ]]
	report "three" 5000 1000 3000 >/dev/null
	[ "$median" = 3.000 ]
	run ratio "a/b" 3 2 "<=" 1.3
	[[ $output =~ ^"a/b "\ +1\.50\ x\ +target\ \<=\ 1\.3:\ MISSED$ ]]
	run ratio "a/b" 1 2 "<=" 1.3
	[[ $output =~ "target <= 1.3: holds"$ ]]
	run ratio "a/b" "" 2 "<=" 1.3
	[[ $output =~ "not measured"$ ]]
	run check "c" 25 "<=" 25 ms
	[[ $output =~ "target <= 25: holds"$ ]]
	run check "c" 25 "<" 25 ms
	[[ $output =~ "target < 25: MISSED"$ ]]
	run ratio "no target" 1 2 none
	[[ $output =~ "(no target)"$ ]]
	# 200 ms of CPU in 100 ms of wall time: two cores' worth.
	report_cpu "cpu" 100 100 300 200 >"$tmp/cpu"
	[ "$cpu_median" = 200 ]
	pct=$(awk -v n="$(nproc)" 'BEGIN { printf "%.0f", 200 / n }')
	run -0 cat "$tmp/cpu"
	[[ $output =~ ^"cpu "\ +median\ +200\ ms\ +"CPU, all processes:"\ +$pct"% of $(nproc) cores"$ ]]
	# Every verdict, and only verdicts, went to the targets file.
	run -0 cat "$BENCH_TARGETS"
	[ "${#lines[@]}" -eq 5 ]
}

@test "lib.bash: timed counts a failure and tells its message" {
	. "$TOP/contrib/bench/lib.bash"
	fails() { echo "it broke" >&2; return 3; }
	timed true
	[ "$failures" -eq 0 ]
	[ "$elapsed" -gt 0 ]
	run -3 timed fails
	[[ $output =~ "FAILED (exit 3): fails" ]]
	[[ $output =~ "it broke" ]]
	untimed fails 2>/dev/null
	[ "$failures" -eq 1 ]
}

@test "bench-sshconf: one run for each size, the 1000 target, linear growth" {
	TMPDIR=$tmp run -0 "$REDOCK_BUILD/contrib/bench/bench-sshconf" 1
	[[ $output =~ "sshconf update, 10 fragments" ]]
	[[ $output =~ "sshconf update, 10000 fragments" ]]
	run -0 grep -c "each fragment more" <<<"$output"
	[ "$output" -eq 3 ]
	run -0 cat "$BENCH_TARGETS"
	[[ $output =~ ^"sshconf update, 1000 fragments".*"target < 50: "(holds|MISSED)$ ]]
	# Its files are gone again.
	run -0 find "$tmp" -name 'bench-sshconf.*'
	[ -z "$output" ]
}
