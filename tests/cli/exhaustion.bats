#!/usr/bin/env bats
# Running out of threads or processes: report how far it got, clean up
# everything that started, exit 3.

load common

setup() {
	# An unprivileged copy of the program, so that RLIMIT_NPROC binds (root
	# ignores it) and the unprivileged user can read the binary.
	dir=$(mktemp -d)
	chmod 755 "$dir"
}

teardown() {
	rm -rf "$dir"
}

# limited MODEL ARGS...: run MODEL under a process limit of 40, as nobody
# when root, under the orphans helper that counts what it left behind.
limited() {
	local model=$1
	shift
	cp "$BUILD/$model" "$BUILD/tests/helpers/orphans" "$dir/"
	if [ "$(id -u)" = 0 ]; then
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
			prlimit --nproc=40 "$dir/orphans" "$dir/$model" "$@"
	else
		# Our own processes count too: allow 40 beyond what runs now.
		local now
		now=$(ps -L -u "$(id -u)" --no-headers | wc -l)
		run --separate-stderr prlimit --nproc=$((now + 40)) "$dir/orphans" "$dir/$model" "$@"
	fi
}

@test "threads: pthread_create failing stops at k of T, joins, exits 3" {
	[ "$FLAVOUR" != tsan ] || skip "TSan caps live threads itself"
	limited threads io --tasks 200 --ms 300 --json
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ threads:\ started\ [0-9]+\ of\ 200\ tasks:\ Resource\ temporarily\ unavailable ]]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(json_field ok)" = false ]
	[ "$(json_field leaked_fds)" = 0 ]
	started=$(printf '%s\n' "$stderr" | sed -n 's/.*started \([0-9]*\) of.*/\1/p')
	# every started task completed and was counted
	[ "$(json_field completed)" = "$started" ]
	[ "$started" -gt 0 ]
	[ "$started" -lt 200 ]
}

@test "procs: fork failing stops at k of T, reaps every child, exits 3" {
	limited procs io --tasks 200 --ms 300 --json
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ procs:\ started\ [0-9]+\ of\ 200\ tasks:\ Resource\ temporarily\ unavailable ]]
	[[ "$stderr" == *"stray children: 0"* ]]
	[ "$(json_field ok)" = false ]
	[ "$(json_field leaked_fds)" = 0 ]
	started=$(printf '%s\n' "$stderr" | sed -n 's/.*started \([0-9]*\) of.*/\1/p')
	[ "$(json_field completed)" = "$started" ]
}

@test "procs pool: a worker that cannot be forked stops the pool, exits 3" {
	limited procs io --tasks 500 --ms 50 --workers 100 --json
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ procs:\ started\ [0-9]+\ of\ 100\ workers ]]
	[[ "$stderr" == *"stray children: 0"* ]]
}

@test "threads io --tasks 40000 meets this machine's limits and exits 3" {
	[ "$FLAVOUR" = default ] || skip "one build is enough for a 40000-thread run"
	run --separate-stderr "$BUILD/tests/helpers/orphans" "$BUILD/threads" io --tasks 40000 --json
	[ "$status" -eq 3 ]
	[[ "$stderr" =~ threads:\ started\ [0-9]+\ of\ 40000\ tasks ]]
	[ "$(json_field leaked_fds)" = 0 ]
}

@test "gil: pthread_create failing stops at k of T, joins, exits 3" {
	[ "$FLAVOUR" != tsan ] || skip "TSan caps live threads itself"
	limited gil io --tasks 200 --ms 300 --json
	[ "$status" -eq 3 ] || { echo "status $status: $stderr"; return 1; }
	[[ "$stderr" =~ gil:\ started\ [0-9]+\ of\ 200\ tasks:\ Resource\ temporarily\ unavailable ]]
	[[ "$stderr" == *"stray children: 0"* ]]
	started=$(printf '%s\n' "$stderr" | sed -n 's/.*started \([0-9]*\) of.*/\1/p')
	[ "$(json_field completed)" = "$started" ]
}
