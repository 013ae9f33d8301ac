#!/usr/bin/env bats
# The server models (build/servers/*): HTTP through curl, their counters and
# a clean exit at SIGTERM, no child left behind, bad options.

load common

# The server programs of models/servers.tsv with their --workers, one per line.
servers() {
	printf '%s\n' "seq" "threads" "threads --workers 4" "procs" "procs --workers 3" "gil" "coro"
	[ -x "$BUILD/servers/go" ] && echo go
	[ -x "$BUILD/servers/node" ] && echo node
}

# start NAME [ARGS]: a server on a free port; $addr, $pid.
start() {
	local log=$BATS_TEST_TMPDIR/server.out
	rm -f "$log"
	"$BUILD/servers/$1" --port 0 --ms 30 "${@:2}" >"$log" 2>"$BATS_TEST_TMPDIR/server.err" 3>&- &
	pid=$!
	for _ in $(seq 100); do
		# The shell may not have opened the log yet: no file is no line yet.
		addr=$(sed -n 's/^[a-z]*: listening on //p' "$log" 2>/dev/null || true)
		[ -n "$addr" ] && return 0
		sleep 0.05
	done
	return 1
}

teardown() {
	if [ -n "${pid:-}" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
}

@test "each server answers curl: /sleep, /cpu, keep-alive, 404, 400 (7 servers, and go and node)" {
	while read -r s args; do
		echo "server: $s $args"
		# shellcheck disable=SC2086
		start "$s" $args
		run curl -s -m 5 "http://$addr/sleep?ms=20&task=9"
		[ "$output" = "done 9 20" ]
		run curl -s -m 5 "http://$addr/sleep"
		[ "$output" = "done 0 30" ]
		run curl -s -m 5 "http://$addr/cpu?n=10000000"
		[ "$output" = "333333283333335000000" ]
		run curl -sv -m 5 "http://$addr/sleep?ms=1" "http://$addr/sleep?ms=2"
		[[ "$output" == *"Re-using existing connection"* ]]
		run curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$addr/nope"
		[ "$output" = 404 ]
		run curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$addr/sleep?ms=x"
		[ "$output" = 400 ]
		kill -TERM "$pid"
		wait "$pid"
		pid=""
	done < <(servers)
}

@test "SIGTERM: exit 0, the counters on stdout, no child left (7 servers, and go and node)" {
	while read -r s args; do
		echo "server: $s $args"
		# shellcheck disable=SC2086
		start "$s" $args
		curl -s -m 5 "http://$addr/sleep?ms=1" "http://$addr/sleep?ms=1" >/dev/null
		curl -s -m 5 "http://$addr/sleep?ms=-1" >/dev/null
		# A connection held open while the server stops.
		exec 4<>"/dev/tcp/${addr%:*}/${addr##*:}"
		sleep 0.2
		kids=$(pgrep -P "$pid" | wc -l)
		kill -TERM "$pid"
		st=0
		wait "$pid" || st=$?
		exec 4<&-
		[ "$st" -eq 0 ] || { echo "exit $st: $(cat "$BATS_TEST_TMPDIR/server.err")"; return 1; }
		line=$(sed -n '/^{/p' "$BATS_TEST_TMPDIR/server.out")
		[ "$(jq -r .server <<<"$line")" = "$s" ]
		[ "$(jq -r .served <<<"$line")" = 2 ]
		[ "$(jq -r .refused <<<"$line")" = 1 ]
		[ "$(jq -r .held_peak <<<"$line")" -ge 1 ]
		case "$s $args" in
		"procs --workers 3") [ "$kids" -eq 3 ] ;;
		procs) [ "$kids" -ge 1 ] ;;   # the held connection's child
		esac
		# Every child was reaped by the server itself: none is left, not even a zombie.
		[ -z "$(pgrep -P "$pid")" ]
		[ -z "$(ps -eo ppid=,pid= | awk -v p="$pid" '$1 == p')" ]
		pid=""
	done < <(servers)
}

@test "a request line past 48 bytes or a head past 2048 bytes: a 400 and hung up on" {
	start coro
	line=$(printf 'GET /sleep?ms=%0100d' 1)
	timed_run timeout 5 bash -c "exec 4<>/dev/tcp/${addr%:*}/${addr##*:}; printf '%s' '$line' >&4; cat <&4"
	[[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
	kill -TERM "$pid"
	wait "$pid"
	start threads
	run curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Big: $(printf 'a%.0s' $(seq 3000))" "http://$addr/sleep?ms=1"
	[ "$output" = 400 ]
}

@test "servers: bad options exit 2 with one line naming the option (5 servers)" {
	for s in seq threads procs gil coro; do
		for args in "--port 65536" "--ms -1" "--idle-ms 0" "--host x" "--bogus 1"; do
			# shellcheck disable=SC2086
			run --separate-stderr "$BUILD/servers/$s" $args
			[ "$status" -eq 2 ] || { echo "$s $args: $status"; return 1; }
			[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
			[[ "$stderr" == "$s: "* ]]
		done
	done
	run --separate-stderr "$BUILD/servers/seq" --workers 2
	[ "$status" -eq 2 ]
	run --separate-stderr "$BUILD/servers/threads" --workers 0
	[ "$status" -eq 2 ]
	[[ "$stderr" == "threads: --workers: invalid value '0' (accepted: 1..1000000)" ]]
}
