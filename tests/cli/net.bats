#!/usr/bin/env bats
# The net workload: every model completes every request, with a private
# server and with build/slowserver; running out of descriptors exits 3; no
# server outlives its model.

load common

# The models that exist in this build.
net_models() {
	local m
	for m in seq threads procs coro gil; do
		[ -x "$BUILD/$m" ] && echo "$m"
	done
}

teardown() {
	if [ -n "${server_pid:-}" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ -n "${model_pid:-}" ]; then
		kill -9 "$model_pid" 2>/dev/null || true
	fi
}

# verified T: the run in $output completed all T requests, ok, no leak.
verified() {
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
	[ "$(json_field workload)" = net ]
	[ "$(json_field completed)" = "$1" ]
	[ "$(json_field result)" = "$1" ]
	[ "$(json_field ok)" = true ]
	[ "$(json_field leaked_fds)" = 0 ]
}

@test "every model completes every net task with its private server" {
	for model in $(net_models); do
		run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/$model" net \
			--tasks 30 --ms 20 --json
		verified 30
		[[ "$stderr" == *"stray children: 0"* ]]
	done
}

@test "pools of workers complete every net task" {
	for model in threads procs; do
		run "$BUILD/$model" net --tasks 30 --ms 20 --workers 4 --json
		verified 30
		[ "$(json_field workers)" = 4 ]
	done
}

@test "every model completes every net task against build/slowserver" {
	start_slowserver 30
	for model in $(net_models); do
		run "$BUILD/$model" net --tasks 25 --ms 30 --connect "$server" --json
		verified 25
	done
	# The server is still up and serving after all of them.
	run "$BUILD/seq" net --tasks 2 --ms 30 --connect "$server" --json
	verified 2
}

@test "seq takes about T * d; the concurrent models overlap the waits" {
	timed_run "$BUILD/seq" net --tasks 5 --ms 100 --json
	verified 5
	assert_between 0.5 "$(json_field wall_s)" 5
	for model in $(net_models); do
		[ "$model" = seq ] && continue
		run "$BUILD/$model" net --tasks 100 --ms 200 --json
		verified 100
		# T * d is 20 s; overlapped it is one wait plus the set-up (slow
		# under the sanitizers on a shared machine: a generous bound).
		assert_between 0.2 "$(json_field wall_s)" 8
	done
}

@test "a server answering another delay is a wrong result, exit 1" {
	start_wrong_server 20
	run --separate-stderr "$BUILD/threads" net --tasks 3 --ms 20 --connect "$bad" --json
	kill "$bad_pid"
	[ "$status" -eq 1 ]
	[ "$(json_field ok)" = false ]
	[ "$(json_field completed)" = 3 ]
	[ "$(json_field result)" = 0 ]
	[[ "$stderr" == *"answer $bad: Protocol error"* ]]
}

@test "curl talks to build/slowserver: /sleep, /cpu, keep-alive, 404, 400" {
	start_slowserver 30
	run curl -s -m 5 "http://$server/sleep?ms=20&task=7"
	[ "$output" = "done 7 20" ]
	run curl -s -m 5 "http://$server/sleep"
	[ "$output" = "done 0 30" ]
	run curl -s -m 5 "http://$server/cpu?n=10000000"
	[ "$output" = "333333283333335000000" ]
	# Two requests on one connection: curl says it reused it.
	run curl -sv -m 5 "http://$server/sleep?ms=1" "http://$server/sleep?ms=2"
	[[ "$output" == *"Re-using existing connection"* ]]
	[[ "$output" == *"done 0 2"* ]]
	run curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$server/nothing"
	[ "$output" = 404 ]
	for q in "sleep?ms=-1" "sleep?ms=+1" "sleep?ms=1x" "cpu?n=4294967297" "sleep?who=1"; do
		run curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$server/$q"
		[ "$output" = 400 ] || { echo "$q: $output"; return 1; }
	done
	run curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "http://$server/sleep"
	[ "$output" = 400 ]
	run curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Big: $(printf 'a%.0s' $(seq 3000))" "http://$server/sleep?ms=1"
	[ "$output" = 400 ]
	kill -0 "$server_pid"
}

@test "--connect to a port nobody listens on: one line, exit 1, nothing run" {
	start_slowserver 10
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	for model in $(net_models); do
		run --separate-stderr "$BUILD/$model" net --tasks 3 --connect "$server"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		[[ "$stderr" == "$model: net: connect $server: Connection refused" ]]
	done
}

@test "bad --connect values exit 2 with one line" {
	for value in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 :80 host:80 1.2.3.4:x ""; do
		run --separate-stderr "$BUILD/threads" net --connect "$value"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "$stderr" == "threads: --connect: invalid value '$value' (accepted: HOST:PORT"* ]]
	done
	run --separate-stderr "$BUILD/seq" io --connect 127.0.0.1:80
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--connect: '127.0.0.1:80' is for the net workload only"* ]]
	run --separate-stderr "$BUILD/seq" net --connect
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--connect: missing value"* ]]
}

@test "bad slowserver options exit 2 with one line" {
	for args in "--port 65536" "--port -1" "--port x" "--ms -1" "--ms 600001" \
		"--host nowhere" "--port" "--bogus 1"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$BUILD/slowserver" $args
		[ "$status" -eq 2 ] || { echo "status $status for $args"; return 1; }
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		[[ "$stderr" == slowserver:\ --* ]]
	done
	run "$BUILD/slowserver" --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
}

@test "out of descriptors: threads stops at k of T, exits 3, closes everything" {
	# Long requests keep every socket open while the next threads start
	# (thread creation is slow under TSan).
	local ms=1000
	[ "$FLAVOUR" != tsan ] || ms=3000
	run --separate-stderr prlimit --nofile=64 "$BUILD/tests/helpers/orphans" \
		"$BUILD/threads" net --tasks 200 --ms "$ms" --json
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ threads:\ started\ [0-9]+\ of\ 200\ tasks:\ Too\ many\ open\ files ]]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(json_field ok)" = false ]
	[ "$(json_field leaked_fds)" = 0 ]
	started=$(printf '%s\n' "$stderr" | sed -n 's/.*started \([0-9]*\) of.*/\1/p')
	[ "$started" -gt 10 ]
	[ "$started" -lt 64 ]
	[ "$(json_field completed)" = "$started" ]
	[ "$(json_field result)" = "$started" ]
}

@test "out of descriptors: coro stops spawning at k of T, exits 3, closes everything" {
	run --separate-stderr prlimit --nofile=64 "$BUILD/tests/helpers/orphans" \
		"$BUILD/coro" net --tasks 200 --ms 200 --json
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ coro:\ started\ [0-9]+\ of\ 200\ tasks:\ Too\ many\ open\ files ]]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(json_field leaked_fds)" = 0 ]
	started=$(printf '%s\n' "$stderr" | sed -n 's/.*started \([0-9]*\) of.*/\1/p')
	[ "$started" -gt 10 ]
	[ "$started" -lt 64 ]
	[ "$(json_field completed)" = "$started" ]
	[ "$(json_field result)" = "$started" ]
}

# server_of PID: the private server a model started (its first child).
server_of() {
	local child
	for _ in $(seq 100); do
		child=$(pgrep -P "$1" | head -1)
		[ -n "$child" ] && { echo "$child"; return 0; }
		sleep 0.05
	done
	return 1
}

# gone PID: PID has exited, reaped or a zombie waiting for init (waits up to 3 s).
gone() {
	local stat
	for _ in $(seq 60); do
		stat=$(ps -o stat= -p "$1" || true)
		case $stat in
		'' | Z*) return 0 ;;
		esac
		sleep 0.05
	done
	echo "process $1 still running: $(ps -o pid,stat,args -p "$1")" >&2
	return 1
}

@test "killing a model, or Ctrl-C, leaves no server behind" {
	for sig in KILL TERM; do
		"$BUILD/threads" net --tasks 20 --ms 10000 >/dev/null 2>&1 &
		model_pid=$!
		srv=$(server_of "$model_pid")
		kill -s "$sig" "$model_pid"
		st=0
		wait "$model_pid" 2>/dev/null || st=$?
		[ "$st" -gt 128 ]   # it died of the signal, not of old age
		gone "$srv"
	done
	# Ctrl-C: the terminal signals the whole foreground process group. A
	# background job of a script ignores SIGINT; env restores the default.
	setsid env --default-signal=INT "$BUILD/procs" net --tasks 20 --ms 10000 \
		>/dev/null 2>&1 &
	model_pid=$!
	server_of "$model_pid" >/dev/null
	sleep 0.3
	kids=$(pgrep -P "$model_pid")
	kill -s INT -- "-$model_pid"
	st=0
	wait "$model_pid" 2>/dev/null || st=$?
	[ "$st" -eq 130 ]
	for kid in $kids; do
		gone "$kid"
	done
}

@test "coro: 10,000 concurrent requests all complete" {
	[ "$FLAVOUR" = default ] || skip "one build is enough for a 10,000-request run"
	run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/coro" net --tasks 10000 \
		--ms 100 --json
	verified 10000
	[[ "$stderr" == *"stray children: 0"* ]]
	# Timing is the benchmark's business; here only "not serialised" (1000 s).
	assert_between 0.1 "$(json_field wall_s)" 30
}
