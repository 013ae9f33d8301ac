#!/usr/bin/env bats
# The gil model (threads under a CPython-style global lock) and the GIL
# benchmark programs' smoke runs.

load common

# bad_input EXPECTED-TEXT ARGS...: build/gil must exit 2 with one line on
# stderr containing EXPECTED-TEXT and print nothing on stdout.
bad_input() {
	bad_usage "$BUILD/gil" "$@"
}

@test "gil cpu: the exact total under each lock, one thread per task and a pool" {
	for lock in new old none; do
		run "$BUILD/gil" cpu --gil "$lock" --workers 2 --json
		[ "$status" -eq 0 ]
		[ "$(json_field result)" = "$EXACT_TOTAL" ]
		[ "$(json_field gil)" = "$lock" ]
		run "$BUILD/gil" cpu --gil "$lock" --tasks 7 --n 1000003 --json
		[ "$status" -eq 0 ]
		[ "$(json_field ok)" = true ]
		[ "$(json_field completed)" = 7 ]
	done
}

@test "gil: the JSON object carries the lock's counters" {
	run "$BUILD/gil" cpu --tasks 4 --workers 2 --switch-interval-us 100 --json
	[ "$status" -eq 0 ]
	for key in gil switch_interval_us ticks tick_iters handoffs forced_drops timeouts \
		drop_requests failed_wakeups max_waiting wait_s wait_max_s takes; do
		printf '%s\n' "$output" | jq -e "has(\"$key\")" >/dev/null
	done
	[ "$(json_field switch_interval_us)" = 100 ]
	# two CPU threads, 0.1 ms interval, ~0.02 s of work: the lock must move
	[ "$(json_field handoffs)" -gt 0 ]
	[ "$(json_field forced_drops)" -gt 0 ]
	# a forced drop follows a drop request, which follows a timed-out wait
	[ "$(json_field drop_requests)" -ge "$(json_field forced_drops)" ]
	[ "$(json_field timeouts)" -ge "$(json_field drop_requests)" ]
}

@test "gil: the old lock never asks nor times out but releases every K bytecodes" {
	run "$BUILD/gil" cpu --gil old --ticks 10 --tasks 4 --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(json_field forced_drops)" = 0 ]
	[ "$(json_field drop_requests)" = 0 ]
	[ "$(json_field timeouts)" = 0 ]
	[ "$(json_field ticks)" = 10 ]
	# 10 bytecodes are 100 kernel iterations (lib/gil.h)
	[ "$(json_field tick_iters)" = 100 ]
	# 4 x 10^7 iterations, a release every 100
	[ "$(json_field takes)" -gt 400000 ]
	run "$BUILD/gil" cpu --gil old --tasks 2 --json
	[ "$status" -eq 0 ]
	# the default: 100 bytecodes, 1,000 iterations
	[ "$(json_field tick_iters)" = 1000 ]
}

@test "gil: with no lock nothing is counted" {
	run "$BUILD/gil" cpu --gil none --tasks 4 --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(json_field handoffs)" = 0 ]
	[ "$(json_field takes)" = 0 ]
	[ "$(json_field wait_s)" = 0 ]
	[ "$(json_field failed_wakeups)" = 0 ]
	[ "$(json_field max_waiting)" = 0 ]
}

@test "gil io: every task completes and the waits overlap (the lock is dropped)" {
	for lock in new old none; do
		run "$BUILD/gil" io --gil "$lock" --tasks 100 --ms 100 --json
		[ "$status" -eq 0 ]
		[ "$(json_field completed)" = 100 ]
		[ "$(json_field ok)" = true ]
		# 100 waits of 100 ms take 10 s one after another; a lock held
		# through the wait would serialise them; none ends before 100 ms
		assert_between 0.1 "$(json_field wall_s)" "$(concurrent_bound 100)"
	done
	run "$BUILD/gil" io --tasks 20 --ms 1 --workers 3 --json
	[ "$status" -eq 0 ]
	[ "$(json_field completed)" = 20 ]
}

@test "gil net: every request completes under each lock, round trips overlap" {
	for lock in new old none; do
		run "$BUILD/gil" net --gil "$lock" --tasks 100 --ms 100 --json
		[ "$status" -eq 0 ]
		[ "$(json_field completed)" = 100 ]
		[ "$(json_field result)" = 100 ]
		[ "$(json_field leaked_fds)" = 0 ]
		# 10 s one after another; each answer comes after 100 ms
		assert_between 0.1 "$(json_field wall_s)" "$(concurrent_bound 100)"
		run "$BUILD/gil" net --gil "$lock" --tasks 12 --ms 10 --workers 3 --json
		[ "$status" -eq 0 ]
		[ "$(json_field completed)" = 12 ]
	done
}

@test "gil: bad --gil values exit 2 with one line" {
	bad_input "--gil: invalid value 'fast' (accepted: new|old|none)" cpu --gil fast
	bad_input "--gil: invalid value ''" cpu --gil=
	bad_input "--gil: missing value (accepted: new|old|none)" cpu --gil
}

@test "gil: bad --switch-interval-us values exit 2 with one line" {
	bad_input "--switch-interval-us: invalid value '0' (accepted: 1..10000000)" cpu --switch-interval-us 0
	bad_input "--switch-interval-us: invalid value '-5'" cpu --switch-interval-us -5
	bad_input "--switch-interval-us: invalid value '10000001'" cpu --switch-interval-us 10000001
	bad_input "--switch-interval-us: invalid value '2.5'" io --switch-interval-us 2.5
}

@test "gil: bad --ticks values exit 2 with one line" {
	bad_input "--ticks: invalid value '0' (accepted: 1..1000000)" cpu --ticks 0
	bad_input "--ticks: invalid value 'many'" cpu --ticks many
	bad_input "--ticks: invalid value '1000001'" cpu --gil old --ticks 1000001
}

@test "gil --help names the lock options" {
	run "$BUILD/gil" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--gil"* ]]
	[[ "$output" == *"--switch-interval-us"* ]]
	[[ "$output" == *"--ticks"* ]]
}

# bench_smoke NAME HEADER: run NAME --scale smoke, check the header line,
# and leave the data rows (without the header) in $rows.
bench_smoke() {
	run --separate-stderr "$BUILD/bench/$1" --scale smoke
	[ "$status" -eq 0 ] || { echo "status $status: $stderr"; return 1; }
	[ "$(printf '%s\n' "$output" | head -n 1)" = "$2" ] || { echo "header: $output"; return 1; }
	rows=$(printf '%s\n' "$output" | tail -n +2)
}

@test "gil_scaling smoke: exact header, every case, 0 < min <= median <= max, lock counts" {
	bench_smoke gil_scaling "model,workers,median_s,min_s,max_s,speedup,handoffs,failed_wakeups"
	[ "$(printf '%s\n' "$rows" | wc -l)" -eq 21 ]
	for model in seq threads gil_new gil_old procs mn; do
		printf '%s\n' "$rows" | grep -q "^$model,"
	done
	printf '%s\n' "$rows" | awk -F, '
		NF != 8 || !($4 > 0 && $4 <= $3 && $3 <= $5 && $6 > 0) { bad = 1; print "bad row: " $0 }
		$7 !~ /^[0-9]+$/ || $8 !~ /^[0-9]+$/ { bad = 1; print "bad counts: " $0 }
		$1 == "seq" && $6 != 1 { bad = 1; print "seq speedup: " $0 }
		# no lock, nothing to count; a lock on two workers changes hands
		$1 !~ /^gil_/ && ($7 != 0 || $8 != 0) { bad = 1; print "counts without a lock: " $0 }
		$1 ~ /^gil_/ && $2 == 2 && $7 < 2 { bad = 1; print "no handoffs: " $0 }
		END { exit bad }'
}

@test "gil_bytecode_rate.py: one CSV row of positive figures; bad --n exits 2" {
	run --separate-stderr python3 bench/gil_bytecode_rate.py --n 100000
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | head -n 1)" = "python,bytecodes_per_iter,ns_per_iter,ns_per_bytecode,us_per_100_bytecodes" ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	printf '%s\n' "$output" | tail -n 1 | awk -F, '
		NF != 5 || !($2 >= 3 && $3 > 0 && $4 > 0 && $5 > 0) { bad = 1; print "bad row: " $0 }
		END { exit bad }'
	run --separate-stderr python3 bench/gil_bytecode_rate.py --n 5x
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "gil_bytecode_rate.py: --n: invalid value '5x' (accepted: 1000..1000000000)" ]
}

@test "gil_sweep smoke: exact header, 2 and 4 threads, sane figures" {
	bench_smoke gil_sweep "threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s"
	[ "$(printf '%s\n' "$rows" | wc -l)" -eq 6 ]
	printf '%s\n' "$rows" | awk -F, '
		NF != 6 || !($1 == 2 || $1 == 4) || !($2 >= 50 && $3 > 0 && $4 > 0 && $5 >= 0 && $6 >= 0) {
			bad = 1; print "bad row: " $0 }
		END { exit bad }'
}

@test "gil_convoy smoke: exact header, every lock, p50 <= p99 <= max" {
	bench_smoke gil_convoy "lock,cpu_threads,ops,ops_per_s,p50_us,p99_us,max_us"
	[ "$(printf '%s\n' "$rows" | wc -l)" -eq 8 ]
	for lock in none new old procs; do
		printf '%s\n' "$rows" | grep -q "^$lock,1,"
		printf '%s\n' "$rows" | grep -q "^$lock,2,"
	done
	printf '%s\n' "$rows" | awk -F, '
		NF != 7 || !($3 > 0 && $4 > 0 && $5 > 0 && $5 <= $6 && $6 <= $7) { bad = 1; print "bad row: " $0 }
		END { exit bad }'
}

@test "heartbeat smoke: exact header, every mode, inline blocks the loop" {
	bench_smoke heartbeat "mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms"
	[ "$(printf '%s\n' "$rows" | wc -l)" -eq 4 ]
	for mode in inline thread_gil thread_nogil process; do
		printf '%s\n' "$rows" | grep -q "^$mode,"
	done
	printf '%s\n' "$rows" | awk -F, '
		NF != 7 || !($2 > 0 && $3 >= 1 && $4 >= 0 && 0 <= $5 && $5 <= $6 && $6 <= $7) {
			bad = 1; print "bad row: " $0 }
		# inline: the one tick after the job is late by about the whole job
		$1 == "inline" && !($3 == 1 && $7 >= 500 * $2 && $4 >= 1) { bad = 1; print "inline: " $0 }
		END { exit bad }'
}

@test "GIL bench programs: --help exits 0, bad options exit 2 with one line" {
	for b in gil_scaling gil_sweep gil_convoy heartbeat; do
		run "$BUILD/bench/$b" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"--scale"* ]]
		run --separate-stderr "$BUILD/bench/$b" --scale huge
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "$b: --scale: invalid value 'huge' (accepted: smoke|quick|full)" ]
		run --separate-stderr "$BUILD/bench/$b" --reps 3
		[ "$status" -eq 2 ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		[[ "$stderr" == *"--reps: unknown option"* ]]
	done
}
