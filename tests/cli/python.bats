#!/usr/bin/env bats
# The Python reference models (models/python/, run through their $BUILD/py_*
# wrappers): the same totals as the C models, every io and net task done,
# the same command line and error messages, the same JSON keys.
# They do not depend on the C build flavour, so they run with the default one.

load common

PY_MODELS="py_seq py_threads py_procs py_asyncio"

setup() {
	[ "$FLAVOUR" = default ] || skip "the Python models do not change with the C flavour"
	[ -x "$BUILD/py_seq" ] || skip "python3 not found: no Python models built"
}

teardown() {
	if [ -n "${server_pid:-}" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}

@test "each Python model's cpu total equals the C total, one per task and pooled" {
	run "$BUILD/seq" cpu --tasks 3 --n 200000 --json
	want=$(json_field result)
	for model in $PY_MODELS; do
		for workers in "" "--workers 2"; do
			run "$BUILD/$model" cpu --tasks 3 --n 200000 $workers --json
			[ "$status" -eq 0 ] || { echo "$model $workers: $output"; return 1; }
			[ "$(json_field result)" = "$want" ]
			[ "$(json_field ok)" = true ]
			[ "$(json_field model)" = "$model" ]
		done
	done
}

@test "sums past 2^64 stay exact: Python and C agree digit for digit" {
	run "$BUILD/seq" cpu --tasks 2 --n 4000000 --json
	want=$(json_field result)
	[ "${#want}" -ge 20 ]
	run "$BUILD/py_procs" cpu --tasks 2 --n 4000000 --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = "$want" ]
}

@test "the JSON has every key the C models print" {
	run "$BUILD/seq" io --tasks 2 --ms 1 --json
	keys=$(printf '%s\n' "$output" | jq -r 'keys[]')
	for model in $PY_MODELS; do
		run "$BUILD/$model" io --tasks 2 --ms 1 --json
		[ "$status" -eq 0 ]
		for key in $keys; do
			printf '%s\n' "$output" | jq -e "has(\"$key\")" >/dev/null ||
				{ echo "$model lacks $key"; return 1; }
		done
		[ "$(json_field leaked_fds)" = 0 ]
	done
}

@test "io completes every task; only py_seq waits one after another" {
	for model in $PY_MODELS; do
		CM_TIMELINE=$BATS_TEST_TMPDIR/t.csv run "$BUILD/$model" io --tasks 5 --ms 500 --json
		[ "$status" -eq 0 ]
		[ "$(json_field completed)" = 5 ]
		[ "$(json_field result)" = 5 ]
		# Did task 1 start before task 0 ended?
		overlap=$(awk -F, '$1 == 0 { end0 = $3 } $1 == 1 { start1 = $2 }
			END { print (start1 < end0) ? "yes" : "no" }' "$BATS_TEST_TMPDIR/t.csv")
		if [ "$model" = py_seq ]; then
			[ "$overlap" = no ]
			assert_between 2.5 "$(json_field wall_s)" 60
		else
			[ "$overlap" = yes ] || { echo "$model: no overlap"; return 1; }
		fi
	done
}

@test "net completes every task with a private server and leaves no child" {
	for model in $PY_MODELS; do
		run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/$model" net \
			--tasks 20 --ms 20 --json
		[ "$status" -eq 0 ] || { echo "$model: $output $stderr"; return 1; }
		[ "$(json_field completed)" = 20 ]
		[ "$(json_field ok)" = true ]
		[[ "$stderr" == *"stray children: 0"* ]]
	done
}

@test "net against build/slowserver; a wrong answer is a wrong result (exit 1)" {
	"$BUILD/slowserver" --port 0 --ms 30 >"$BATS_TEST_TMPDIR/s.out" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		server=$(sed -n 's/^slowserver: listening on \([0-9.:]*\) .*/\1/p' "$BATS_TEST_TMPDIR/s.out")
		[ -n "$server" ] && break
		sleep 0.05
	done
	for model in $PY_MODELS; do
		run "$BUILD/$model" net --tasks 10 --ms 30 --connect "$server" --json
		[ "$status" -eq 0 ]
		[ "$(json_field result)" = 10 ]
	done
	start_wrong_server 31
	run --separate-stderr "$BUILD/py_threads" net --tasks 3 --ms 31 --connect "$bad"
	kill "$bad_pid"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"py_threads: net: task "*"answer $bad: "* ]]
}

@test "the C models get their answers from the Python slowserver" {
	python3 models/python/slowserver.py --port 0 --ms 20 >"$BATS_TEST_TMPDIR/s.out" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		server=$(sed -n 's/^slowserver: listening on \([0-9.:]*\) .*/\1/p' "$BATS_TEST_TMPDIR/s.out")
		[ -n "$server" ] && break
		sleep 0.05
	done
	run "$BUILD/threads" net --tasks 50 --ms 20 --connect "$server" --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = 50 ]
}

@test "out of descriptors: py_threads reports how far it got and exits 3" {
	run --separate-stderr bash -c "ulimit -n 40; exec '$BUILD/tests/helpers/orphans' \
		'$BUILD/py_threads' net --tasks 100 --ms 300 --json"
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ py_threads:\ started\ [0-9]+\ of\ 100\ tasks:\ Too\ many\ open\ files ]]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(json_field ok)" = false ]
}

@test "bad input: the C model's exact message, exit 2, nothing on stdout" {
	while read -r args; do
		run --separate-stderr "$BUILD/seq" $args
		want=$stderr
		for model in $PY_MODELS; do
			run --separate-stderr "$BUILD/$model" $args
			[ "$status" -eq 2 ] || { echo "$model $args: status $status"; return 1; }
			[ -z "$output" ]
			[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
			[ "${stderr#"$model"}" = "${want#seq}" ] ||
				{ echo "$model $args: '$stderr' vs '$want'"; return 1; }
		done
	done <<-EOF
		cpu --tasks 0
		io --tasks 12x
		cpu --tasks=
		cpu --n 4294967297
		io --ms 1.5
		cpu --workers two
		cpu --tasks
		cpu --fast
		gpu
		--tasks 3
		cpu io
		cpu --connect 127.0.0.1:80
		net --connect 127.0.0.1:0
		net --connect nohost:80
	EOF
}

@test "--help is the C model's, and py_threads sets the switch interval" {
	diff <("$BUILD/seq" --help) <("$BUILD/py_seq" --help | sed 's/py_seq/seq/')
	run "$BUILD/py_threads" io --tasks 2 --ms 1 --switch-interval-us 250 --json
	[ "$status" -eq 0 ]
	[ "$(json_field switch_interval_us)" = 250 ]
	run --separate-stderr "$BUILD/py_threads" cpu --switch-interval-us 0
	[ "$status" -eq 2 ]
	[ "$stderr" = "py_threads: --switch-interval-us: invalid value '0' (accepted: 1..1000000)" ]
}

@test "CM_TIMELINE: a row per task; threads show more than one worker" {
	CM_TIMELINE=$BATS_TEST_TMPDIR/t.csv run "$BUILD/py_threads" io --tasks 4 --ms 50 --workers 2
	[ "$status" -eq 0 ]
	[ "$(head -1 "$BATS_TEST_TMPDIR/t.csv")" = "task,start_s,end_s,worker,cpu" ]
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/t.csv" | wc -l)" -eq 4 ]
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/t.csv" | cut -d, -f4 | sort -u | wc -l)" -eq 2 ]
}

@test "gil_sweep.py: bad options exit 2 with one line naming option, value and range" {
	sweep="python3 models/python/gil_sweep.py"
	bad_usage_sweep() {
		local want=$1
		shift
		run --separate-stderr $sweep "$@"
		[ "$status" -eq 2 ] || { echo "status $status for $*"; return 1; }
		[ -z "$output" ] || { echo "stdout: $output"; return 1; }
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
		[ "$stderr" = "gil_sweep.py: $want" ] || { echo "$*: '$stderr'"; return 1; }
	}
	bad_usage_sweep "--scale: invalid value 'huge' (accepted: smoke|quick|full)" --scale huge
	bad_usage_sweep "--scale: invalid value '' (accepted: smoke|quick|full)" --scale=
	bad_usage_sweep "--scale: missing value (accepted: smoke|quick|full)" --scale
	bad_usage_sweep "--interval: unknown option (accepted: --scale smoke|quick|full, --help)" --interval 5
	bad_usage_sweep "'smoke': unexpected argument (accepted: --scale smoke|quick|full, --help)" smoke
	run $sweep --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: gil_sweep.py [--scale smoke|quick|full]" ]]
	# It is not a model: the Makefile wraps models/python/py_*.py only.
	[ ! -e "$BUILD/gil_sweep" ]
	[ ! -e "$BUILD/py_gil_sweep" ]
}

@test "gil_sweep.py --scale smoke: gil_sweep's CSV, exact totals, hand-offs counted" {
	run --separate-stderr python3 models/python/gil_sweep.py --scale smoke
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "${lines[0]}" = "$(sed -n 's/^header_py_gil_sweep=//p' scripts/bench.sh)" ]
	[ "${lines[0]}" = "$(sed -n 's/^header_gil_sweep=//p' scripts/bench.sh)" ]
	[ "${#lines[@]}" -eq 7 ]
	# tasks_per_s is 20 tasks over the median; every run saw hand-offs.
	printf '%s\n' "$output" | awk -F, 'NR > 1 { if (!($5 >= 1 && $6 > 0 && ($4 * $3 - 20) ^ 2 < 0.01)) { print "bad: " $0; bad = 1 } }
		END { exit bad }'
}
