#!/usr/bin/env bats
# The cost microbenchmarks (bench/): each runs at --scale smoke, prints the
# CSV header the harness expects and sane values; bad options exit 2.

load common

# csv_check FILE MIN_ROWS: every row has as many fields as the header, and
# at least MIN_ROWS rows follow it.
csv_check() {
	awk -F, -v min="$2" '
		NR == 1 { nf = NF; next }
		NF != nf { print "row " NR " has " NF " fields, header " nf ": " $0; bad = 1 }
		END { if (NR - 1 < min) { print "only " NR - 1 " rows"; bad = 1 }; exit bad }
	' "$1"
}

# spread_check FILE FIRST: the five columns from FIRST (median p10 p90 min
# max) are positive and min <= p10 <= median <= p90 <= max.
spread_check() {
	awk -F, -v f="$2" '
		NR == 1 { next }
		{
			med = $f; p10 = $(f + 1); p90 = $(f + 2); lo = $(f + 3); hi = $(f + 4)
			if (!(lo > 0 && lo <= p10 && p10 <= med && med <= p90 && p90 <= hi)) {
				print "bad spread: " $0; bad = 1
			}
		}
		END { exit bad }
	' "$1"
}

setup() {
	out=$(mktemp)
}

teardown() {
	rm -f "$out"
}

@test "lat_switch: header, rows, spreads" {
	run --separate-stderr "$BUILD/bench/lat_switch" --scale smoke
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$out"
	[ "$(head -1 "$out")" = "mechanism,placement,round_trips,median_ns,p10_ns,p90_ns,min_ns,max_ns,vol_switches_per_round_trip" ]
	csv_check "$out" 10
	spread_check "$out" 4
	for m in coro coro_copy swapcontext thread_futex thread_cond thread_pipe proc_pipe proc_futex; do
		grep -q "^$m,one-cpu,\|^$m,none," "$out" || { echo "no $m row"; return 1; }
	done
	if [ "$(uname -m)" = x86_64 ]; then
		grep -q '^bare,none,' "$out" || { echo "no bare row"; return 1; }
		grep -q '^bare_jmp,none,' "$out" || { echo "no bare_jmp row"; return 1; }
	fi
	grep -q '^thread_futex,unpinned,' "$out"
}

@test "lat_switch: pinned thread futex ping-pong blocks at least once per round trip" {
	run --separate-stderr "$BUILD/bench/lat_switch" --scale smoke --only thread_futex
	[ "$status" -eq 0 ]
	vol=$(printf '%s\n' "$output" | awk -F, '$1 == "thread_futex" && $2 == "one-cpu" { print $9 }')
	[ -n "$vol" ]
	assert_between 1 "$vol" 3
}

@test "lat_switch: the user-space switch is cheaper than a kernel ping-pong" {
	run --separate-stderr "$BUILD/bench/lat_switch" --scale smoke --only swapcontext
	[ "$status" -eq 0 ]
	user=$(printf '%s\n' "$output" | awk -F, '$1 == "swapcontext" { print $4 }')
	[ -z "$(printf '%s\n' "$output" | awk -F, 'NR > 1 && $9 != ""')" ]
	run --separate-stderr "$BUILD/bench/lat_switch" --scale smoke --only proc_pipe
	kernel=$(printf '%s\n' "$output" | awk -F, '$2 == "one-cpu" { print $4 }')
	assert_between 0 "$user" "$kernel"
}

@test "lat_switch: perf_pipe rows when perf runs here, none otherwise" {
	run --separate-stderr "$BUILD/bench/lat_switch" --scale smoke --only perf_pipe
	[ "$status" -eq 0 ]
	if perf bench sched pipe -T -l 10 >/dev/null 2>&1; then
		[[ "$output" == *"perf_pipe,one-cpu,"* ]]
	else
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
		[[ "$stderr" == *"perf_pipe rows left out"* ]]
	fi
}

@test "cost_create: header, every variant, spreads" {
	run --separate-stderr "$BUILD/bench/cost_create" --scale smoke
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$out"
	[ "$(head -1 "$out")" = "model,variant,n,median_ns,p10_ns,p90_ns,min_ns,max_ns" ]
	csv_check "$out" 10
	spread_check "$out" 4
	for v in coro,guarded coro,copy thread,default_stack thread,small_stack process,fork process,posix_spawn; do
		grep -q "^$v,1," "$out" || { echo "no $v row"; return 1; }
	done
	grep -q '^thread,small_stack,100,' "$out"
}

# mem_bpt MODEL VARIANT METRIC: bytes_per_task of that row of $out.
mem_bpt() {
	awk -F, -v m="$1" -v v="$2" -v k="$3" '$1 == m && $2 == v && $6 == k { print $4 }' "$out"
}

# mem_flt MODEL VARIANT METRIC: that row's faults_per_task.
mem_flt() {
	awk -F, -v m="$1" -v v="$2" -v k="$3" '$1 == m && $2 == v && $6 == k { print $7 }' "$out"
}

@test "mem_task: header, rows, positive slopes of sane size" {
	run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/bench/mem_task" --scale smoke
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"stray children: 0"* ]]
	printf '%s\n' "$output" >"$out"
	[ "$(head -1 "$out")" = "model,variant,n,bytes_per_task,total_kb,metric,faults_per_task" ]
	csv_check "$out" 6
	for v in process,fork,pss process,fork,rss coro,guarded,rss coro,copy,rss \
		thread,default_stack,rss thread,small_stack,rss; do
		[ "$(mem_bpt ${v//,/ } | wc -l)" -eq 1 ] || { echo "not one $v row"; return 1; }
	done
	awk -F, 'NR > 1 && !($3 > 0 && $4 > 0 && $5 > 0) { print "not positive: " $0; exit 1 }' "$out"
	# A guarded stack and a thread's stack each touch at least a page.
	assert_between 4096 "$(mem_bpt coro guarded rss)" 1000000000
	assert_between 4096 "$(mem_bpt thread default_stack rss)" 1000000000
	# ... and so takes at least one fresh page: a fault.
	assert_between 0.9 "$(mem_flt coro guarded rss)" 1000
	# Rss counts the parent's pages in every child; Pss shares them out.
	assert_between 0 "$(mem_bpt process fork pss)" "$(mem_bpt process fork rss)"
	[ "$FLAVOUR" != tsan ] || return 0   # its ~1 MB per fiber swamps the rest
	# A copy task's record and saved stack show in the slope, below a
	# guarded page: were N1 and N2 too close for an arena chunk to be
	# faulted in between, only its table entries would (~20 bytes).
	assert_between 100 "$(mem_bpt coro copy rss)" "$(mem_bpt coro guarded rss)"
}

@test "limits: smoke stays below every limit and leaves nothing behind" {
	run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/bench/limits" --scale smoke
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(printf '%s\n' "$output" | head -1)" = "model,variant,max_n,stopped_by,detail" ]
	[ "$(printf '%s\n' "$output" | grep -c ',64,none,reached the search cap of 64$')" -eq 5 ]
}

@test "limits: a process limit stops the search, reported as data, all reaped" {
	[ "$FLAVOUR" != tsan ] || skip "TSan caps live threads itself"
	dir=$(mktemp -d)
	chmod 755 "$dir"
	cp "$BUILD/bench/limits" "$BUILD/tests/helpers/orphans" "$dir/"
	if [ "$(id -u)" = 0 ]; then
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
			prlimit --nproc=40 "$dir/orphans" "$dir/limits" --scale smoke
	else
		now=$(ps -L -u "$(id -u)" --no-headers | wc -l)
		run --separate-stderr prlimit --nproc=$((now + 40)) "$dir/orphans" "$dir/limits" --scale smoke
	fi
	rm -rf "$dir"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"stray children: 0"* ]]
	printf '%s\n' "$output" >"$out"
	[ "$(awk -F, 'NR > 1 && $4 == "other" && $3 > 0 && $3 < 64' "$out" | wc -l)" -eq 3 ]
	grep -q 'Resource temporarily unavailable' "$out"
}

@test "bench programs: --help exits 0 and names --scale" {
	for b in lat_switch cost_create mem_task limits; do
		run "$BUILD/bench/$b" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"--scale"* ]]
	done
}

# bad_bench PROGRAM EXPECTED-TEXT ARGS...: bad_usage on build/bench/PROGRAM.
bad_bench() {
	local b=$1
	shift
	bad_usage "$BUILD/bench/$b" "$@"
}

@test "bench: unknown scale" { bad_bench lat_switch "--scale: invalid value 'huge' (accepted: smoke|quick|full)" --scale huge; }
@test "bench: empty scale" { bad_bench cost_create "--scale: invalid value ''" --scale=; }
@test "bench: missing scale value" { bad_bench mem_task "--scale: missing value" --scale; }
@test "bench: unknown option" { bad_bench limits "--tasks: unknown option" --tasks 3; }
@test "bench: stray argument" { bad_bench lat_switch "quick: unexpected argument" quick; }
@test "bench: unknown mechanism" { bad_bench lat_switch "--only: invalid value 'fibre'" --only fibre; }
@test "bench: unknown model" { bad_bench cost_create "--only: invalid value 'fiber' (accepted: coro|thread|process|all)" --only fiber; }

@test "mn_uneven smoke: its CSV header, stealing on and off, steals counted only when on" {
	[ "$FLAVOUR" = default ] || skip "benchmark: default build only"
	run --separate-stderr "$BUILD/bench/mn_uneven" --scale smoke
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "steal,loops,tasks,runs,median_s,min_s,max_s,steals,migrations,busiest_share" ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == on,2,64,1,* ]]
	[[ "${lines[2]}" == off,2,64,1,* ]]
	# Off: one loop started every task, none stolen. On: the other loop stole some.
	[ "$(echo "${lines[2]}" | cut -d, -f8,10)" = 0,1.000 ]
	[ "$(echo "${lines[1]}" | cut -d, -f8)" -gt 0 ]
	run "$BUILD/bench/mn_uneven" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--scale"* ]]
	run "$BUILD/bench/mn_uneven" --scale huge
	[ "$status" -eq 2 ]
}
