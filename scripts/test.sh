#!/bin/sh
# test.sh - what `make test` runs.
#
#   sh scripts/test.sh [--no-install] [--only FLAVOUR...]
#
# Installs the test tools when missing, then for each build flavour (default
# gcc, clang, ASan+UBSan, TSan) builds everything and runs the cmocka unit
# tests and the bats command-line tests, all as TAP. The default flavour also
# runs the coroutine runtime's unit tests and the coro model (io, net, cpu;
# guarded and copy stacks) under valgrind, and
# tests/cli/harness.bats runs `make bench` end to end at PROFILE=smoke (under a
# minute) into a temporary results folder; the aarch64 flavour cross-builds
# with aarch64-linux-gnu-gcc and runs the unit tests under qemu-aarch64 (the
# command-line tests need native programs). Ends with one line,
# "N passed, N failed, N skipped", and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 1

install=1
flavours="default clang asan tsan aarch64"
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--only) shift; flavours=$*; break ;;
	*) echo "test.sh: $1: unknown option (accepted: --no-install, --only FLAVOUR...)" >&2; exit 2 ;;
	esac
	shift
done

packages=$(grep -v '^#' scripts/test-packages)
if [ $install = 1 ]; then
	# libcmocka-dev:arm64 needs the arm64 architecture known to dpkg.
	if [ "$(id -u)" = 0 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64 || exit 1
	fi
	# shellcheck disable=SC2086
	sh scripts/deps.sh $packages || exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM
jobs=$(nproc 2>/dev/null || echo 2)

for flavour in $flavours; do
	case $flavour in
	default) build=build; opts="" ;;
	clang) build=build/clang; opts="CC=clang" ;;
	asan) build=build/asan; opts="SAN=asan" ;;
	tsan) build=build/tsan; opts="SAN=tsan" ;;
	aarch64) build=build/aarch64; opts="CC=aarch64-linux-gnu-gcc" ;;
	*) echo "test.sh: --only: unknown flavour '$flavour' (accepted: default clang asan tsan aarch64)" >&2; exit 2 ;;
	esac
	echo "== $flavour build ($build)"
	# shellcheck disable=SC2086
	if ! make -s -j"$jobs" BUILD="$build" $opts all; then
		echo "not ok - $flavour build" | tee -a "$log"
		continue
	fi
	echo "ok - $flavour build" >>"$log"
	if [ "$flavour" = aarch64 ]; then
		# The tests of what the port changes: the switch and runtime, and the
		# shared code beneath it. qemu-user 7.2 hangs in a new thread or child
		# here, so tests needing one skip (CM_QEMU_USER) and a hang is cut off.
		for t in "$build"/tests/test_coro_* "$build"/tests/test_workload \
			"$build"/tests/test_cli "$build"/tests/test_measure; do
			echo "== aarch64 unit (qemu-aarch64): $(basename "$t")"
			CM_QEMU_USER=1 CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 \
				qemu-aarch64 -L /usr/aarch64-linux-gnu "$t" >"$log.one" 2>&1
			rc=$?
			tee -a "$log" <"$log.one"
			[ $rc -ne 124 ] || echo "not ok - $(basename "$t") timed out under qemu" | tee -a "$log"
		done
		rm -f "$log.one"
		continue
	fi
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "== $flavour unit: $(basename "$t")"
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | tee -a "$log"
	done
	if [ "$flavour" = default ]; then
		for t in "$build"/tests/test_coro_*; do
			echo "== valgrind: $(basename "$t")"
			# test_coro_tasks' to_thread tests on io_uring hang under
			# valgrind 3.19 (tests/unit/backends.h says why): epoll only.
			only=
			case $(basename "$t") in test_coro_tasks | test_coro_mn) only=epoll ;; esac
			if CM_TEST_BACKENDS=$only valgrind -q --error-exitcode=99 "$t" >/dev/null 2>"$log.vg"; then
				echo "ok - valgrind $(basename "$t")" | tee -a "$log"
			else
				cat "$log.vg"
				echo "not ok - valgrind $(basename "$t")" | tee -a "$log"
			fi
		done
		# The coro model itself, each stack mode and workload, small: the
		# loop, timers, epoll, io_uring (valgrind 3.19 knows its system
		# calls; loop_uring.c tells it what the kernel wrote) and (net,
		# --trace-children) the private slowserver, run under memcheck.
		for args in "io --tasks 200 --ms 10 --stack guarded" \
			"io --tasks 200 --ms 10 --stack copy" \
			"net --tasks 50 --ms 10 --stack auto" \
			"net --tasks 50 --ms 10 --stack copy" \
			"io --tasks 200 --ms 10 --stack copy --backend uring" \
			"net --tasks 50 --ms 10 --stack copy --backend uring" \
			"cpu --tasks 2 --n 100000" \
			"mn:io --tasks 200 --ms 10 --workers 2" \
			"mn:io --tasks 200 --ms 10 --workers 4 --stack guarded" \
			"mn:net --tasks 50 --ms 10 --workers 2" \
			"mn:cpu --tasks 8 --n 100000 --workers 2"; do
			# "mn:ARGS": the mn model (W loops; epoll: valgrind holds its
			# lock while a thread sleeps in io_uring_enter); else coro.
			prog=coro
			case $args in mn:*) prog=mn; args=${args#mn:} ;; esac
			echo "== valgrind: $prog $args"
			# shellcheck disable=SC2086
			if valgrind -q --error-exitcode=99 --trace-children=yes \
				"$build"/$prog $args >/dev/null 2>"$log.vg"; then
				echo "ok - valgrind $prog $args" | tee -a "$log"
			else
				cat "$log.vg"
				echo "not ok - valgrind $prog $args" | tee -a "$log"
			fi
		done
		rm -f "$log.vg"
	fi
	echo "== $flavour command-line tests"
	BUILD="$build" FLAVOUR="$flavour" bats --tap tests/cli 2>&1 | tee -a "$log"
done

awk '
	# cmocka writes a skipped test as "not ok N # SKIP name".
	/^(not )?ok .*# [Ss][Kk][Ii][Pp]/ { skipped++; next }
	/^ok /                     { passed++; next }
	/^not ok /                 { failed++; print "FAILED: " $0 > "/dev/stderr" }
	END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped; exit failed > 0 }
' "$log"
