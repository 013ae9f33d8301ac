#!/usr/bin/env bats
# make demo: every demo runs in its fast mode (DEMO_FAST=1) and its timeline
# has the expected order; RECORD=1 writes CSV, SVG and PNG. The C demos run
# in every build flavour (lib/timeline under the sanitizers); those that are
# mostly Python run with the default one.

load common

setup() {
	command -v python3 >/dev/null || skip "python3 not found"
	export DEMO_FAST=1 RECORD_DIR=$BATS_TEST_TMPDIR BUILD
}

python_only() {
	[ "$FLAVOUR" = default ] || skip "a Python demo: run with the default flavour"
}

# flat: $output without line breaks (the lessons are folded at 96 columns).
flat() {
	printf '%s' "$output" | tr -d '\n'
}

# recorded NAME: the CSV RECORD=1 wrote for demo NAME.
recorded() {
	ls "$RECORD_DIR/$1"-*.csv | head -1
}

# section_field CSV SECTION TASK COLUMN: start_s (3) or end_s (4) of a task.
section_field() {
	awk -F, -v s="$2" -v t="$3" -v c="$4" '$1 == s && $2 == t { print $c }' "$1"
}

# workers CSV SECTION: how many distinct workers ran the section's tasks.
workers() {
	awk -F, -v s="$2" '$1 == s { print $5 }' "$1" | sort -u | wc -l
}

@test "LIST=1 lists the eight demos; an unknown one is refused with exit 2" {
	run env LIST=1 sh scripts/demo.sh
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 8 ]
	for d in await gather wait_for blocking gil bot switch mn; do
		[[ "$output" == *"$d "* ]]
	done
	run --separate-stderr env DEMO=nosuch sh scripts/demo.sh
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'nosuch': no such demo"* ]]
}

@test "make demo LIST=1 goes through the Makefile" {
	python_only
	run make -s demo LIST=1
	[ "$status" -eq 0 ]
	[[ "$output" == *"await "*"switch "*"mn "* ]]
}

@test "demo 1: task 1 starts before task 0 ends only when spawned; RECORD=1 draws it" {
	run env RECORD=1 DEMO=await sh scripts/demo.sh
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	csv=$(recorded await)
	[ "$(head -1 "$csv")" = "section,task,start_s,end_s,worker,cpu,row,worker_index" ]
	seq0_end=$(section_field "$csv" "one after another" "task 0" 4)
	seq1_start=$(section_field "$csv" "one after another" "task 1" 3)
	spawn0_end=$(section_field "$csv" "spawn then gather" "task 0" 4)
	spawn1_start=$(section_field "$csv" "spawn then gather" "task 1" 3)
	[ "$(echo "$seq1_start >= $seq0_end" | bc)" = 1 ]
	[ "$(echo "$spawn1_start < $spawn0_end" | bc)" = 1 ]
	[ "$(workers "$csv" "spawn then gather")" -eq 2 ]
	# The coroutines overlap too, on one thread.
	coro="coroutines: co_spawn then co_gather"
	[ "$(echo "$(section_field "$csv" "$coro" "task 1 (0.2 s)" 3) < $(section_field "$csv" "$coro" "task 0 (0.1 s)" 4)" | bc)" = 1 ]
	[ "$(workers "$csv" "$coro")" -eq 1 ]
	[[ "$output" == *"Lesson: one after another took"* ]]
	# Valid pictures: an SVG document and a PNG signature.
	svg=${csv%.csv}.svg png=${csv%.csv}.png
	head -c 5 "$svg" | grep -q '<?xml'
	grep -q '</svg>' "$svg"
	[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

@test "demo 5: threads and processes show two workers, sequential one" {
	run env RECORD=1 DEMO=gil sh scripts/demo.sh
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	csv=$(recorded gil)
	[ "$(workers "$csv" "C seq")" -eq 1 ]
	[ "$(workers "$csv" "C threads")" -eq 2 ]
	[ "$(workers "$csv" "C procs")" -eq 2 ]
	[ "$(workers "$csv" "Python threads (GIL)")" -eq 2 ]
	[ "$(workers "$csv" "Python processes")" -eq 2 ]
	[[ "$output" =~ C\ threads\ [0-9.]+x ]]
	[[ "$output" =~ Python\ processes\ [0-9.]+x ]]
}

@test "demo 2: gather in spawn order, as_completed in completion order" {
	python_only
	run env DEMO=gather sh scripts/demo.sh
	[ "$status" -eq 0 ]
	[[ "$(flat)" == *"gather handed back A,B,C"* ]]
	[[ "$(flat)" == *"as_completed handed over B,C,A"* ]]
	[[ "$(flat)" == *"co_gather A,B,C, co_next_completed B,C,A"* ]]
}

@test "demo 3: wait_for times out and cancels; FIRST_COMPLETED leaves two pending" {
	python_only
	run env RECORD=1 DEMO=wait_for sh scripts/demo.sh
	[ "$status" -eq 0 ]
	[[ "$(flat)" == *"TimeoutError after"*"task cancelled"* ]]
	[[ "$(flat)" == *"done 1 (A), pending 2"* ]]
	[[ "$(flat)" == *"co_wait_for gave ETIMEDOUT after"*"co_wait_first returned first A, 2 pending"* ]]
	csv=$(recorded wait_for)
	# The cancelled task ended at the timeout (0.1 s fast), not after its 0.2 s.
	for section in "wait_for with a 1-unit timeout" "C co_wait_for"; do
		end=$(awk -F, -v s="$section" '$1 == s && $2 ~ /cancelled/ { print $4 }' "$csv")
		assert_between 0.08 "$end" 0.19
	done
}

@test "demo 4: computing coroutines run back to back, sleeping ones overlap" {
	python_only
	run env RECORD=1 DEMO=blocking sh scripts/demo.sh
	[ "$status" -eq 0 ]
	csv=$(recorded blocking)
	cpu="py_asyncio cpu: computes" io="py_asyncio io: awaits"
	for t in 0 1; do
		end=$(section_field "$csv" "$cpu" "task $t" 4)
		next=$(section_field "$csv" "$cpu" "task $((t + 1))" 3)
		[ "$(echo "$next >= $end" | bc)" = 1 ]
	done
	[ "$(echo "$(section_field "$csv" "$io" "task 1" 3) < $(section_field "$csv" "$io" "task 0" 4)" | bc)" = 1 ]
	# On the C loop the 10 ms sleep ends only after the last computing task.
	loop="C loop: a sleep beside computing tasks"
	[ "$(echo "$(section_field "$csv" "$loop" "sleep 10 ms" 4) >= $(section_field "$csv" "$loop" "compute 3" 4)" | bc)" = 1 ]
}

@test "demo 6: the inline job freezes the heartbeat, the process does not" {
	python_only
	run env DEMO=bot sh scripts/demo.sh
	[ "$status" -eq 0 ]
	inline=$(printf '%s\n' "$output" | sed -n 's/^  inline:.*lag_max_ms \([0-9.]*\).*/\1/p')
	process=$(printf '%s\n' "$output" | sed -n 's/^  process:.*lag_max_ms \([0-9.]*\).*/\1/p')
	# The job is about 100 ms here: inline, no tick can come while it runs.
	assert_between 50 "$inline" 100000
	[ "$(echo "$process < $inline" | bc)" = 1 ]
}

@test "demo 7: switch costs side by side, in ns" {
	python_only
	[ -x "$BUILD/bench/lat_switch" ] || skip "no build/bench/lat_switch"
	run env DEMO=switch sh scripts/demo.sh
	[ "$status" -eq 0 ]
	[[ "$output" =~ threads,\ futex,\ one\ CPU\ +[0-9.]+\ ns ]]
	[[ "$(flat)" == *"A thread switch on one CPU costs"* ]]
}

@test "the terminal view: at most 100 columns, colour only on a terminal without NO_COLOR" {
	python_only
	run env DEMO=await sh scripts/demo.sh
	[ "$status" -eq 0 ]
	[ -z "$(printf '%s\n' "$output" | awk 'length > 100')" ]
	[[ "$output" != *$'\033['* ]]
	command -v script >/dev/null || skip "script(1) not found"
	run script -qec "env DEMO=await sh scripts/demo.sh" /dev/null
	[[ "$output" == *$'\033['* ]]
	run script -qec "env NO_COLOR=1 DEMO=await sh scripts/demo.sh" /dev/null
	[[ "$output" != *$'\033['* ]]
}

@test "demo 8: one loop runs the cpu tasks on one thread, W loops on several; a task moves after a sleep" {
	[ -x "$BUILD/mn" ] || skip "no build/mn"
	run env RECORD=1 DEMO=mn sh scripts/demo.sh
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	csv=$(recorded mn)
	[ "$(workers "$csv" "one loop (mn --workers 1)")" -eq 1 ]
	w=$(nproc)
	[ "$w" -ge 2 ] || w=2
	[ "$(workers "$csv" "$w loops (mn --workers $w)")" -ge 2 ]
	# The mover's two parts, one label, on two threads.
	[ "$(awk -F, '$1 ~ /^a task that moves/ && $2 == "mover (sleeps midway)"' "$csv" | wc -l)" -eq 2 ]
	[ "$(awk -F, '$1 ~ /^a task that moves/ && $2 == "mover (sleeps midway)" { print $5 }' "$csv" | sort -u | wc -l)" -eq 2 ]
	[[ "$(flat)" =~ woke\ on\ another:\ thread\ [0-9]+\ -\>\ thread\ [0-9]+\ \(moved\) ]]
	[[ "$(flat)" =~ on\ $w\ loops\ they\ ran\ on\ [0-9]+\ threads ]]
}
