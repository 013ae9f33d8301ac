# Shared setup for the command-line tests. BUILD names the build to test
bats_require_minimum_version 1.5.0
# (build, build/clang, build/asan, build/tsan); FLAVOUR says which one.
BUILD=${BUILD:-build}
FLAVOUR=${FLAVOUR:-default}
EXACT_TOTAL=6666684666689500010830

# Upper bounds on elapsed time are generous (tests check behaviour; the
# benchmarks check speed) and three times as generous under a sanitizer.
case $FLAVOUR in
asan | tsan) SLACK=3 ;;
*) SLACK=1 ;;
esac

# concurrent_bound D_MS: the most a concurrent run of D ms waits may take,
# 3*d + 1 s times SLACK; far below T*d for the task counts the tests use.
concurrent_bound() {
	echo "scale=3; (3 * $1 / 1000 + 1) * $SLACK" | bc
}

# json_field KEY: the value of KEY in the JSON object held in $output.
json_field() {
	printf '%s\n' "$output" | jq -r ".$1"
}

# Seconds elapsed while running "$@" (via bats' run), in $elapsed.
timed_run() {
	local t0 t1
	t0=$(date +%s.%N)
	run "$@"
	t1=$(date +%s.%N)
	elapsed=$(echo "$t1 - $t0" | bc)
}

# Fail unless $1 <= $2 <= $3 (decimals).
assert_between() {
	if [ "$(echo "$1 <= $2 && $2 <= $3" | bc)" != 1 ]; then
		echo "expected $1 <= $2 <= $3" >&2
		return 1
	fi
}

# bad_usage PROGRAM EXPECTED-TEXT ARGS...: PROGRAM (a path) must exit 2 with
# one line on stderr containing EXPECTED-TEXT, and print nothing on stdout.
bad_usage() {
	local prog=$1 want=$2
	shift 2
	run --separate-stderr "$prog" "$@"
	[ "$status" -eq 2 ] || { echo "status $status for $prog $*"; return 1; }
	[ -z "$output" ] || { echo "stdout not empty: $output"; return 1; }
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
	[[ "$stderr" == *"$want"* ]] || { echo "stderr lacks '$want': $stderr"; return 1; }
}

# start_slowserver MS [ARGS...]: a slowserver on a free port answering after
# MS ms (more options in ARGS), its address in $server and its pid in
# $server_pid (the test file's teardown kills it).
start_slowserver() {
	local log=$BATS_TEST_TMPDIR/slowserver.out ms=$1
	shift
	"$BUILD/slowserver" --port 0 --ms "$ms" "$@" >"$log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		server=$(sed -n 's/^slowserver: listening on \([0-9.:]*\) .*/\1/p' "$log")
		[ -n "$server" ] && return 0
		sleep 0.05
	done
	cat "$log" >&2
	return 1
}

# start_wrong_server MS: tests/helpers/badserver wrong on a free port (every
# answer a 200 for delay MS + 1), its address in $bad and its pid in $bad_pid.
start_wrong_server() {
	local log=$BATS_TEST_TMPDIR/wrong.out
	rm -f "$log"
	"$BUILD/tests/helpers/badserver" wrong --ms "$1" >"$log" &
	bad_pid=$!
	for _ in $(seq 100); do
		bad=$(sed -n 's/^badserver: listening on //p' "$log" 2>/dev/null)
		[ -n "$bad" ] && return 0
		sleep 0.05
	done
	return 1
}
