# gil_real.gp - chart 10: the real GIL (CPython) beside the emulated one
# (lib/gil.c, the new GIL), in two panels. C solid, Python dashed.
# Params: cores, has_cpu, has_sweep (1 when that panel's data are in the
# run), models (cpu.csv's models to draw: gil and py_threads first, then
# threads, procs and py_procs where the run has them) and base_<m> (the
# median each one's speedup is over, s: seq's for C, py_seq's for Python).
#   a) cpu.csv: speedup against W of py_threads beside gil, with the others
#      for scale; ideal min(cores, W). Under either GIL the threads stay near 1.
#   b) gil_sweep.csv and py_gil_sweep.csv: hand-offs per second against the
#      switch interval, log-log, with 1 / interval: one hand-off per
#      interval, what a waiter that asks after one interval allows at most.
cores = pnum('cores', 1)
has_cpu = pnum('has_cpu', 0)
has_sweep = pnum('has_sweep', 0)
set multiplot layout 1,2 title 'The real GIL (CPython, dashed) beside the emulated one (lib/gil.c, solid)'
set key noenhanced font ',9'

empty_panel = 'unset border; unset tics; unset key; unset xlabel; unset ylabel; set xrange [0:1]; set yrange [0:1]; ' . \
	'plot -1 notitle; unset label 9; set border; set tics; set key; set autoscale'

set title 'a) CPU speedup against workers'
if (has_cpu) {
	f = dir.'/cpu.csv'
	set xlabel 'workers W (threads or processes)'
	set ylabel 'speedup over sequential (C: seq, Python: py\_seq)'
	set logscale x 2
	set xrange [0.9:*]
	set yrange [0 : cores*1.25]
	set samples 400
	set key top left
	ideal(w) = w < cores ? w : cores
	base(m) = pnum('base_' . m, NaN)
	models = param('models')
	label(m) = (m eq 'gil') ? 'gil (emulated new GIL)' : (m eq 'py_threads') ? 'py_threads (real GIL)' : m
	# Here py_threads pairs with gil, not threads: gil's colour, dashed.
	lcol(m) = (m eq 'py_threads') ? mcolour('gil') : mcolour(m)
	plot ideal(x) ls 20 title 'ideal: min(cores, W)', \
	     1 ls 21 title 'sequential', \
	     for [i=1:words(models)] f using 'workers':(sel(word(models,i), strcol('model'), base(word(models,i)) / column('median_s'))) \
	         with linespoints lc rgb lcol(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 lw ((i <= 2) ? 3 : 1.5) title label(word(models,i))
	unset logscale; unset xrange; set autoscale
} else {
	set label 9 'not measured: cpu.csv lacks py_threads, py_seq, gil or seq rows' at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'b) switch-interval sweep: hand-offs per second'
if (has_sweep) {
	fc = dir.'/gil_sweep.csv'
	fp = dir.'/py_gil_sweep.csv'
	set xlabel 'switch interval (µs, log scale)'
	set ylabel 'GIL hand-offs per second (log scale)'
	set logscale xy
	set xrange [30:80000]
	set key bottom left
	set arrow 1 from 5000, graph 0 to 5000, graph 1 nohead ls 21
	set label 1 'CPython default 5 ms' at 5000, graph 0.95 right offset -0.5,0 font ',9'
	plot 1e6/x ls 20 title 'one hand-off per interval: 10^6 / interval', \
	     for [t in '2 4'] fc using 'interval_us':(sel(t, strcol('threads'), column('handoffs_per_s'))) \
	         with linespoints ls (t eq '2' ? 4 : 2) title 'emulated, '.t.' CPU threads', \
	     for [t in '2 4'] fp using 'interval_us':(sel(t, strcol('threads'), column('handoffs_per_s'))) \
	         with linespoints ls (t eq '2' ? 14 : 12) title 'CPython, '.t.' CPU threads'
	unset arrow 1; unset label 1
} else {
	set label 9 'not measured: gil_sweep.csv or py_gil_sweep.csv is not in this run' at graph 0.5,0.5 center noenhanced
	eval empty_panel
}
unset multiplot
