#!/bin/sh
# test.sh - what `make test` runs.
#
#   sh scripts/test.sh [--no-install] [--only FLAVOUR...]
#
# Installs the test tools when missing, then for each build flavour (default
# gcc, clang, ASan+UBSan, TSan) builds everything and runs the cmocka unit
# tests and the bats command-line tests, all as TAP. Ends with one line,
# "N passed, N failed, N skipped", and exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 1

install=1
flavours="default clang asan tsan"
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--only) shift; flavours=$*; break ;;
	*) echo "test.sh: $1: unknown option (accepted: --no-install, --only FLAVOUR...)" >&2; exit 2 ;;
	esac
	shift
done

packages="make gcc clang libc6-dev libcmocka-dev bats jq bc procps util-linux python3 gnuplot-nox"
if [ $install = 1 ]; then
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
	*) echo "test.sh: --only: unknown flavour '$flavour' (accepted: default clang asan tsan)" >&2; exit 2 ;;
	esac
	echo "== $flavour build ($build)"
	# shellcheck disable=SC2086
	if ! make -s -j"$jobs" BUILD="$build" $opts all; then
		echo "not ok - $flavour build" | tee -a "$log"
		continue
	fi
	echo "ok - $flavour build" >>"$log"
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "== $flavour unit: $(basename "$t")"
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | tee -a "$log"
	done
	echo "== $flavour command-line tests"
	BUILD="$build" FLAVOUR="$flavour" bats --tap tests/cli 2>&1 | tee -a "$log"
done

awk '
	/^ok .*# [Ss][Kk][Ii][Pp]/ { skipped++; next }
	/^ok /                     { passed++; next }
	/^not ok /                 { failed++; print "FAILED: " $0 > "/dev/stderr" }
	END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped; exit failed > 0 }
' "$log"
