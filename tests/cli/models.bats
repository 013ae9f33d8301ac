#!/usr/bin/env bats
# Every model computes the same exact cpu total and completes every io task.

load common

@test "seq cpu prints the exact default total" {
	run "$BUILD/seq" cpu --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = "$EXACT_TOTAL" ]
	[ "$(json_field ok)" = true ]
	[ "$(json_field completed)" = 20 ]
}

@test "the JSON object has every key the harness reads" {
	run "$BUILD/threads" io --tasks 3 --ms 1 --json
	[ "$status" -eq 0 ]
	for key in model workload tasks workers wall_s user_s sys_s max_rss_kb \
		ctx_voluntary ctx_involuntary result ok; do
		printf '%s\n' "$output" | jq -e "has(\"$key\")" >/dev/null
	done
	[ "$(json_field model)" = threads ]
	[ "$(json_field workload)" = io ]
	[ "$(json_field workers)" = 0 ]
}

@test "threads and procs agree with seq, one per task and with --workers 2" {
	for model in threads procs; do
		for workers in "" "--workers 2"; do
			run "$BUILD/$model" cpu $workers --json
			[ "$status" -eq 0 ]
			[ "$(json_field result)" = "$EXACT_TOTAL" ]
			[ "$(json_field ok)" = true ]
		done
	done
}

@test "pools larger than the task list and odd sizes still verify" {
	for model in seq threads procs; do
		run "$BUILD/$model" cpu --tasks 3 --n 1000 --workers 50 --json
		[ "$status" -eq 0 ]
		[ "$(json_field ok)" = true ]
	done
	run "$BUILD/procs" cpu --tasks 1 --n 1 --json
	[ "$(json_field result)" = 0 ]
}

@test "the human summary names the model, workload and result" {
	run "$BUILD/seq" cpu --tasks 2 --n 1000
	[ "$status" -eq 0 ]
	[[ "$output" == *"seq cpu: 2 tasks"* ]]
	[[ "$output" == *"ok"* ]]
}

@test "seq io takes at least T * d" {
	timed_run "$BUILD/seq" io --tasks 5 --ms 200 --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = 5 ]
	assert_between 1.0 "$(json_field wall_s)" 30
}

@test "threads io overlaps the waits: 200 tasks of 200 ms well under T * d" {
	for args in "" "--workers 200"; do
		run "$BUILD/threads" io --tasks 200 --ms 200 $args --json
		[ "$status" -eq 0 ]
		[ "$(json_field result)" = 200 ]
		assert_between 0.2 "$(json_field wall_s)" "$(concurrent_bound 200)"
	done
}

@test "procs io overlaps the waits: 100 tasks of 200 ms well under T * d" {
	for args in "" "--workers 100"; do
		run "$BUILD/procs" io --tasks 100 --ms 200 $args --json
		[ "$status" -eq 0 ]
		[ "$(json_field result)" = 100 ]
		assert_between 0.2 "$(json_field wall_s)" "$(concurrent_bound 200)"
	done
}

@test "a pool of 2 workers runs io tasks two at a time" {
	run "$BUILD/threads" io --tasks 6 --ms 100 --workers 2 --json
	[ "$status" -eq 0 ]
	assert_between 0.3 "$(json_field wall_s)" "$(echo "2 * $SLACK" | bc)"
}

@test "no model leaks a descriptor or leaves a child behind" {
	for model in seq threads procs; do
		run "$BUILD/tests/helpers/orphans" "$BUILD/$model" io --tasks 20 --ms 10 --json
		[ "$status" -eq 0 ]
		[[ "$output" == *"stray children: 0"* ]]
		printf '%s\n' "$output" | grep '^{' | jq -e '.leaked_fds == 0' >/dev/null
	done
}

@test "the cpu kernel is a real loop: 10x the size takes several times longer" {
	# clang -O2 would turn a plain loop into a closed formula (constant time).
	# Start-up (large under a sanitizer) is measured with n = 1 and taken off.
	run "$BUILD/seq" cpu --tasks 1 --n 1 --json
	base=$(json_field user_s)
	run "$BUILD/seq" cpu --tasks 1 --n 20000000 --json
	small=$(json_field user_s)
	run "$BUILD/seq" cpu --tasks 1 --n 200000000 --json
	big=$(json_field user_s)
	[ "$(json_field ok)" = true ]
	[ "$(echo "$big - $base > 4 * ($small - $base) && $big - $base > 0.02" | bc)" = 1 ]
}

@test "--help prints the usage and exits 0" {
	for model in seq threads procs; do
		run "$BUILD/$model" --help
		[ "$status" -eq 0 ]
		[[ "$output" == usage:* ]]
	done
}
