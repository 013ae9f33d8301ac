#!/bin/sh
# plots.sh - draw a run's charts from its CSVs alone (what `make plots` runs).
#
#   sh scripts/plots.sh [RUN]        RUN: a results folder (default $RUN, else
#                                    results/latest)
#
# Each chart is a gnuplot script in plots/ drawn twice into RUN/charts/, as
# NAME.svg and NAME.png, by plots/draw.gp. RESULTS.md links those files, so a
# run carries its own charts. A chart whose CSV is not in the run is left out
# (and said so here); it is never drawn from other data.
# This script only works out the params each chart needs from the CSVs,
# machine.json and models/models.tsv (which models, each one's colour and
# dash, d, the core count, seq's median...). A run folder is untrusted
# input: its path and its values reach gnuplot as data (draw.gp's arguments),
# never as gnuplot code, and numbers pass through awk's numeric conversion.
#
# To add a chart: write plots/NAME.gp (its params listed on top, read with
# param()/pnum()), then add a line to draw_all below: the CSV it needs and
# the params to pass.
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/models.sh
run=${1:-${RUN:-results/latest}}
[ -d "$run" ] || { echo "plots: $run: no such results folder" >&2; exit 2; }
[ -f "$run/machine.json" ] || { echo "plots: $run/machine.json missing: not a results folder" >&2; exit 2; }
mkdir -p "$run/charts" || exit 1
failed=0
NL='
'

# models_in FILE COND: the table's models (in table order) where COND holds
# (see models_where) that have a row in FILE, space-separated.
models_in() {
	[ -s "$1" ] || return 0
	have=$(awk -F, 'NR > 1 { print $1 }' "$1" | sort -u)
	for m in $(models_where "$2"); do
		printf '%s\n' "$have" | grep -qxF "$m" && printf '%s ' "$m"
	done | sed 's/ $//'
}

# without WORD WORDS: WORDS less WORD.
without() {
	for m in $2; do [ "$m" = "$1" ] || printf '%s ' "$m"; done | sed 's/ $//'
}

# has_model FILE MODEL: 1 when FILE has a row of MODEL, else 0.
has_model() {
	[ -s "$1" ] && awk -F, -v m="$2" 'NR > 1 && $1 == m { found = 1; exit } END { exit !found }' "$1" &&
		echo 1 || echo 0
}

# number FILE COLUMN [KEYCOL KEY [KEYCOL2 KEY2]]: COLUMN of the first row
# (whose KEYCOLs are KEYs) as a number, or nothing.
number() {
	awk -F, -v col="$2" -v kc="${3:-}" -v key="${4:-}" -v kc2="${5:-}" -v key2="${6:-}" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == col) c = i; if ($i == kc) k = i; if ($i == kc2) k2 = i } next }
		c && (kc == "" || $k == key) && (kc2 == "" || $k2 == key2) { print $c + 0; exit }' "$1"
}

# wait_s FILE: the d of a fan-out CSV in seconds (its first row's ms).
wait_s() {
	awk -F, 'NR == 2 { print $5 / 1000 }' "$1"
}

# base_of FILE MODEL: the median MODEL's cpu speedup is over: its
# language's sequential model's (models.py's baseline), else its own at W = 1.
base_of() {
	lang=$(model_get "$2" lang)
	seqm=$(models_where "f(\"lang\") == \"$lang\" && f(\"fanout\") == \"one\"" | head -n 1)
	if [ -n "$seqm" ]; then
		number "$1" median_s model "$seqm"
	else
		number "$1" median_s model "$2" workers 1
	fi
}

# style_params: colour_<m> and dash_<m> of every model in the table: the
# colour of the suite model it mirrors (its own for a suite model), the
# dash of its language and side (1, solid, for the suite's own).
style_params() {
	suite=$(models_where 'f("side") == "suite"')
	groups=$(models_where 'f("side") == "reference"' | while read -r m; do model_get "$m" lang; done | awk '!seen[$0]++')
	for m in $(models_where 1); do
		twin=$(model_get "$m" twin)
		[ "$twin" = - ] && twin=$m
		colour=$(printf '%s\n' "$suite" | grep -nxF "$twin" | cut -d: -f1)
		dash=1
		if [ "$(model_get "$m" side)" = reference ]; then
			dash=$(($(printf '%s\n' "$groups" | grep -nxF "$(model_get "$m" lang)" | cut -d: -f1) + 1))
		fi
		printf 'colour_%s=%s\ndash_%s=%s\n' "$m" "${colour:-8}" "$m" "$dash"
	done
}
STYLES=$(style_params)

# server_styles SERVER...: colour_<s> and dash_<s> of each server model
# (models/servers.tsv): its client model's colour (a reference model's: its
# twin's), dashed when a pool or a reference runtime.
# Names outside the table (untrusted CSV) get nothing: the default colour.
server_styles() {
	suite=$(models_where 'f("side") == "suite"')
	for s in "$@"; do
		model=$(MODELS_TSV=models/servers.tsv model_get "$s" model)
		[ -n "$model" ] || continue
		dash=1
		[ "$(MODELS_TSV=models/servers.tsv model_get "$s" pool)" = - ] || dash=3
		if [ "$(model_get "$model" side)" = reference ]; then
			model=$(model_get "$model" twin)
			dash=2
		fi
		colour=$(printf '%s\n' "$suite" | grep -nxF "$model" | cut -d: -f1)
		printf 'colour_%s=%s dash_%s=%s ' "$s" "${colour:-8}" "$s" "$dash"
	done
}

# draw NAME SIZE PARAM...: NAME.svg and NAME.png from plots/NAME.gp, each
# PARAM a "name=value" line.
draw() {
	name=$1 size=$2
	shift 2
	params=$STYLES
	for p in "$@"; do params="$params$NL$p"; done
	for ext in svg png; do
		if ! gnuplot -c plots/draw.gp "$ext" "$size" "$name" "$run" "$params"; then
			echo "plots: gnuplot failed on plots/$name.gp ($ext)" >&2
			rm -f "$run/charts/$name.$ext"
			failed=1
		fi
	done
	echo "  $run/charts/$name.svg, .png"
}

# needs CHART FILE...: true when every FILE is in the run; says so otherwise.
needs() {
	chart=$1
	shift
	for f in "$@"; do
		if [ ! -s "$run/$f" ]; then
			echo "  $chart: left out, $f is not in this run"
			return 1
		fi
	done
}

json() {
	jq -r "$1" "$run/machine.json" 2>/dev/null
}

SUITE='f("side") == "suite"'
# The suite's sequential model: its cpu median is the speedups' base.
SEQ=$(models_where "$SUITE && f(\"fanout\") == \"one\"" | head -n 1)

draw_all() {
	cores=$(json '.cpus_usable | numbers')
	cores=${cores:-1}
	if needs io_wall io.csv; then
		models=$(models_in "$run/io.csv" "$SUITE")
		draw io_wall 900,560 "models=$models" "d=$(wait_s "$run/io.csv")"
		draw io_overhead 900,560 "models=$(without "$SEQ" "$models")" "d=$(wait_s "$run/io.csv")"
	fi
	if needs cpu_speedup cpu.csv; then
		seqmed=$(number "$run/cpu.csv" median_s model "$SEQ")
		if [ -n "$seqmed" ]; then
			models=$(without "$SEQ" "$(models_in "$run/cpu.csv" "$SUITE")")
			draw cpu_speedup 900,560 "models=$models" "cores=$cores" "seqmed=$seqmed"
		else
			echo "  cpu_speedup: left out, cpu.csv has no $SEQ row to compare with"
		fi
	fi
	if needs switch lat_switch.csv; then
		draw switch 1000,600 "floor=$(number "$run/lat_switch.csv" median_ns mechanism bare_jmp)"
	fi
	if needs create_mem cost_create.csv mem_task.csv; then
		cseries=$(awk -F, 'NR > 1 && !seen[$1 "/" $2]++ { printf "%s%s", sep, $1 "/" $2; sep = " " }' \
			"$run/cost_create.csv")
		mseries=$(awk -F, 'NR > 1 && !seen[$1 "/" $2 "/" $6]++ { printf "%s%s", sep, $1 "/" $2 "/" $6; sep = " " }' \
			"$run/mem_task.csv")
		draw create_mem 1100,560 "cseries=$cseries" "mseries=$mseries"
	fi
	if needs limits limits.csv; then
		draw limits 1000,520 "pid_max=$(json '.pid_max | numbers')" \
			"map_count=$(json '.max_map_count | numbers')" "files=$(json '.open_files.soft | tonumber? // empty')"
	fi
	has() { [ -s "$run/$1" ] && echo 1 || echo 0; }
	if [ -s "$run/gil_scaling.csv" ] || [ -s "$run/gil_sweep.csv" ] ||
		[ -s "$run/gil_convoy.csv" ] || [ -s "$run/heartbeat.csv" ]; then
		draw gil 1100,800 "cores=$cores" "has_scaling=$(has gil_scaling.csv)" "has_sweep=$(has gil_sweep.csv)" \
			"has_convoy=$(has gil_convoy.csv)" "has_heartbeat=$(has heartbeat.csv)"
	else
		echo "  gil: left out, none of the GIL experiments' CSVs is in this run"
	fi
	if needs serve_rps serve.csv; then
		servers=$(awk -F, 'NR > 1 && !seen[$1]++ { print $1 }' "$run/serve.csv" | tr '\n' ' ')
		d=$(awk -F, 'NR == 2 { print $4 / 1000 }' "$run/serve.csv")
		c=$(awk -F, '$2 == "mixed" { print $3 + 0; exit }' "$run/serve.csv")
		styles=$(server_styles $servers)
		# shellcheck disable=SC2086
		draw serve_rps 900,560 "servers=$servers" "d=$d" $styles
		# shellcheck disable=SC2086
		draw serve_p99 900,560 "servers=$servers" "d=$d" $styles
		# shellcheck disable=SC2086
		draw serve_mixed 900,480 "servers=$servers" "d=$d" "c=$c" $styles
	fi
	if needs net_wall net.csv; then
		draw net_wall 900,560 "models=$(models_in "$run/net.csv" "$SUITE")" "d=$(wait_s "$run/net.csv")"
	fi
	if needs net_backends net_backends.csv; then
		draw net_backends 1100,520 "d=$(awk -F, 'NR == 2 { print $4 / 1000 }' "$run/net_backends.csv")"
	fi
	draw_runtimes
	draw_gil_real
	draw_mn_speedup
	if needs mn_uneven mn_uneven.csv; then
		draw mn_uneven 1100,480
	fi
}

# Chart 15: one loop, M:N and the others on the cpu list (mn_speedup.gp):
# threads, procs, mn and Go against W, each over its own base (base_of),
# one loop as mn at W = 1. Drawn when cpu.csv has mn's rows.
draw_mn_speedup() {
	f="$run/cpu.csv"
	if [ "$(has_model "$f" mn)" != 1 ]; then
		echo "  mn_speedup: left out, cpu.csv has no mn rows"
		return
	fi
	set -- "cores=$cores"
	models=""
	for m in threads procs mn go; do
		[ "$(has_model "$f" "$m")" = 1 ] || continue
		base=$(base_of "$f" "$m")
		[ -n "$base" ] || continue
		models="$models $m"
		set -- "$@" "base_$m=$base"
	done
	mn1=$(number "$f" median_s model mn workers 1)
	mnbase=$(base_of "$f" mn)
	[ -n "$mn1" ] && [ -n "$mnbase" ] &&
		set -- "$@" "oneloop=$(awk -v b="$mnbase" -v m="$mn1" 'BEGIN { print b / m }')"
	draw mn_speedup 900,560 "$@" "models=${models# }"
}

# Chart 9: the suite beside the runtimes you would use instead, per
# workload (runtimes.gp). Drawn when a reference model has rows in io.csv,
# cpu.csv or net.csv; a panel without one says so.
draw_runtimes() {
	set -- "cores=$cores"
	any=0
	for suite in io net; do
		f="$run/$suite.csv"
		if [ -n "$(models_in "$f" 'f("side") == "reference"')" ]; then
			any=1
			set -- "$@" "has_$suite=1" "${suite}_models=$(models_in "$f" 1)" "d_$suite=$(wait_s "$f")"
		fi
	done
	f="$run/cpu.csv"
	if [ -n "$(models_in "$f" 'f("side") == "reference"')" ]; then
		models=""
		for m in $(models_in "$f" 'f("fanout") != "one"'); do
			base=$(base_of "$f" "$m")
			[ -n "$base" ] || continue
			models="$models $m"
			set -- "$@" "base_$m=$base"
		done
		if [ -n "$models" ]; then
			any=1
			set -- "$@" "has_cpu=1" "cpu_models=${models# }"
		fi
	fi
	if [ $any = 1 ]; then
		draw runtimes 1500,640 "$@"
	else
		echo "  runtimes: left out, no reference model has rows in io.csv, cpu.csv or net.csv of this run"
	fi
}

# Chart 10: the real GIL beside the emulated one (gil_real.gp): the cpu
# speedups of py_threads and gil (cpu.csv), and the switch-interval sweeps of
# CPython (py_gil_sweep.csv) and of the emulation (gil_sweep.csv).
draw_gil_real() {
	f="$run/cpu.csv"
	has_cpu=0
	if [ "$(has_model "$f" py_threads)$(has_model "$f" py_seq)$(has_model "$f" gil)$(has_model "$f" seq)" = 1111 ]; then
		has_cpu=1
	fi
	has_sweep=0
	[ -s "$run/gil_sweep.csv" ] && [ -s "$run/py_gil_sweep.csv" ] && has_sweep=1
	if [ $has_cpu = 0 ] && [ $has_sweep = 0 ]; then
		echo "  gil_real: left out, this run has neither py_threads and gil rows (with py_seq and seq) in cpu.csv nor both gil_sweep.csv and py_gil_sweep.csv"
		return
	fi
	set -- "cores=$cores" "has_cpu=$has_cpu" "has_sweep=$has_sweep"
	if [ $has_cpu = 1 ]; then
		models=""
		for m in gil py_threads threads procs py_procs; do
			[ "$(has_model "$f" "$m")" = 1 ] || continue
			models="$models $m"
			set -- "$@" "base_$m=$(base_of "$f" "$m")"
		done
		set -- "$@" "models=${models# }"
	fi
	draw gil_real 1300,560 "$@"
}

echo "plots: drawing into $run/charts/"
draw_all
exit $failed
