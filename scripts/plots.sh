#!/bin/sh
# plots.sh - draw a run's charts from its CSVs alone (what `make plots` runs).
#
#   sh scripts/plots.sh [RUN]        RUN: a results folder (default results/latest)
#
# Each chart is a gnuplot script in plots/ drawn twice into RUN/charts/, as
# NAME.svg and NAME.png (pngcairo), after plots/common.gp. RESULTS.md links
# those files, so a run carries its own charts. A chart whose CSV is not in the
# run is left out (and said so here); it is never drawn from other data.
# This script only works out the variables each chart needs from the CSVs
# and machine.json (the models present, d, the core count, seq's median...).
#
# To add a chart: write plots/NAME.gp (its variables listed on top), then add
# a line to draw_all below: the CSV it needs and the variables to pass.
set -u
cd "$(dirname "$0")/.." || exit 1
run=${1:-results/latest}
[ -d "$run" ] || { echo "plots: $run: no such results folder" >&2; exit 2; }
[ -f "$run/machine.json" ] || { echo "plots: $run/machine.json missing: not a results folder" >&2; exit 2; }
mkdir -p "$run/charts" || exit 1
failed=0

# column_values FILE COLUMN: the distinct values of COLUMN, in first-seen
# order, space-separated (for gnuplot's word lists).
column_values() {
	awk -F, -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c && !seen[$c]++ { printf "%s%s", sep, $c; sep = " " }' "$1"
}

# c_models / py_models WORDS: the C models, or the Python ones (py_*), of a
# word list. The charts 1-3 and 8 are the C models' own; Python's rows join
# them only in the C-beside-Python charts, each against its own baseline.
c_models() {
	for m in $1; do case $m in py_*) ;; *) printf '%s ' "$m" ;; esac; done | sed 's/ $//'
}
py_models() {
	for m in $1; do case $m in py_*) printf '%s ' "$m" ;; esac; done | sed 's/ $//'
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

# first_value FILE COLUMN [KEYCOL KEY]: COLUMN of the first row (whose KEYCOL is KEY).
first_value() {
	awk -F, -v col="$2" -v kc="${3:-}" -v key="${4:-}" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == col) c = i; if ($i == kc) k = i } next }
		(kc == "" || $k == key) { print $c; exit }' "$1"
}

# draw NAME SIZE VARS: NAME.svg and NAME.png from plots/NAME.gp.
draw() {
	name=$1 size=$2 vars="dir='$run'; $3"
	for term in "svg size $size dynamic enhanced font 'Sans,12' background '#ffffff'" \
		"pngcairo size $size enhanced font 'Sans,11' background '#ffffff'"; do
		ext=svg
		case $term in pngcairo*) ext=png ;; esac
		if ! gnuplot -e "set terminal $term; set output '$run/charts/$name.$ext'; $vars" \
			plots/common.gp "plots/$name.gp"; then
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
	jq -r "$1" "$run/machine.json"
}

draw_all() {
	cores=$(json '.cpus_usable')
	if needs io_wall io.csv; then
		d=$(awk -F, 'NR == 2 { print $5 / 1000 }' "$run/io.csv")
		models=$(c_models "$(column_values "$run/io.csv" model)")
		draw io_wall 900,560 "models='$models'; d=$d"
		draw io_overhead 900,560 "models='$(without seq "$models")'; d=$d"
	fi
	if needs cpu_speedup cpu.csv; then
		seqmed=$(first_value "$run/cpu.csv" median_s model seq)
		if [ -n "$seqmed" ]; then
			models=$(without seq "$(c_models "$(column_values "$run/cpu.csv" model)")")
			draw cpu_speedup 900,560 "models='$models'; cores=$cores; seqmed=$seqmed"
		else
			echo "  cpu_speedup: left out, cpu.csv has no seq row to compare with"
		fi
	fi
	if needs switch lat_switch.csv; then
		bare=$(first_value "$run/lat_switch.csv" median_ns mechanism bare)
		draw switch 1000,600 "bare=${bare:-NaN}"
	fi
	if needs create_mem cost_create.csv mem_task.csv; then
		cseries=$(awk -F, 'NR > 1 && !seen[$1 "/" $2]++ { printf "%s%s", sep, $1 "/" $2; sep = " " }' \
			"$run/cost_create.csv")
		mseries=$(awk -F, 'NR > 1 && !seen[$1 "/" $2 "/" $6]++ { printf "%s%s", sep, $1 "/" $2 "/" $6; sep = " " }' \
			"$run/mem_task.csv")
		draw create_mem 1100,560 "cseries='$cseries'; mseries='$mseries'"
	fi
	if needs limits limits.csv; then
		draw limits 1000,520 "pid_max=$(json .pid_max); map_count=$(json .max_map_count); files=$(json .open_files.soft)"
	fi
	has() { [ -s "$run/$1" ] && echo 1 || echo 0; }
	if [ -s "$run/gil_scaling.csv" ] || [ -s "$run/gil_sweep.csv" ] ||
		[ -s "$run/gil_convoy.csv" ] || [ -s "$run/heartbeat.csv" ]; then
		draw gil 1100,800 "cores=$cores; has_scaling=$(has gil_scaling.csv); has_sweep=$(has gil_sweep.csv); has_convoy=$(has gil_convoy.csv); has_heartbeat=$(has heartbeat.csv)"
	else
		echo "  gil: left out, none of the GIL experiments' CSVs is in this run"
	fi
	if needs net_wall net.csv; then
		d=$(awk -F, 'NR == 2 { print $5 / 1000 }' "$run/net.csv")
		draw net_wall 900,560 "models='$(c_models "$(column_values "$run/net.csv" model)")'; d=$d"
	fi
	draw_python
	draw_gil_real
}

# suite_vars SUITE: the python.gp variables of one fan-out suite (io or net):
# has_SUITE, SUITE_c and SUITE_py (the models), d_SUITE (the wait, s). A
# suite without a Python row is a panel saying so.
suite_vars() {
	f="$run/$1.csv"
	all=$( [ -s "$f" ] && column_values "$f" model)
	pys=$(py_models "$all")
	if [ -n "$pys" ]; then
		printf "has_%s=1; %s_c='%s'; %s_py='%s'; d_%s=%s; " "$1" "$1" "$(c_models "$all")" \
			"$1" "$pys" "$1" "$(awk -F, 'NR == 2 { print $5 / 1000 }' "$f")"
	else
		printf "has_%s=0; %s_c=''; %s_py=''; d_%s=0; " "$1" "$1" "$1" "$1"
	fi
}

# Chart 9: C beside Python, per workload (python.gp). Drawn when a Python
# model has rows in io.csv, cpu.csv or net.csv.
draw_python() {
	cpu_vars="has_cpu=0; cpu_c=''; cpu_py=''; seqmed=NaN; pyseqmed=NaN"
	if [ -s "$run/cpu.csv" ]; then
		seqmed=$(first_value "$run/cpu.csv" median_s model seq)
		pyseqmed=$(first_value "$run/cpu.csv" median_s model py_seq)
		all=$(column_values "$run/cpu.csv" model)
		# Each language's speedup is over its own sequential run: the C
		# models' over seq, the Python ones' over py_seq.
		if [ -n "$pyseqmed" ]; then
			cpu_c=""
			[ -n "$seqmed" ] && cpu_c=$(without seq "$(c_models "$all")")
			cpu_py=$(without py_seq "$(py_models "$all")")
			cpu_vars="has_cpu=1; cpu_c='$cpu_c'; cpu_py='$cpu_py'; seqmed=${seqmed:-NaN}; pyseqmed=$pyseqmed"
		fi
	fi
	vars="$(suite_vars io)$(suite_vars net)$cpu_vars"
	case $vars in
	*has_io=1* | *has_net=1* | *has_cpu=1*)
		draw python 1500,640 "cores=$cores; $vars" ;;
	*) echo "  python: left out, no Python model (py_*) has rows in io.csv, cpu.csv or net.csv of this run" ;;
	esac
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
	seqmed=NaN pyseqmed=NaN
	if [ $has_cpu = 1 ]; then
		seqmed=$(first_value "$f" median_s model seq)
		pyseqmed=$(first_value "$f" median_s model py_seq)
	fi
	draw gil_real 1300,560 "cores=$cores; has_cpu=$has_cpu; has_sweep=$has_sweep; seqmed=$seqmed; pyseqmed=$pyseqmed; has_py_procs=$(has_model "$f" py_procs); has_procs=$(has_model "$f" procs); has_threads=$(has_model "$f" threads)"
}

echo "plots: drawing into $run/charts/"
draw_all
exit $failed
