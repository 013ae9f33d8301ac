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

@test "coro --backend uring completes io and net, and the JSON names the backend" {
	for backend in epoll uring; do
		run "$BUILD/coro" io --tasks 200 --ms 100 --backend "$backend" --json
		[ "$status" -eq 0 ]
		[ "$(json_field backend)" = "$backend" ]
		[ "$(json_field result)" = 200 ]
		run "$BUILD/coro" net --tasks 300 --ms 100 --backend "$backend" --json
		[ "$status" -eq 0 ]
		[ "$(json_field backend)" = "$backend" ]
		[ "$(json_field completed)" = 300 ]
		[ "$(json_field leaked_fds)" = 0 ]
		[ "$(json_field syscalls_per_task.total)" != 0 ]
	done
	run "$BUILD/coro" io --tasks 10 --json
	[ "$(json_field backend)" = epoll ]
}

@test "slowserver --backend uring serves clients on either backend" {
	start_slowserver 50 --backend uring
	for backend in epoll uring; do
		run "$BUILD/coro" net --tasks 500 --ms 50 --connect "$server" --backend "$backend" --json
		[ "$status" -eq 0 ]
		[ "$(json_field completed)" = 500 ]
		[ "$(json_field ok)" = true ]
	done
}

@test "coro and slowserver: a bad --backend exits 2 with one line" {
	bad_usage "$BUILD/coro" "--backend: invalid value 'kqueue' (accepted: epoll|uring)" io --backend kqueue
	bad_usage "$BUILD/slowserver" "--backend: invalid value 'kqueue' (accepted: epoll|uring)" --backend kqueue
}

# refused ERRNO PROGRAM ARGS...: io_uring_setup fails with ERRNO (a seccomp
# filter); PROGRAM must stop at once, exit 3, with one line naming why.
refused() {
	local errno=$1
	shift
	run --separate-stderr "$BUILD/tests/helpers/no_uring" "$errno" "$@"
	[ "$status" -eq 3 ] || { echo "status $status: $stderr"; return 1; }
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
	[[ "$stderr" == *"--backend uring: not available here: io_uring_setup: "* ]] || { echo "$stderr"; return 1; }
	[[ "$stderr" == *"; use --backend epoll" ]] || { echo "$stderr"; return 1; }
	[ -z "$output" ] || { echo "stdout: $output"; return 1; }
}

@test "where io_uring is refused, --backend uring stops with one line, exit 3" {
	refused EPERM "$BUILD/coro" io --tasks 10 --backend uring
	[[ "$stderr" == *"Operation not permitted"* ]]
	refused ENOSYS "$BUILD/coro" net --tasks 10 --backend uring
	[[ "$stderr" == *"Function not implemented (a kernel without io_uring"* ]]
	refused EPERM "$BUILD/slowserver" --port 0 --backend uring
	# epoll does not need it
	run "$BUILD/tests/helpers/no_uring" EPERM "$BUILD/coro" io --tasks 10
	[ "$status" -eq 0 ]
}

# strace_calls FILE NAME...: the calls strace -c counted for those system calls, summed.
strace_calls() {
	local file=$1
	shift
	awk -v names=" $* " '$NF != "total" && index(names, " " $NF " ") { n += $4 } END { print n + 0 }' "$file"
}

# within LOW GOT HIGH KIND: fail, naming KIND, unless LOW <= GOT <= HIGH.
within() {
	if [ "$2" -lt "$1" ] || [ "$2" -gt "$3" ]; then
		echo "$4: $2 not in $1..$3" >&2
		return 1
	fi
}

@test "the loop's system call counts by kind match strace -c -f" {
	[ "$FLAVOUR" = default ] || skip "sanitizers make system calls of their own"
	command -v strace >/dev/null || skip "strace is not installed"
	start_slowserver 50
	for backend in epoll uring; do
		st=$BATS_TEST_TMPDIR/strace.$backend
		run strace -f -c -o "$st" "$BUILD/coro" net --tasks 60 --ms 50 --connect "$server" \
			--backend "$backend" --json
		[ "$status" -eq 0 ]
		# Outside the loop: one epoll_ctl per epoll set made (a trial one and the
		# loop's), a few reads and closes of setup, the report's write, the probe's
		# connect and its getsockopt.
		within "$(json_field syscalls.epoll_wait)" "$(strace_calls "$st" epoll_wait epoll_pwait)" "$(json_field syscalls.epoll_wait)" epoll_wait
		within "$(json_field syscalls.io_uring_enter)" "$(strace_calls "$st" io_uring_enter)" "$(json_field syscalls.io_uring_enter)" io_uring_enter
		within "$(json_field syscalls.epoll_ctl)" "$(strace_calls "$st" epoll_ctl)" "$(( $(json_field syscalls.epoll_ctl) + 2 ))" epoll_ctl
		within "$(json_field syscalls.read)" "$(strace_calls "$st" read)" "$(( $(json_field syscalls.read) + 4 ))" read
		within "$(json_field syscalls.write)" "$(strace_calls "$st" write sendto)" "$(( $(json_field syscalls.write) + 1 ))" write
		within "$(json_field syscalls.accept)" "$(strace_calls "$st" accept accept4)" "$(json_field syscalls.accept)" accept
		within "$(json_field syscalls.connect)" "$(strace_calls "$st" connect)" "$(( $(json_field syscalls.connect) + 1 ))" connect
		within "$(json_field syscalls.close)" "$(strace_calls "$st" close)" "$(( $(json_field syscalls.close) + 12 ))" close
		within "$(json_field syscalls.other)" "$(strace_calls "$st" getsockopt timerfd_settime)" "$(( $(json_field syscalls.other) + 1 ))" other
	done
	# The readiness loop makes a call per descriptor step; the completion loop does not.
	[ "$(strace_calls "$BATS_TEST_TMPDIR/strace.epoll" connect)" -gt 60 ]
	[ "$(strace_calls "$BATS_TEST_TMPDIR/strace.uring" connect)" -le 1 ]
}

@test "net_backends smoke: its CSV header, a row per role, backend and N" {
	[ "$FLAVOUR" = default ] || skip "benchmark: default build only"
	run --separate-stderr "$BUILD/bench/net_backends" --scale smoke
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "role,backend,tasks,ms,wall_s,syscalls_per_request,epoll_wait,epoll_ctl,io_uring_enter,read,write,accept,connect,close,other" ]
	[ "${#lines[@]}" -eq 9 ]
	[[ "${lines[1]}" == client,epoll,100,100,* ]]
	[[ "${lines[4]}" == server,uring,100,100,* ]]
	[[ "${lines[8]}" == server,uring,1000,100,* ]]
	# epoll's rows count no io_uring_enter, io_uring's no epoll_wait
	[ "$(echo "${lines[1]}" | cut -d, -f9)" = 0.000 ]
	[ "$(echo "${lines[2]}" | cut -d, -f7)" = 0.000 ]
	run "$BUILD/bench/net_backends" --scale huge
	[ "$status" -eq 2 ]
}

teardown() {
	if [ -n "${server_pid:-}" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}
