# runtimes.gp - chart 9: the suite beside the runtimes you would use
# instead, one panel per workload. The suite's models solid; each reference
# model in its twin's colour, dashed by language (common.gp's mcolour,
# mdash, from models/models.tsv).
# Params: cores, and per panel
#   has_io, io_models, d_io     io.csv: the models drawn, the wait d (s)
#   has_cpu, cpu_models, base_<m>
#                               cpu.csv: the parallel models and, for each,
#                               the median its speedup is over (s): its
#                               language's sequential model's, or its own
#                               at W = 1
#   has_net, net_models, d_net  net.csv, as io
# A panel without a reference model's row says so (label 9).
cores = pnum('cores', 1)
has_io = pnum('has_io', 0)
has_cpu = pnum('has_cpu', 0)
has_net = pnum('has_net', 0)
d_io = pnum('d_io', NaN)
d_net = pnum('d_net', NaN)
set multiplot layout 1,3 title 'The suite beside the runtimes you would use instead (suite solid, references dashed)'
set key noenhanced font ',9'
# Keys under the panels: in the fan-out panels the curves climb through the
# top left, where a key inside would hide them. One bottom margin for all
# three keeps the panels the same height.
set bmargin 9

missing(what) = sprintf('not measured: no reference model in %s', what)
empty_panel = 'unset border; unset tics; unset key; unset xlabel; unset ylabel; set xrange [0:1]; set yrange [0:1]; ' . \
	'plot -1 notitle; unset label 9; set border; set tics; set key; set autoscale'

# a) and c): wall time against N, log-log, with the ideal d and one after
# another, N*d, as in io_wall.gp and net_wall.gp.
set title 'a) io fan-out: wall time against N'
if (has_io) {
	f = dir.'/io.csv'
	models = param('io_models')
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
	         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
	unset logscale; unset format; set format; unset xrange; set autoscale
} else {
	set label 9 missing('io.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'b) cpu: speedup over each language''s sequential run'
if (has_cpu) {
	f = dir.'/cpu.csv'
	set xlabel 'workers W'
	set ylabel 'speedup over its own language''s sequential run'
	set logscale x 2
	set xrange [0.9:*]
	set yrange [0 : cores*1.25]
	set samples 400
	set key below left maxrows 4 samplen 2 width -3 spacing 0.9
	ideal(w) = w < cores ? w : cores
	base(m) = pnum('base_' . m, NaN)
	models = param('cpu_models')
	plot ideal(x) ls 20 title 'ideal: min(cores, W)', \
	     1 ls 21 title 'sequential', \
	     for [i=1:words(models)] f using 'workers':(sel(word(models,i), strcol('model'), base(word(models,i)) / column('median_s'))) \
	         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
	unset logscale; unset xrange; set autoscale
} else {
	set label 9 missing('cpu.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}

set title 'c) net fan-out: wall time against N'
if (has_net) {
	f = dir.'/net.csv'
	models = param('net_models')
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
	         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
} else {
	set label 9 missing('net.csv') at graph 0.5,0.5 center noenhanced
	eval empty_panel
}
unset multiplot
