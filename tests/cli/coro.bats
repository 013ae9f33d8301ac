#!/usr/bin/env bats
# The coro model: exact cpu total, every io task completed with the waits
# overlapped, each stack mode, strict options, exhaustion reported.

load common

@test "coro cpu prints the exact default total, one task after another" {
	run "$BUILD/coro" cpu --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = "$EXACT_TOTAL" ]
	[ "$(json_field ok)" = true ]
	[ "$(json_field model)" = coro ]
	[ "$(json_field completed)" = 20 ]
	# No task suspends: one switch into each, plus the main task's.
	[ "$(json_field switches)" -le 25 ]
}

@test "coro io overlaps the waits: 200 tasks of 200 ms well under T * d" {
	for stack in guarded copy auto; do
		run "$BUILD/coro" io --tasks 200 --ms 200 --stack "$stack" --json
		[ "$status" -eq 0 ]
		[ "$(json_field result)" = 200 ]
		[ "$(json_field stack)" = "$stack" ]
		[ "$(json_field leaked_fds)" = 0 ]
		assert_between 0.2 "$(json_field wall_s)" 10
	done
}

@test "coro io with 20,000 tasks spills from guarded to copy stacks in auto mode" {
	[ "$FLAVOUR" = default ] || skip "20,000 tasks: default build only"
	run "$BUILD/coro" io --tasks 20000 --ms 100 --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = 20000 ]
	[ "$(json_field guarded_stacks)" = 64 ]
	[ "$(json_field copy_tasks)" -ge 19936 ]
}

@test "coro io: a million tasks sleeping 1 s complete" {
	[ "$FLAVOUR" = default ] || skip "1,000,000 tasks: default build only"
	run "$BUILD/coro" io --tasks 1000000 --ms 1000 --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = 1000000 ]
	[ "$(json_field ok)" = true ]
}

@test "guarded stacks past vm.max_map_count: exit 3, how far it got" {
	[ "$FLAVOUR" = default ] || skip "tens of thousands of guarded stacks: default build only"
	maps=$(cat /proc/sys/vm/max_map_count)
	[ "$maps" -le 200000 ] || skip "vm.max_map_count $maps: too many stacks to reach it"
	want=$((maps / 2 + 1000))
	run --separate-stderr "$BUILD/coro" io --tasks "$want" --ms 10 --stack guarded --json
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"coro: started "*" of $want tasks: Cannot allocate memory"* ]]
	[ "$(json_field completed)" -gt $((maps / 4)) ]
	[ "$(json_field completed)" -lt "$want" ]
}

@test "coro bad options exit 2 with one line" {
	run --separate-stderr "$BUILD/coro" io --stack deep
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--stack: invalid value 'deep' (accepted: auto|guarded|copy)"* ]]
	run --separate-stderr "$BUILD/coro" cpu --workers 2
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--workers 2: not used by this model"* ]]
	run --separate-stderr "$BUILD/coro" io --tasks 0
	[ "$status" -eq 2 ]
}

@test "coro_scale smoke prints its CSV header and one row per stack mode" {
	[ "$FLAVOUR" = default ] || skip "benchmark: default build only"
	run --separate-stderr "$BUILD/bench/coro_scale" --scale smoke
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task,minflt,model" ]
	[[ "${lines[1]}" == 10000,guarded,100,*,coro ]]
	[[ "${lines[2]}" == 10000,copy,100,*,coro ]]
	[[ "${lines[3]}" == 10000,auto,100,*,coro ]]
	# libuv's row when build/uv is built, none otherwise
	if [ -x "$BUILD/uv" ]; then
		[[ "${lines[4]}" == 10000,-,100,*,uv ]]
		[ "${#lines[@]}" -eq 5 ]
	else
		[[ "$stderr" == *"uv is not built: no libuv rows"* ]]
		[ "${#lines[@]}" -eq 4 ]
	fi
	# wall at least d; peak RSS, page faults and bytes per task positive
	for i in 1 2 3; do
		IFS=, read -r _ _ _ wall rss bpt flt _ <<<"${lines[$i]}"
		assert_between 0.1 "$wall" 10
		assert_between 1 "$rss" 10000000
		assert_between 1 "$flt" 100000000
		assert_between 1 "$bpt" 100000
	done
	run "$BUILD/bench/coro_scale" --scale huge
	[ "$status" -eq 2 ]
}

@test "mem_task --report parts: the runtime's count of a copy task's bytes matches the resident slope" {
	[ "$FLAVOUR" = default ] || skip "benchmark: default build only"
	run --separate-stderr "$BUILD/bench/mem_task" --report parts --scale smoke
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "part,n,bytes_per_task" ]
	[ "$(printf '%s\n' "$output" | cut -d, -f1 | tr '\n' ' ')" = "part record saved_stack timer task_table sum rss " ]
	part() { printf '%s\n' "$output" | awk -F, -v p="$1" '$1 == p { print $3 }'; }
	# A record and a saved switch frame at least; the whole within 250 bytes.
	assert_between 64 "$(part record)" 250
	assert_between 64 "$(part saved_stack)" 250
	assert_between 150 "$(part sum)" 250
	# The resident slope agrees with the count to within an arena chunk's step.
	assert_between "$(echo "$(part sum) * 0.8" | bc)" "$(part rss)" "$(echo "$(part sum) * 1.2" | bc)"
	run "$BUILD/bench/mem_task" --report all
	[ "$status" -eq 2 ]
}
