#!/usr/bin/env bats
# The mn model (coroutines on W scheduler threads, coro/sched.c): exact
# cpu total with the tasks spread over the loops, io and net verified,
# stealing on and off, strict options.

load common

@test "mn cpu prints the exact default total, the tasks spread over 2 loops" {
	run "$BUILD/mn" cpu --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = "$EXACT_TOTAL" ]
	[ "$(json_field ok)" = true ]
	[ "$(json_field model)" = mn ]
	[ "$(json_field workers)" = 2 ]
	[ "$(json_field loops)" = 2 ]
	[ "$(json_field completed)" = 20 ]
	# 20 tasks and main, each started by one loop or the other
	[ "$(json_field 'tasks_per_loop | add')" = 21 ]
	[ "$(json_field 'tasks_per_loop | length')" = 2 ]
	[ "$(json_field steals)" -ge 0 ]
}

@test "mn defaults to one loop per online CPU" {
	run "$BUILD/mn" cpu --tasks 4 --n 1000 --json
	[ "$status" -eq 0 ]
	[ "$(json_field loops)" = "$(nproc)" ]
	[ "$(json_field workers)" = "$(nproc)" ]
}

@test "mn io overlaps the waits on 2 and 4 loops, each stack mode" {
	for w in 2 4; do
		for stack in guarded copy auto; do
			run "$BUILD/mn" io --tasks 300 --ms 200 --workers "$w" --stack "$stack" --json
			[ "$status" -eq 0 ]
			[ "$(json_field result)" = 300 ]
			[ "$(json_field ok)" = true ]
			[ "$(json_field leaked_fds)" = 0 ]
			assert_between 0.2 "$(json_field wall_s)" "$(concurrent_bound 200)"
		done
	done
}

@test "mn net: 300 requests on 2 loops, both backends" {
	for backend in epoll uring; do
		run "$BUILD/mn" net --tasks 300 --ms 100 --workers 2 --backend "$backend" --json
		[ "$status" -eq 0 ]
		[ "$(json_field result)" = 300 ]
		[ "$(json_field ok)" = true ]
		[ "$(json_field leaked_fds)" = 0 ]
		[ "$(json_field backend)" = "$backend" ]
	done
}

@test "mn --steal off: every task stays on the loop that spawned it" {
	run "$BUILD/mn" cpu --tasks 16 --n 100000 --workers 2 --steal off --json
	[ "$status" -eq 0 ]
	[ "$(json_field ok)" = true ]
	[ "$(json_field steal)" = off ]
	[ "$(json_field steals)" = 0 ]
	[ "$(json_field 'tasks_per_loop[0]')" = 17 ]
	[ "$(json_field 'tasks_per_loop[1]')" = 0 ]
}

@test "mn io: a million tasks sleeping 1 s complete on 2 loops" {
	[ "$FLAVOUR" = default ] || skip "1,000,000 tasks: default build only"
	run "$BUILD/mn" io --tasks 1000000 --ms 1000 --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = 1000000 ]
	[ "$(json_field ok)" = true ]
}

@test "mn bad options exit 2 with one line" {
	bad_usage "$BUILD/mn" "--workers: invalid value '65' (accepted: 1..64)" cpu --workers 65
	bad_usage "$BUILD/mn" "--workers" cpu --workers 0
	bad_usage "$BUILD/mn" "--workers" cpu --workers two
	bad_usage "$BUILD/mn" "--steal: invalid value 'maybe' (accepted: on|off)" cpu --steal maybe
	bad_usage "$BUILD/mn" "--stack: invalid value 'deep'" io --stack deep
}
