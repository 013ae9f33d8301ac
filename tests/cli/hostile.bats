#!/usr/bin/env bats
# Hostile input and faults, across every program: numbers that are not ASCII
# digits, addresses that are not addresses, servers that never answer, never
# close or never accept, closed standard descriptors, reports that cannot be
# written, and a parent killed right after it forks. Every run is made under
# tests/helpers/orphans and must end with the exit status the contract gives
# (README.md, "Exit status"), one line on stderr, no Python traceback and
# nothing left running. The number of inputs each test tries is in its name.

load common

ORPHANS=$BUILD/tests/helpers/orphans
BADSERVER=$BUILD/tests/helpers/badserver

setup() {
	[ -x "$ORPHANS" ] || skip "tests/helpers not built"
}

teardown() {
	if [ -n "${bad_pid:-}" ]; then
		kill "$bad_pid" 2>/dev/null || true
		wait "$bad_pid" 2>/dev/null || true
	fi
}

# The models in this build, C and Python.
models() {
	local m
	for m in seq threads procs coro gil py_seq py_threads py_procs py_asyncio; do
		[ -x "$BUILD/$m" ] && echo "$m"
	done
}

# hostile STATUS WANT CMD...: CMD run under orphans exits STATUS with exactly
# one line on stderr (orphans' own count aside) containing WANT, no
# traceback, and leaves nothing behind. The seconds it took are in $elapsed.
hostile() {
	local want_status=$1 want=$2
	shift 2
	timed_run --separate-stderr "$ORPHANS" "$@"
	local last lines
	last=$(printf '%s\n' "$stderr" | tail -n 1)
	lines=$(printf '%s\n' "$stderr" | sed '$d')
	[ "$status" -eq "$want_status" ] || { echo "status $status for $*: $stderr"; return 1; }
	[ "$last" = "stray children: 0" ] || { echo "left behind by $*: $stderr"; return 1; }
	[ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ] || { echo "stderr of $*: $stderr"; return 1; }
	[ -n "$lines" ] || { echo "nothing on stderr from $*"; return 1; }
	[[ "$lines" != *Traceback* ]] || { echo "traceback from $*: $stderr"; return 1; }
	[[ "$lines" == *"$want"* ]] || { echo "stderr of $* lacks '$want': $lines"; return 1; }
}

# start_server CMD...: a server that prints "...: listening on A:P ..." on
# stdout, in the background; its address in $bad_addr, its pid in $bad_pid.
start_server() {
	local log=$BATS_TEST_TMPDIR/server.out
	rm -f "$log"          # not to read the last server's address
	"$@" >"$log" 3>&- &
	bad_pid=$!
	for _ in $(seq 100); do
		bad_addr=$(sed -n 's/^[a-z]*: listening on \([0-9.:]*\).*/\1/p' "$log")
		[ -n "$bad_addr" ] && return 0
		sleep 0.05
	done
	return 1
}

# start_bad MODE: a misbehaving server (tests/helpers/badserver).
start_bad() {
	start_server "$BADSERVER" "$1" --ms 10
}

stop_bad() {
	kill "$bad_pid"
	wait "$bad_pid" 2>/dev/null || true
	bad_pid=
}

big=$(printf '9%.0s' $(seq 5001))

@test "--tasks: 11 values that are not plain ASCII digits, in every model (99 inputs)" {
	for m in $(models); do
		for v in $'\t3' $'\n3' ' 3' '3 ' +3 -3 '٣' '³' "$big" 0x10 ''; do
			hostile 2 "$m: --tasks: invalid value" "$BUILD/$m" cpu --tasks "$v" --n 10
		done
	done
}

@test "--ms, --n, --workers: 4 more in every model (36 inputs)" {
	for m in $(models); do
		hostile 2 "$m: --ms: invalid value '²'" "$BUILD/$m" io --ms '²'
		hostile 2 "$m: --n: invalid value" "$BUILD/$m" cpu --n $'\n5'
		hostile 2 "$m: --workers: invalid value" "$BUILD/$m" cpu --workers 99999999999999999999999
		hostile 2 "$m: --ms: missing value" "$BUILD/$m" io --ms
	done
}

@test "--connect: 6 ports and addresses that are not, in every model, none run (54 inputs)" {
	cd "$BATS_TEST_TMPDIR"
	for m in $(models); do
		for v in '127.0.0.1:²' '127.0.0.1:٨٠' $'127.0.0.1:\t80' '127.0.0.1:+80' \
			'127.0.0.1:080000' '127.0.0.1:80; touch owned'; do
			hostile 2 "$m: --connect: invalid value" "$BUILD/$m" net --connect "$v"
		done
	done
	[ ! -e owned ]
}

@test "--timeout-ms: out of range, not a number, or not net, in every model (36 inputs)" {
	for m in $(models); do
		hostile 2 "$m: --timeout-ms: invalid value '0'" "$BUILD/$m" net --timeout-ms 0
		hostile 2 "$m: --timeout-ms: invalid value" "$BUILD/$m" net --timeout-ms 86400001
		hostile 2 "$m: --timeout-ms: invalid value" "$BUILD/$m" net --timeout-ms '٥'
		hostile 2 "$m: --timeout-ms: '5' is for the net workload only" "$BUILD/$m" io --timeout-ms 5
	done
}

# The deadline is 0.3 s; a run must end well before a second per request.
@test "a server that accepts and never answers: every model gives up at the deadline, exit 1 (9 inputs)" {
	start_bad silent
	for m in $(models); do
		hostile 1 "$m: request " "$BUILD/$m" net --tasks 3 --ms 10 --timeout-ms 300 \
			--connect "$bad_addr"
		[[ "$stderr" == *": no answer within 0.3 s (0 of 3 completed)"* ]]
		assert_between 0.3 "$elapsed" "$(echo "3 * $SLACK" | bc)"
	done
}

@test "a server that answers and never closes: every model gives up at the deadline, exit 1 (9 inputs)" {
	start_bad noclose
	for m in $(models); do
		hostile 1 "no answer within 0.3 s (0 of 3 completed)" "$BUILD/$m" net --tasks 3 \
			--ms 10 --timeout-ms 300 --connect "$bad_addr"
	done
}

@test "a server that never accepts (a full backlog): every model gives up, exit 1 (9 inputs)" {
	for m in $(models); do
		start_bad backlog
		hostile 1 "$m: " "$BUILD/$m" net --tasks 8 --ms 10 --timeout-ms 300 --connect "$bad_addr"
		[[ "$stderr" == *"no answer within 0.3 s"* || "$stderr" == *"Connection timed out"* ]] ||
			{ echo "$m: $stderr"; return 1; }
		assert_between 0.3 "$elapsed" "$(echo "3 * $SLACK" | bc)"
		stop_bad
	done
}

@test "the default deadline is 10 * d + 5000 ms (1 input)" {
	start_bad silent
	hostile 1 "seq: request 0: no answer within 5.01 s (0 of 2 completed)" \
		"$BUILD/seq" net --tasks 2 --ms 1 --connect "$bad_addr"
	assert_between 5 "$elapsed" "$(echo "5 + 3 * $SLACK" | bc)"
}

@test "a refused --connect exits 1 in every model (9 inputs)" {
	start_bad silent
	addr=$bad_addr
	stop_bad
	for m in $(models); do
		hostile 1 "$m: net: connect $addr: Connection refused" "$BUILD/$m" net --tasks 3 --connect "$addr"
	done
}

@test "failing requests in procs and py_procs children: one line with the count (4 inputs)" {
	for m in procs py_procs; do
		[ -x "$BUILD/$m" ] || continue
		start_server "$BUILD/tests/helpers/badserver" wrong --ms 11   # every answer wrong
		hostile 1 "(40 of 40 requests failed)" "$BUILD/$m" net --tasks 40 --ms 11 --connect "$bad_addr"
		hostile 1 "(40 of 40 requests failed)" "$BUILD/$m" net --tasks 40 --ms 11 --workers 4 \
			--connect "$bad_addr"
		stop_bad
	done
}

@test "out of descriptors, gil and py_asyncio requests exit 3 with how far they got (2 inputs)" {
	for m in gil py_asyncio; do
		[ -x "$BUILD/$m" ] || continue
		hostile 3 "Too many open files" bash -c "ulimit -n 48 && exec '$BUILD/$m' net --tasks 200 --ms 300"
		[[ "$stderr" == *"of 200 requests failed)"* ]]
	done
}

@test "closed descriptors 0, 1, 2 at start: every model still runs net (27 inputs)" {
	for m in $(models); do
		run --separate-stderr "$ORPHANS" bash -c '"$@" <&-' _ "$BUILD/$m" net --tasks 3 --ms 10
		[ "$status" -eq 0 ] || { echo "$m <&-: $status $stderr"; return 1; }
		[ "$stderr" = "stray children: 0" ]
		[[ "$output" == *"result 3, ok"* ]]
		run --separate-stderr "$ORPHANS" bash -c '"$@" >&-' _ "$BUILD/$m" net --tasks 3 --ms 10
		[ "$status" -eq 0 ] || { echo "$m >&-: $status $stderr"; return 1; }
		[ "$stderr" = "stray children: 0" ]
		run --separate-stderr "$ORPHANS" bash -c '"$@" 2>&-' _ "$BUILD/$m" net --tasks 3 --ms 10
		[ "$status" -eq 0 ] || { echo "$m 2>&-: $status $stderr"; return 1; }
		[[ "$output" == *"result 3, ok"* ]]
	done
}

@test "closed stderr: bad input still exits 2, C and Python (2 inputs)" {
	run "$ORPHANS" bash -c '"$@" 2>&-' _ "$BUILD/seq" cpu --tasks x
	[ "$status" -eq 2 ]
	[ -x "$BUILD/py_seq" ] || return 0
	run "$ORPHANS" bash -c '"$@" 2>&-' _ "$BUILD/py_seq" cpu --tasks x
	[ "$status" -eq 2 ]
}

@test "a report that cannot be written exits 1 in every model (9 inputs)" {
	for m in $(models); do
		hostile 1 "$m: writing the report: No space left on device" bash -c \
			'exec "$@" >/dev/full' _ "$BUILD/$m" io --tasks 2 --ms 1
	done
}

@test "a CM_TIMELINE that cannot be written exits 1 in every model (9 inputs)" {
	for m in $(models); do
		hostile 1 "$m: timeline: " env CM_TIMELINE="$BATS_TEST_TMPDIR/no/such/dir.csv" \
			"$BUILD/$m" io --tasks 2 --ms 1
	done
}

@test "slowserver, C and Python: 8 bad options each (16 inputs)" {
	for s in "$BUILD/slowserver" "python3 models/python/slowserver.py"; do
		for args in "--port ²" "--port $big" "--ms -1" "--idle-ms 0" "--idle-ms ٣" \
			"--host 1.2.3" "--port" "--bogus 1"; do
			# shellcheck disable=SC2086
			hostile 2 "slowserver: --" $s $args
		done
	done
}

@test "slowserver, C and Python: a silent connection is closed after --idle-ms (2 inputs)" {
	for s in "$BUILD/slowserver" "python3 models/python/slowserver.py"; do
		# shellcheck disable=SC2086
		start_server $s --port 0 --ms 10 --idle-ms 300
		addr=$bad_addr
		# Connect, send nothing: the server hangs up (read sees end of file)
		# long before timeout's 5 s.
		timed_run timeout 5 bash -c "exec 4<>/dev/tcp/${addr%:*}/${addr##*:}; cat <&4"
		[ "$status" -eq 0 ]
		assert_between 0.25 "$elapsed" 3
		stop_bad
	done
}

@test "slowserver, C and Python: a request line past 48 bytes gets a 400 and is hung up on (2 inputs)" {
	for s in "$BUILD/slowserver" "python3 models/python/slowserver.py"; do
		# shellcheck disable=SC2086
		start_server $s --port 0 --ms 10
		addr=$bad_addr
		line=$(printf 'GET /sleep?ms=%0100d' 1)
		# Hung up on at once after a 400, long before timeout's 5 s and the
		# 10 s idle limit.
		timed_run timeout 5 bash -c "exec 4<>/dev/tcp/${addr%:*}/${addr##*:}; printf '%s' '$line' >&4; cat <&4 2>/dev/null"
		[ "$status" -ne 124 ]
		[[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
		assert_between 0 "$elapsed" 3
		stop_bad
	done
}

@test "bench programs: 3 bad options each (27 inputs)" {
	for b in coro_scale cost_create gil_convoy gil_scaling gil_sweep heartbeat lat_switch limits mem_task; do
		[ -x "$BUILD/bench/$b" ] || continue
		hostile 2 "$b: --scale: invalid value 'bogus'" "$BUILD/bench/$b" --scale bogus
		hostile 2 "$b: --scale: invalid value" "$BUILD/bench/$b" --scale $'\tquick'
		hostile 2 "$b: --bogus" "$BUILD/bench/$b" --bogus
	done
}

@test "demos: bad arguments, C and Python (11 inputs)" {
	hostile 2 "await_gather: MS: invalid value" "$BUILD/demos/await_gather" seq '٣'
	hostile 2 "await_gather: MS: invalid value" "$BUILD/demos/await_gather" seq $'\t5'
	hostile 2 "await_gather: MS: invalid value" "$BUILD/demos/await_gather" seq "$big"
	hostile 2 "usage: coro_lessons" "$BUILD/demos/coro_lessons" await "$BATS_TEST_TMPDIR" '²'
	hostile 1 "await_gather: timeline: " env CM_TIMELINE="$BATS_TEST_TMPDIR/no/x" \
		"$BUILD/demos/await_gather" seq 1 2
	command -v python3 >/dev/null || return 0
	for d in wait_for gather_order freezing_bot; do
		hostile 2 "$d.py: argument --scale: invalid value" python3 "demos/$d.py" --scale nan \
			--out "$BATS_TEST_TMPDIR"
	done
	hostile 2 "argument --scale: invalid value '٣'" python3 demos/wait_for.py --scale '٣' \
		--out "$BATS_TEST_TMPDIR"
	hostile 2 "--out: '$BATS_TEST_TMPDIR/none' is not a directory" python3 demos/wait_for.py \
		--out "$BATS_TEST_TMPDIR/none"
	hostile 2 "the following arguments are required: --out" python3 demos/gather_order.py
}

# kill_after_fork US CMD...: SIGKILL CMD US microseconds after it starts;
# nothing it started may still be running a second later.
kill_after_fork() {
	local us=$1
	shift
	run --separate-stderr "$ORPHANS" --kill-after-us "$us" "$@"
	[ "$status" -eq 137 ] || [ "$status" -eq 0 ] || { echo "status $status: $stderr"; return 1; }
	[[ "$stderr" == *"stray children: 0" ]] || { echo "killed at $us us, $*: $stderr"; return 1; }
}

@test "a parent that dies between fork and PR_SET_PDEATHSIG leaves no child, C and Python (2 inputs)" {
	run "$BUILD/tests/helpers/forkrace"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	command -v python3 >/dev/null || return 0
	run python3 tests/helpers/forkrace.py
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "procs and its private server, killed right after forking, leave nothing running (60 inputs)" {
	for i in $(seq 0 29); do
		kill_after_fork $((i * 400)) "$BUILD/procs" io --tasks 30 --ms 3000
		kill_after_fork $((i * 400)) "$BUILD/procs" net --tasks 30 --ms 3000
	done
}

@test "threads, coro and gil with a private server, killed right after forking it (30 inputs)" {
	for i in $(seq 0 9); do
		for m in threads coro gil; do
			kill_after_fork $((i * 300)) "$BUILD/$m" net --tasks 5 --ms 3000
		done
	done
}

# The interpreter takes 0.1 to 0.3 s to reach its first fork here.
@test "py_procs and py_seq's private server, killed right after forking, leave nothing running (30 inputs)" {
	[ -x "$BUILD/py_procs" ] || skip "python3 not found"
	for i in $(seq 0 9); do
		kill_after_fork $((100000 + i * 40000)) "$BUILD/py_procs" io --tasks 20 --ms 3000
		kill_after_fork $((100000 + i * 40000)) "$BUILD/py_procs" io --tasks 20 --ms 3000 --workers 4
		kill_after_fork $((100000 + i * 40000)) "$BUILD/py_seq" net --tasks 5 --ms 3000
	done
}

# Their children also end when a pipe to the parent closes; this checks the
# whole program, while forkrace checks child_fork itself.
@test "mem_task and lat_switch, killed while their children run, leave nothing running (8 inputs)" {
	for us in 20000 100000 300000 600000; do
		kill_after_fork "$us" "$BUILD/bench/mem_task" --scale smoke
		kill_after_fork "$us" "$BUILD/bench/lat_switch" --scale smoke
	done
}
