# gil.gp - chart 7: the GIL in four panels, from the experiments' CSVs.
# Params (read with param/pnum; dir from draw.gp): cores, and has_scaling, has_sweep, has_convoy, has_heartbeat
# (1 when that CSV is in the run; a missing one leaves its panel saying so).
#   a) speedup per lock against workers (gil_scaling.csv), ideal min(cores, W)
#   b) switch-interval sweep (gil_sweep.csv): handoffs per second, with the
#      5 ms CPython default marked
#   c) convoy (gil_convoy.csv): I/O operations per second per lock, with
#      1 / 5 ms = 200 per second, what the new GIL allows
#   d) heartbeat (heartbeat.csv): worst tick lag per mode, with the 10 ms tick
cores = pnum('cores', 1)
has_scaling = pnum('has_scaling', 0)
has_sweep = pnum('has_sweep', 0)
has_convoy = pnum('has_convoy', 0)
has_heartbeat = pnum('has_heartbeat', 0)
# The lock series of gil_scaling.csv, each its colour.
lstyle(m) = (m eq 'threads') ? 2 : (m eq 'procs') ? 3 : (m eq 'gil_new') ? 4 : (m eq 'gil_old') ? 6 : 8
set multiplot layout 2,2 title 'The GIL: where the global lock costs'
set key noenhanced font ',9'

# An empty panel that says its data are not in this run (label 9).
missing(what) = sprintf('not measured: %s is not in this run', what)
empty_panel = 'unset border; unset tics; unset key; unset xlabel; unset ylabel; set xrange [0:1]; set yrange [0:1]; ' . \
	'plot -1 notitle; unset label 9; set border; set tics; set key; set autoscale'

set title 'a) CPU speedup per lock'
if (has_scaling) {
	f = dir.'/gil_scaling.csv'
	set xlabel 'workers W'
	set ylabel 'speedup over seq'
	set logscale x 2
	set xrange [0.9:*]
	set yrange [0 : cores*1.25]
	set samples 400
	set key top left
	ideal(w) = w < cores ? w : cores
	locks = 'threads procs gil_new gil_old'
	plot ideal(x) ls 20 title 'ideal: min(cores, W)', \
	     for [m in locks] f using 'workers':(sel(m, strcol('model'), column('speedup'))) \
	         with linespoints ls lstyle(m) title m
	unset logscale; unset xrange; set autoscale
} else {
	set label 9 missing('gil_scaling.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'b) switch-interval sweep'
if (has_sweep) {
	f = dir.'/gil_sweep.csv'
	set xlabel 'switch interval (µs, log scale)'
	set ylabel 'handoffs per second (log scale)'
	set y2label 'tasks per second (dotted)'
	set logscale xy
	set y2tics
	set y2range [0:*]
	set key bottom left
	set arrow 1 from 5000, graph 0 to 5000, graph 1 nohead ls 20
	set label 1 'CPython default 5 ms' at 5000, graph 0.1 right offset -0.5,0 font ',9'
	plot for [t in '2 4'] f using 'interval_us':(sel(t, strcol('threads'), column('handoffs_per_s'))) \
	         with linespoints ls (t eq '2' ? 1 : 2) title t.' CPU threads: handoffs/s', \
	     for [t in '2 4'] f using 'interval_us':(sel(t, strcol('threads'), column('tasks_per_s'))) axes x1y2 \
	         with lines ls (t eq '2' ? 1 : 2) dt 3 title t.' CPU threads: tasks/s'
	unset arrow 1; unset label 1; unset logscale; unset y2tics; unset y2label; unset y2range
} else {
	set label 9 missing('gil_sweep.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set style fill solid 0.75 border -1
set boxwidth 0.35
set title 'c) convoy: an I/O thread beside CPU threads'
if (has_convoy) {
	f = dir.'/gil_convoy.csv'
	set xlabel 'lock'
	set ylabel 'I/O operations per second (log)'
	set logscale y
	set xrange [-0.6:3.6]
	stats f using 'ops_per_s' nooutput
	set yrange [10 : STATS_max*30]
	set xtics ('none' 0, 'new' 1, 'old' 2, 'procs' 3)
	set key top center
	lockx(l) = (l eq 'none') ? 0 : (l eq 'new') ? 1 : (l eq 'old') ? 2 : 3
	plot 200 ls 20 title '1 / 5 ms = 200 per second', \
	     for [t in '1 2'] f using (lockx(strcol('lock')) + (t eq '1' ? -0.18 : 0.18)):(sel(t, strcol('cpu_threads'), column('ops_per_s'))) \
	         with boxes ls (t eq '1' ? 1 : 2) title t.' CPU thread'.(t eq '1' ? '' : 's')
	unset logscale; unset xtics; set xtics; unset xrange; set autoscale
} else {
	set label 9 missing('gil_convoy.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'd) heartbeat every 10 ms while a CPU job runs'
if (has_heartbeat) {
	f = dir.'/heartbeat.csv'
	set xlabel 'where the CPU job runs'
	set ylabel 'worst tick lag (ms, log)'
	set logscale y
	set xrange [-0.6:3.6]
	stats f using 'lag_max_ms' nooutput
	set yrange [0.01 : STATS_max*50]
	set boxwidth 0.6
	set xtics ('inline' 0, 'thread, GIL' 1, 'thread, no GIL' 2, 'process' 3)
	set key top right
	modex(m) = (m eq 'inline') ? 0 : (m eq 'thread_gil') ? 1 : (m eq 'thread_nogil') ? 2 : 3
	plot 10 ls 20 title 'one tick: 10 ms', \
	     f using (modex(strcol('mode'))):'lag_max_ms' with boxes ls 2 title 'max lag', \
	     f using (modex(strcol('mode'))):'lag_p99_ms' with points ls 1 pt 7 ps 1.2 title 'p99 lag'
} else {
	set label 9 missing('heartbeat.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}
unset multiplot
