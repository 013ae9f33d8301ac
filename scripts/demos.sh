# demos.sh - the bodies of the classroom demos, sourced by scripts/demo.sh
# (which defines say, run_tl, span, start_of, end_of, ratio, draw, has and
# $BUILD, $PY, $scale, $div). demo_NAME DIR runs demo NAME with its files in
# DIR and returns non-zero if a program of the suite failed.

demo_await() {
	d=$1 a=$((1000 / div)) b=$((2000 / div))
	say "Two tasks wait $a ms and $b ms. Awaited one after another (seq), the" \
		"second starts only when the first is done; spawned first (a thread each," \
		"or a coroutine each on the suite's loop, demos/coro_lessons.c) and then" \
		"gathered (joined), both wait at the same time."
	run_tl "$d/seq.csv" "$BUILD/demos/await_gather" seq $a $b || return 1
	run_tl "$d/spawn.csv" "$BUILD/demos/await_gather" spawn $a $b || return 1
	"$BUILD/demos/coro_lessons" await "$d" $((100 / div)) >"$d/out" || return 1
	draw await "one after another=thread=$d/seq.csv" "spawn then gather=thread=$d/spawn.csv" \
		"coroutines: co_spawn then co_gather=thread=$d/await.csv" || return 1
	echo
	say "Lesson: one after another took $(span "$d/seq.csv") s, the sum of the waits:" \
		"task 1 started at $(start_of "$d/seq.csv" 1) s, when task 0 ended" \
		"($(end_of "$d/seq.csv" 0) s). Spawned then gathered took $(span "$d/spawn.csv") s," \
		"the longest wait: task 1 started at $(start_of "$d/spawn.csv" 1) s, long" \
		"before task 0 ended; on the coroutine loop, one thread, the same: $(span "$d/await.csv") s." \
		"Waiting costs nothing if you start every wait first."
}

demo_gather() {
	d=$1
	say "Three tasks spawned in the order A, B, C wait 1.5, 0.5 and 1.0 units" \
		"(a unit is $scale s) on one asyncio loop (demos/gather_order.py), then on" \
		"the suite's coroutine loop (demos/coro_lessons.c). The 'got' rows show" \
		"when the caller received each result."
	"$PY" demos/gather_order.py --scale "$scale" --out "$d" >"$d/out" || return 1
	mkdir -p "$d/c" && "$BUILD/demos/coro_lessons" gather "$d/c" $((100 / div)) >"$d/c/out" ||
		return 1
	draw gather "asyncio.gather=thread=$d/gather.csv" \
		"asyncio.as_completed=thread=$d/as_completed.csv" \
		"C co_gather=thread=$d/c/gather.csv" \
		"C co_next_completed=thread=$d/c/as_completed.csv" || return 1
	echo
	say "Lesson: gather handed back $(sed -n 's/^gather order: //p' "$d/out") - spawn" \
		"order, all at once when the slowest was done. as_completed handed over" \
		"$(sed -n 's/^as_completed order: //p' "$d/out") - completion order, each as" \
		"soon as it finished. The suite's loop does the same: co_gather" \
		"$(sed -n 's/^gather order: //p' "$d/c/out"), co_next_completed" \
		"$(sed -n 's/^as_completed order: //p' "$d/c/out")."
}

demo_wait_for() {
	d=$1
	say "wait_for gives a task of 2 units (a unit is $scale s) 1 unit; then" \
		"asyncio.wait(FIRST_COMPLETED) waits on three tasks of 0.5, 1 and 1.5 units" \
		"(demos/wait_for.py); then the same on the suite's coroutine loop."
	"$PY" demos/wait_for.py --scale "$scale" --out "$d" >"$d/out" || return 1
	mkdir -p "$d/c" && "$BUILD/demos/coro_lessons" wait_for "$d/c" $((100 / div)) >"$d/c/out" ||
		return 1
	draw wait_for "wait_for with a 1-unit timeout=thread=$d/wait_for.csv" \
		"wait(FIRST_COMPLETED)=thread=$d/first_completed.csv" \
		"C co_wait_for=thread=$d/c/wait_for.csv" \
		"C co_wait_first=thread=$d/c/first_completed.csv" || return 1
	echo
	say "Lesson: $(sed -n 's/^wait_for: //p' "$d/out"): on timeout wait_for" \
		"cancels the task, which sees CancelledError where it waits and cleans up." \
		"wait(FIRST_COMPLETED) returned with $(sed -n 's/^first_completed: //p' "$d/out");" \
		"the pending tasks were not cancelled and kept running: they" \
		"$(sed -n 's/^pending ones //p' "$d/out"). On the suite's loop: co_wait_for" \
		"gave $(sed -n 's/^wait_for: //p' "$d/c/out"), co_wait_first returned" \
		"$(sed -n 's/^first_completed: //p' "$d/c/out")."
}

demo_blocking() {
	d=$1 ms=$((400 / div)) n=$((4000000 / div))
	say "Three asyncio tasks on one loop (models/python/py_asyncio.py): first each" \
		"awaits a sleep of $ms ms, then each computes a sum of squares of $n terms" \
		"without ever awaiting; then, on the suite's coroutine loop" \
		"(demos/coro_lessons.c), a task sleeping 10 ms beside three computing tasks."
	run_tl "$d/io.csv" "$BUILD/py_asyncio" io --tasks 3 --ms $ms || return 1
	run_tl "$d/cpu.csv" "$BUILD/py_asyncio" cpu --tasks 3 --n $n || return 1
	"$BUILD/demos/coro_lessons" blocking "$d" $((100 / div)) >"$d/out" || return 1
	draw blocking "py_asyncio io: awaits=thread=$d/io.csv" \
		"py_asyncio cpu: computes=thread=$d/cpu.csv" \
		"C loop: a sleep beside computing tasks=thread=$d/blocking.csv" || return 1
	echo
	say "Lesson: the awaiting tasks overlapped: 3 waits of $ms ms took" \
		"$(span "$d/io.csv") s. The computing tasks ran back to back on the one" \
		"thread: task 1 started at $(start_of "$d/cpu.csv" 1) s, when task 0 ended" \
		"($(end_of "$d/cpu.csv" 0) s), and all three took $(span "$d/cpu.csv") s. On the" \
		"suite's loop a task asking for a 10 ms sleep got control back only when" \
		"the computing tasks were done: $(sed -n 's/^blocking: the 10 ms sleep ended after //p' "$d/out")." \
		"A coroutine only gives way at an await: while it computes, nothing else runs."
}

demo_gil() {
	d=$1 cn=150000000 pn=1000000
	# Fast mode keeps tasks long enough that both workers of a pool get one.
	[ "$div" = 1 ] || cn=40000000 pn=400000
	say "Four sum-of-squares tasks, two workers, on $(nproc) CPUs. C (n = $cn):" \
		"sequential, two threads, two processes. Python (n = $pn): sequential," \
		"two threads under CPython's real GIL, a Pool of two processes."
	for m in seq threads procs; do
		run_tl "$d/$m.csv" "$BUILD/$m" cpu --tasks 4 --n $cn --workers 2 || return 1
		run_tl "$d/py_$m.csv" "$BUILD/py_$m" cpu --tasks 4 --n $pn --workers 2 || return 1
	done
	set -- "C seq=thread=$d/seq.csv" "C threads=thread=$d/threads.csv" \
		"C procs=process=$d/procs.csv"
	gil=""
	if has gil; then
		run_tl "$d/gil.csv" "$BUILD/gil" cpu --tasks 4 --n $cn --workers 2 || return 1
		set -- "$@" "C threads, emulated GIL=thread=$d/gil.csv"
		gil=" With the emulated GIL (build/gil) C threads ran at \
$(ratio "$(span "$d/seq.csv")" "$(span "$d/gil.csv")")x."
	fi
	draw gil "$@" "Python seq=thread=$d/py_seq.csv" \
		"Python threads (GIL)=thread=$d/py_threads.csv" \
		"Python processes=process=$d/py_procs.csv" || return 1
	echo
	say "Lesson, speed-up over sequential: C threads" \
		"$(ratio "$(span "$d/seq.csv")" "$(span "$d/threads.csv")")x, C processes" \
		"$(ratio "$(span "$d/seq.csv")" "$(span "$d/procs.csv")")x; Python threads" \
		"$(ratio "$(span "$d/py_seq.csv")" "$(span "$d/py_threads.csv")")x (their bars" \
		"overlap but each task takes twice as long: only the thread holding the GIL" \
		"computes), Python processes" \
		"$(ratio "$(span "$d/py_seq.csv")" "$(span "$d/py_procs.csv")")x.$gil"
}

demo_bot() {
	d=$1
	say "A bot's heartbeat should tick every 10 ms on an asyncio loop while a CPU" \
		"job of about $scale s runs inline, on a thread (asyncio.to_thread, under the" \
		"GIL) and in a process (demos/freezing_bot.py)."
	"$PY" demos/freezing_bot.py --scale "$scale" --out "$d" >"$d/out" || return 1
	draw bot "job inline=thread=$d/inline.csv" "job on a thread=thread=$d/thread.csv" \
		"job in a process=process=$d/process.csv" || return 1
	echo
	sed 's/^/  /' "$d/out"
	if has bench/heartbeat; then
		echo "  the C twin, build/bench/heartbeat --scale smoke:"
		"$BUILD/bench/heartbeat" --scale smoke | sed 's/^/    /' || return 1
	fi
	say "Lesson: inline, the loop cannot tick until the job returns: the heartbeat" \
		"froze for $(sed -n 's/^inline:.*lag_max_ms \([0-9.]*\).*/\1/p' "$d/out") ms." \
		"On a thread it ticks, but late (max" \
		"$(sed -n 's/^thread:.*lag_max_ms \([0-9.]*\).*/\1/p' "$d/out") ms): the loop" \
		"waits for the GIL up to a switch interval (5 ms) each time. In a process it" \
		"kept time (max $(sed -n 's/^process:.*lag_max_ms \([0-9.]*\).*/\1/p' "$d/out") ms)."
}

demo_switch() {
	d=$1
	if ! has bench/lat_switch; then
		say "build/bench/lat_switch is not built here (branch microbench): skipped."
		return 0
	fi
	say "build/bench/lat_switch --scale smoke ping-pongs two parties and times a" \
		"switch, in ns: a coroutine switch in one thread, threads and processes" \
		"handing over through a futex, pinned to one CPU and to two CPUs."
	"$BUILD/bench/lat_switch" --scale smoke >"$d/lat.csv" 2>"$d/lat.err" || {
		cat "$d/lat.err" >&2
		return 1
	}
	"$PY" scripts/switch_bars.py "$d/lat.csv" || return 1
}

demo_mn() {
	d=$1 n=$((600000000 / div)) w=$(nproc)
	[ "$w" -ge 2 ] || w=2
	if ! has mn || ! has demos/mn_move; then
		say "build/mn or build/demos/mn_move is not built here: skipped."
		return 0
	fi
	say "Four sum-of-squares tasks (n = $n) spawned by one task, as coroutines of the" \
		"M:N scheduler (build/mn): on one loop, then on $w loops (one scheduler thread" \
		"each, on $(nproc) CPUs), where idle loops steal the tasks. Then" \
		"(demos/mn_move.c) a coroutine that computes, sleeps and computes again on 2" \
		"loops while its own loop is busy: the other loop steals it when it wakes."
	run_tl "$d/one.csv" "$BUILD/mn" cpu --tasks 4 --n $n --workers 1 --json || return 1
	run_tl "$d/many.csv" "$BUILD/mn" cpu --tasks 4 --n $n --workers "$w" --json || return 1
	"$BUILD/demos/mn_move" "$d" $((400 / div)) >"$d/out" || return 1
	draw mn "one loop (mn --workers 1)=thread=$d/one.csv" \
		"$w loops (mn --workers $w)=thread=$d/many.csv" \
		"a task that moves after a sleep (2 loops)=thread=$d/move.csv" || return 1
	echo
	steals=$(jq -r .steals "$d/many.csv.out")
	threads=$(awk -F, 'NR > 1 { print $4 }' "$d/many.csv" | sort -u | wc -l)
	# Below 1.3x on 2 CPUs or more, another program held a CPU: say so.
	busy=$(awk -v a="$(span "$d/one.csv")" -v b="$(span "$d/many.csv")" \
		'BEGIN { if (b > 0 && a / b < 1.3) printf " (Far from %s: another program held the CPUs meanwhile.)", "'"$w"'x" }')
	say "Lesson: on one loop the tasks ran back to back on one thread in" \
		"$(span "$d/one.csv") s; on $w loops they ran on $threads threads at once in" \
		"$(span "$d/many.csv") s, $(ratio "$(span "$d/one.csv")" "$(span "$d/many.csv")")x" \
		"($steals tasks stolen from the loop they were spawned on).$busy The same" \
		"coroutines, cheap to create, can use every core. The moving task went to sleep" \
		"on one thread and woke on another: $(sed -n 's/^mover: //p' "$d/out"). After any" \
		"suspension a task may resume elsewhere, so it must not keep a thread's own" \
		"state (a thread-local, its thread id) across a sleep."
}
