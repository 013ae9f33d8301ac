#!/usr/bin/env bats
# The reference models of the runtimes users would pick instead: Go
# (models/go/), Node.js (models/node/) and libuv (models/uv.c). Each speaks
# the C models' command line (the same --help, the same one-line complaints),
# prints the same JSON, sums exactly, overlaps its waits, gets the C models'
# answers from the same slow server, and meets the net contract: a deadline
# on every request, a refused server exits 1, running out of descriptors
# exits 3, nothing left running.
# A model is not built where its tool is missing; its tests then skip and
# say which tool. go and node do not change with the C flavour, so they run
# with the default one; uv is C and runs in every flavour.

load common

# need MODEL: skip, naming the tool, unless MODEL can be built here.
need() {
	case $1 in
	go | node)
		[ "$FLAVOUR" = default ] || skip "the $1 model does not change with the C flavour"
		command -v "$1" >/dev/null || skip "$1 not installed: no $1 model built"
		;;
	uv)
		printf '#include <uv.h>\n' | ${CC:-cc} -E -x c - >/dev/null 2>&1 ||
			skip "libuv not installed (libuv1-dev): no uv model built"
		;;
	esac
	[ -x "$BUILD/$1" ] || { echo "$1: its tool is here, but $BUILD/$1 was not built"; return 1; }
	model=$1
}

teardown() {
	if [ -n "${server_pid:-}" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}

# start_server PROGRAM ARGS...: run it in the background and set $server to
# the HOST:PORT it prints ("<name>: listening on HOST:PORT ...").
start_server() {
	"$@" >"$BATS_TEST_TMPDIR/server.out" 2>&1 &
	server_pid=$!
	for _ in $(seq 200); do
		server=$(sed -n 's/^[a-z]*: listening on \([0-9.:]*\).*/\1/p' "$BATS_TEST_TMPDIR/server.out")
		[ -n "$server" ] && return 0
		sleep 0.05
	done
	echo "no server: $(cat "$BATS_TEST_TMPDIR/server.out")"
	return 1
}

check_help() {
	run "$BUILD/$model" --help
	[ "$status" -eq 0 ]
	diff <("$BUILD/seq" --help) <(printf '%s\n' "$output" | sed "s/^usage: $model /usage: seq /")
}

@test "go: --help is the C models' text" { need go; check_help; }
@test "node: --help is the C models' text" { need node; check_help; }
@test "uv: --help is the C models' text" { need uv; check_help; }

# Each line: arguments, as the shell would split them.
BAD_INPUTS=$(cat <<'EOF_BAD'
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
cpu --tasks +3
cpu --tasks -3
cpu --tasks ' 3'
cpu --tasks $'\t3'
cpu --tasks $'3\n'
cpu --tasks ٣
cpu --tasks 99999999999999999999999
cpu --connect 127.0.0.1:80
net --connect 127.0.0.1:0
net --connect nohost:80
net --connect 127.0.0.1:²
net --connect 127.0.0.1:٨٠
net --connect 127.0.0.1:+80
net --timeout-ms 0
net --timeout-ms 86400001
io --timeout-ms 50
cpu --tasks "$(printf '9%.0s' $(seq 5001))"
cpu --tasks "$(printf 'é%.0s' $(seq 100))"
$'c\x01pu'
cpu --$'ta\x7fsks' 3
cpu "--$(printf 'x%.0s' $(seq 300))=1"
EOF_BAD
)

# The model's complaint is seq's, byte for byte (control bytes escaped, a
# long value cut at 120 bytes): exit 2, one line, no stdout.
check_bad_input() {
	local line
	while IFS= read -r line; do
		eval "set -- $line"
		run --separate-stderr "$BUILD/seq" "$@"
		want=$stderr
		run --separate-stderr "$BUILD/$model" "$@"
		[ "$status" -eq 2 ] || { echo "$model $line: status $status"; return 1; }
		[ -z "$output" ] || { echo "$model $line: stdout '$output'"; return 1; }
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "$model $line: '$stderr'"; return 1; }
		[ "${stderr#"$model"}" = "${want#seq}" ] || { echo "$model $line: '$stderr' vs '$want'"; return 1; }
	done <<<"$BAD_INPUTS"
}

@test "go: bad input gets seq's one line and exit 2" { need go; check_bad_input; }
@test "node: bad input gets seq's one line and exit 2" { need node; check_bad_input; }
@test "uv: bad input gets seq's one line and exit 2" { need uv; check_bad_input; }

# sum of k*k for k < n, summed over n = N, N+1, N+2, by the closed formula in bc.
formula_total() {
	echo "n = $1; t = 0; for (i = 0; i < 3; i++) { m = n + i; t += m * (m - 1) * (2 * m - 1) / 6 }; t" | bc
}

check_cpu_exact() {
	want=$(formula_total 5000011)
	[ "${#want}" -ge 20 ]                 # past 2^64
	for workers in "" "--workers 2"; do
		run "$BUILD/$model" cpu --tasks 3 --n 5000011 $workers --json
		[ "$status" -eq 0 ] || { echo "$model $workers: $output"; return 1; }
		[ "$(json_field result)" = "$want" ]
		[ "$(json_field ok)" = true ]
		[ "$(json_field completed)" = 3 ]
	done
	run "$BUILD/seq" cpu --tasks 3 --n 5000011 --json
	[ "$(json_field result)" = "$want" ]
}

@test "go: cpu totals past 2^64 are exact, one per task and pooled" { need go; check_cpu_exact; }
@test "node: cpu totals past 2^64 are exact, one per task and pooled" { need node; check_cpu_exact; }
@test "uv: cpu totals past 2^64 are exact, one per task and pooled" { need uv; check_cpu_exact; }

# A closed formula (or a compiler, or a JIT, that found one) would not grow
# with n: doubling n must add at least a third of what n took above start-up
# (measured with n = 1: V8's start-up and compiler threads are large).
check_real_loop() {
	run "$BUILD/$model" cpu --tasks 1 --n 1 --json
	base=$(json_field user_s)
	run "$BUILD/$model" cpu --tasks 1 --n 100000000 --json
	one=$(json_field user_s)
	run "$BUILD/$model" cpu --tasks 1 --n 200000000 --json
	two=$(json_field user_s)
	[ "$(json_field ok)" = true ]
	[ "$(echo "$two - $one > ($one - $base) / 3 && $two - $one > 0.02" | bc)" = 1 ] ||
		{ echo "user_s: n=1 $base, 1e8 $one, 2e8 $two"; return 1; }
}

@test "go: the cpu kernel is a real loop: twice the size takes longer" { need go; check_real_loop; }
@test "node: the cpu kernel is a real loop: twice the size takes longer" { need node; check_real_loop; }
@test "uv: the cpu kernel is a real loop: twice the size takes longer" { need uv; check_real_loop; }

# N waits of d take about d, not N * d; a pool of 2 takes two rounds of 4 tasks.
check_io_shape() {
	run "$BUILD/$model" io --tasks 500 --ms 500 --json
	[ "$status" -eq 0 ]
	[ "$(json_field completed)" = 500 ]
	[ "$(json_field result)" = 500 ]
	assert_between 0.45 "$(json_field wall_s)" "$(concurrent_bound 500)"
	run "$BUILD/$model" io --tasks 4 --ms 300 --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(json_field workers)" = 2 ]
	[ "$(json_field completed)" = 4 ]
	assert_between 0.55 "$(json_field wall_s)" "$(concurrent_bound 600)"
}

@test "go: 500 waits of 500 ms take about 500 ms; a pool of 2 takes two rounds" { need go; check_io_shape; }
@test "node: 500 waits of 500 ms take about 500 ms; a pool of 2 takes two rounds" { need node; check_io_shape; }
@test "uv: 500 waits of 500 ms take about 500 ms; a pool of 2 takes two rounds" { need uv; check_io_shape; }

# Every key seq prints, and no descriptor left open, in every workload.
check_json_keys() {
	run "$BUILD/seq" io --tasks 2 --ms 1 --json
	keys=$(printf '%s\n' "$output" | jq -r 'keys[]')
	for args in "io --tasks 2 --ms 1" "cpu --tasks 2 --n 1000" "net --tasks 3 --ms 1"; do
		run "$BUILD/$model" $args --json
		[ "$status" -eq 0 ] || { echo "$model $args: $output"; return 1; }
		for key in $keys; do
			printf '%s\n' "$output" | jq -e "has(\"$key\")" >/dev/null ||
				{ echo "$model $args lacks $key"; return 1; }
		done
		[ "$(json_field model)" = "$model" ]
		[ "$(json_field leaked_fds)" = 0 ]
	done
}

@test "go: the JSON has every key seq prints, and GOMAXPROCS" {
	need go
	check_json_keys
	run "$BUILD/go" cpu --tasks 2 --n 1000 --json
	[ "$(json_field gomaxprocs)" -ge 1 ]
}
@test "node: the JSON has every key seq prints" { need node; check_json_keys; }
@test "uv: the JSON has every key seq prints, and the thread pool's size" {
	need uv
	check_json_keys
	run "$BUILD/uv" cpu --tasks 3 --n 1000 --workers 2 --json
	[ "$(json_field threadpool)" = 2 ]
	[ "$(json_field workers)" = 2 ]
}

# The C models' answers, from a private server (nothing left behind) and from
# build/slowserver; a server answering another delay is a wrong answer (exit
# 1, one line).
check_net_agrees() {
	run "$BUILD/threads" net --tasks 30 --ms 20 --json
	want=$(json_field result)
	[ "$want" = 30 ]
	for workers in "" "--workers 3"; do
		run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/$model" net \
			--tasks 30 --ms 20 $workers --json
		[ "$status" -eq 0 ] || { echo "$model $workers: $output $stderr"; return 1; }
		[ "$(json_field result)" = "$want" ]
		[ "$(json_field completed)" = 30 ]
		[[ "$stderr" == *"stray children: 0"* ]]
	done
	start_server "$BUILD/slowserver" --port 0 --ms 30
	run "$BUILD/$model" net --tasks 10 --ms 30 --connect "$server" --json
	[ "$status" -eq 0 ]
	[ "$(json_field result)" = 10 ]
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/server.out"
	start_server "$BUILD/tests/helpers/badserver" wrong --ms 31
	run --separate-stderr "$BUILD/$model" net --tasks 3 --ms 31 --connect "$server"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" =~ ^$model:\ net:\ task\ [0-2]:\ answer\ $server:\ Protocol\ error\ \(3\ of\ 3\ requests\ failed\)$ ]]
}

@test "go: net agrees with the C models, private server or build/slowserver" { need go; check_net_agrees; }
@test "node: net agrees with the C models, private server or build/slowserver" { need node; check_net_agrees; }
@test "uv: net agrees with the C models, private server or build/slowserver" { need uv; check_net_agrees; }

# A server that accepts and never answers, answers and never closes, or
# never accepts: each request gives up at its deadline, one line, exit 1.
check_deadline() {
	for kind in silent noclose backlog; do
		start_server "$BUILD/tests/helpers/badserver" "$kind" --ms 10
		timed_run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/$model" net \
			--tasks 4 --ms 10 --timeout-ms 300 --connect "$server"
		[ "$status" -eq 1 ] || { echo "$kind: status $status: $stderr"; return 1; }
		[[ "${stderr%%$'\n'*}" =~ ^$model:\ request\ [0-3]:\ no\ answer\ within\ 0.3\ s\ \(0\ of\ 4\ completed\)$ ]] ||
			{ echo "$kind: $stderr"; return 1; }
		[[ "$stderr" == *$'\n'"stray children: 0" ]]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 2 ]
		assert_between 0.3 "$elapsed" "$(concurrent_bound 300)"
		kill "$server_pid"
		wait "$server_pid" || true
		server_pid=
	done
}

@test "go: no request waits forever: silent, never-closing and full-backlog servers" { need go; check_deadline; }
@test "node: no request waits forever: silent, never-closing and full-backlog servers" { need node; check_deadline; }
@test "uv: no request waits forever: silent, never-closing and full-backlog servers" { need uv; check_deadline; }

check_refused() {
	run --separate-stderr "$BUILD/$model" net --tasks 3 --ms 10 --connect 127.0.0.1:1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "$model: net: connect 127.0.0.1:1: Connection refused" ]
}

@test "go: a refused --connect exits 1 with one line" { need go; check_refused; }
@test "node: a refused --connect exits 1 with one line" { need node; check_refused; }
@test "uv: a refused --connect exits 1 with one line" { need uv; check_refused; }

# 40 descriptors cannot hold 100 connections: exit 3, one line, no strays.
check_out_of_fds() {
	run --separate-stderr bash -c "ulimit -n 40; exec '$BUILD/tests/helpers/orphans' \
		'$BUILD/$model' net --tasks 100 --ms 300 --json"
	[ "$status" -eq 3 ] || { echo "status $status: $stderr"; return 1; }
	[[ "${stderr%%$'\n'*}" == "$model: "*"Too many open files"* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 2 ]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(json_field ok)" = false ]
}

@test "go: out of descriptors: exit 3, one line, nothing left running" { need go; check_out_of_fds; }
@test "node: out of descriptors: exit 3, one line, nothing left running" { need node; check_out_of_fds; }
@test "uv: out of descriptors: exit 3, one line, nothing left running" { need uv; check_out_of_fds; }

# SIGKILL the model at moments from before its server starts to mid-run:
# the private server never outlives it.
check_killed_parent() {
	for us in 1000 5000 20000 50000 100000 300000; do
		run --separate-stderr "$BUILD/tests/helpers/orphans" --kill-after-us "$us" \
			"$BUILD/$model" net --tasks 20 --ms 2000
		[ "$status" -eq 137 ] || { echo "after $us us: status $status: $stderr"; return 1; }
		[[ "$stderr" == *"stray children: 0"* ]] || { echo "after $us us: $stderr"; return 1; }
	done
}

@test "go: the model killed at any moment leaves no server running" { need go; check_killed_parent; }
@test "node: the model killed at any moment leaves no server running" { need node; check_killed_parent; }
@test "uv: the model killed at any moment leaves no server running" { need uv; check_killed_parent; }

# With 0, 1 or 2 closed at start, no socket or pipe lands there: the run
# still verifies and its report is written (to /dev/null for 1).
check_closed_std_fds() {
	run bash -c "'$BUILD/$model' net --tasks 3 --ms 5 --json <&-"
	[ "$status" -eq 0 ]
	[ "$(json_field ok)" = true ]
	run bash -c "'$BUILD/$model' net --tasks 3 --ms 5 --json >&-"
	[ "$status" -eq 0 ] || { echo ">&-: status $status: $output"; return 1; }
	run bash -c "'$BUILD/$model' net --tasks 3 --ms 5 --json 2>&-"
	[ "$status" -eq 0 ]
	[ "$(json_field ok)" = true ]
}

@test "go: closed standard descriptors: the run still works" { need go; check_closed_std_fds; }
@test "node: closed standard descriptors: the run still works" { need node; check_closed_std_fds; }
@test "uv: closed standard descriptors: the run still works" { need uv; check_closed_std_fds; }

# CM_TIMELINE: a row per task, in the C models' CSV; io tasks overlap; a
# timeline that cannot be written fails the run with one line.
check_timeline() {
	tl=$BATS_TEST_TMPDIR/t.csv
	CM_TIMELINE=$tl run "$BUILD/$model" io --tasks 4 --ms 200 --json
	[ "$status" -eq 0 ]
	[ "$(head -1 "$tl")" = "task,start_s,end_s,worker,cpu" ]
	[ "$(tail -n +2 "$tl" | wc -l)" -eq 4 ]
	# Each row names a real thread and ends after it starts.
	[ "$(awk -F, 'NR > 1 && !($4 > 0 && $5 >= 0 && $3 > $2)' "$tl" | wc -l)" -eq 0 ]
	overlap=$(awk -F, '$1 == 0 { end0 = $3 } $1 == 1 { start1 = $2 }
		END { print (start1 < end0) ? "yes" : "no" }' "$tl")
	[ "$overlap" = yes ]
	CM_TIMELINE=$tl run "$BUILD/$model" cpu --tasks 4 --n 2000000 --workers 2 --json
	[ "$status" -eq 0 ]
	[ "$(tail -n +2 "$tl" | cut -d, -f1 | tr '\n' ' ')" = "0 1 2 3 " ]
	CM_TIMELINE=$BATS_TEST_TMPDIR/no/such/t.csv run --separate-stderr "$BUILD/$model" io --tasks 2 --ms 1
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "$model: timeline: "*"/no/such/t.csv: No such file or directory" ]]
}

@test "go: CM_TIMELINE: a row per task; a timeline not written fails the run" { need go; check_timeline; }
@test "node: CM_TIMELINE: a row per task; a timeline not written fails the run" { need node; check_timeline; }
@test "uv: CM_TIMELINE: a row per task; a timeline not written fails the run" { need uv; check_timeline; }
