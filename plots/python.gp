# python.gp - chart 9: C beside Python, one panel per workload. C models
# solid, their Python twins (py_*) dashed in the same colour (common.gp).
# Variables: dir, cores, and per panel
#   has_io, io_c, io_py, d_io     io.csv: the C and the Python models, d (s)
#   has_cpu, cpu_c, cpu_py, seqmed, pyseqmed
#                                 cpu.csv: the parallel models of each
#                                 language and each language's sequential
#                                 median (s): a Python model's speedup is
#                                 over py_seq, a C model's over seq
#   has_net, net_c, net_py, d_net net.csv, as io
# A panel without a Python row says so (label 9) instead of drawing.
set multiplot layout 1,3 title 'C beside Python: the same workloads (C solid, Python dashed)'
set key noenhanced font ',9'
# Keys under the panels: in the fan-out panels the curves climb through the
# top left, where a key inside would hide them. One bottom margin for all
# three keeps the panels the same height.
set bmargin 9

missing(what) = sprintf('not measured: no Python model in %s', what)
empty_panel = 'unset border; unset tics; unset key; unset xlabel; unset ylabel; set xrange [0:1]; set yrange [0:1]; ' . \
	'plot -1 notitle; unset label 9; set border; set tics; set key; set autoscale'
both(c, p) = c . ' ' . p

# a) and c): wall time against N, log-log, with the ideal d and one after
# another, N·d, as in io_wall.gp and net_wall.gp.
set title 'a) io fan-out: wall time against N'
if (has_io) {
	f = dir.'/io.csv'
	models = both(io_c, io_py)
	set xlabel sprintf('concurrent tasks N (each waits d = %g ms)', d_io*1000)
	set ylabel 'wall time (s, median, log)'
	set logscale xy
	set format x '10^{%L}'
	set xrange [0.8:*]
	stats f using 'median_s' nooutput
	set yrange [d_io/2 : STATS_max*2]
	set key below left maxrows 4 samplen 2 width -3 spacing 0.9
	plot d_io ls 20 title sprintf('ideal: d = %g ms', d_io*1000), \
	     d_io*x ls 21 title 'one after another: N·d', \
	     for [i=1:words(models)] f using 'tasks':(sel(word(models,i), strcol('model'), column('median_s'))) \
	         with linespoints ls mstyle(word(models,i)) title word(models,i)
	unset logscale; unset format; set format; unset xrange; set autoscale
} else {
	set label 9 missing('io.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'b) cpu: speedup over each language''s sequential run'
if (has_cpu) {
	f = dir.'/cpu.csv'
	set xlabel 'workers W'
	set ylabel 'speedup (seq / model, py\_seq / py\_model)'
	set logscale x 2
	set xrange [0.9:*]
	set yrange [0 : cores*1.25]
	set samples 400
	set key below left maxrows 4 samplen 2 width -3 spacing 0.9
	ideal(w) = w < cores ? w : cores
	base(m) = is_py(m) ? pyseqmed : seqmed
	models = both(cpu_c, cpu_py)
	plot ideal(x) ls 20 title 'ideal: min(cores, W)', \
	     1 ls 21 title 'sequential', \
	     for [i=1:words(models)] f using 'workers':(sel(word(models,i), strcol('model'), base(word(models,i)) / column('median_s'))) \
	         with linespoints ls mstyle(word(models,i)) title word(models,i)
	unset logscale; unset xrange; set autoscale
} else {
	set label 9 missing('cpu.csv (with py_seq)') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'c) net fan-out: wall time against N'
if (has_net) {
	f = dir.'/net.csv'
	models = both(net_c, net_py)
	set xlabel sprintf('concurrent requests N (server answers after %g ms)', d_net*1000)
	set ylabel 'wall time (s, median, log)'
	set logscale xy
	set format x '10^{%L}'
	set xrange [0.8:*]
	stats f using 'median_s' nooutput
	set yrange [d_net/2 : STATS_max*2]
	set key below left maxrows 4 samplen 2 width -3 spacing 0.9
	plot d_net ls 20 title sprintf('ideal: d = %g ms', d_net*1000), \
	     d_net*x ls 21 title 'one after another: N·d', \
	     for [i=1:words(models)] f using 'tasks':(sel(word(models,i), strcol('model'), column('median_s'))) \
	         with linespoints ls mstyle(word(models,i)) title word(models,i)
} else {
	set label 9 missing('net.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}
unset multiplot
