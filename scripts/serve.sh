#!/bin/sh
# serve.sh - drive one server model with wrk over loopback: the rows of
# serve.csv for it (scripts/bench.sh's serve step; no header).
#
#   sh scripts/serve.sh NAME BUILD
#
# NAME is a row of models/servers.tsv. For each C of SERVE_C (and then the
# mixed load at SERVE_MIXED_C) a fresh server is started on 127.0.0.1 and a
# free port, wrk holds C connections for SERVE_SECONDS asking
# GET /sleep?ms=SERVE_MS (the mixed load: 1 request in 100 GET
# /cpu?n=SERVE_CPU_N), and the server is stopped with SIGTERM; its own
# counters (held_peak, served, refused) join wrk's figures. The descriptor
# limit is raised to the hard one first (C connections cost C descriptors
# on each side). A server that stops answering is not an error of this
# script: its row shows it (few requests, wrk's errors, refused), which is
# the measurement. A server that does not start, or exits other than 0 at
# SIGTERM, is (status 1).
#
# Row: the columns of header_serve in scripts/bench.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
name=$1 BUILD=$2
. scripts/models.sh
MODELS_TSV=models/servers.tsv
bin=$BUILD/$(model_get "$name" binary)
pool=$(model_get "$name" pool)
[ -x "$bin" ] || { echo "serve: $bin: not built" >&2; exit 1; }
args=""
[ "$pool" = - ] || args="--workers $pool"
ulimit -n "$(ulimit -Hn)" 2>/dev/null
tmp=$(mktemp -d) || exit 1
server=""
trap '[ -n "$server" ] && kill -KILL "$server" 2>/dev/null; rm -rf "$tmp"' EXIT

# start: a fresh server, its address in $addr.
start() {
	rm -f "$tmp/server.out"     # never read the last server's address
	# shellcheck disable=SC2086
	"$bin" --port 0 --ms "$SERVE_MS" $args >"$tmp/server.out" 2>"$tmp/server.err" &
	server=$!
	i=0
	while [ $i -lt 100 ]; do
		addr=$(sed -n 's/^[a-z]*: listening on \([0-9.:]*\)$/\1/p' "$tmp/server.out" 2>/dev/null)
		[ -n "$addr" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "serve: $name did not start: $(cat "$tmp/server.err")" >&2
	exit 1
}

# stop: SIGTERM; its counters as "held_peak,served,refused" in $counters.
stop() {
	kill -TERM "$server"
	wait "$server"
	st=$?
	server=""
	[ $st -eq 0 ] || { echo "serve: $name exited $st at SIGTERM: $(cat "$tmp/server.err")" >&2; exit 1; }
	counters=$(sed -n '/^{/p' "$tmp/server.out" |
		jq -r '[.held_peak, .served, .refused] | map(tostring) | join(",")')
}

# load LABEL C: one wrk run against a fresh server; one row.
load() {
	label=$1 c=$2
	threads=2
	[ "$c" -lt 2 ] && threads=1
	start
	wrk -t "$threads" -c "$c" -d "${SERVE_SECONDS}s" --timeout "${SERVE_TIMEOUT_S}s" \
		-s scripts/wrk_report.lua "http://$addr/sleep?ms=$SERVE_MS" >"$tmp/wrk.out" 2>&1
	figures=$(sed -n 's/^wrk,//p' "$tmp/wrk.out")
	stop
	# No summary: wrk itself failed (the server's row says what it held).
	[ -n "$figures" ] || { figures=0,$SERVE_SECONDS,,,,0,0,0,0,0; sed 's/^/serve: wrk: /' "$tmp/wrk.out" >&2; }
	echo "$figures" | awk -F, -v OFS=, -v s="$name" -v l="$label" -v c="$c" -v ms="$SERVE_MS" \
		-v k="$counters" '{
		rps = $2 > 0 ? $1 / $2 : 0
		print s, l, c, ms, $2, $1, sprintf("%.1f", rps), sprintf("%.1f", c * 1000 / ms),
		      $3, $4, $5, $6, $7, $8, $9, $10, k
	}'
}

for c in $(echo "$SERVE_C" | tr , ' '); do
	load sleep "$c"
done
WRK_CPU_N=$SERVE_CPU_N
export WRK_CPU_N
load mixed "$SERVE_MIXED_C"
