# io_wall.gp - chart 1: io fan-out, wall time against N per model (log-log).
# Params: models (space-separated), d (the wait, s); dir from draw.gp.
# The ideal is d itself: N tasks that each wait d, all at once, take d; seq
# waits one after another and takes N*d, drawn too.
models = param('models')
d = pnum('d', NaN)
f = dir.'/io.csv'
set key top left
set title sprintf('io fan-out: N tasks each waiting d = %g ms', d*1000)
set xlabel 'concurrent tasks N'
set ylabel 'wall time (s, median)'
set logscale xy
set format x '10^{%L}'
set xrange [0.8:*]
# Up to twice the slowest median: the N·d line would otherwise set the scale.
stats f using 'median_s' nooutput
set yrange [d/2 : STATS_max*2]
plot d ls 20 title sprintf('ideal: d = %g ms', d*1000), \
     d*x ls 21 title 'one after another: N·d', \
     for [i=1:words(models)] f using 'tasks':(sel(word(models,i), strcol('model'), column('median_s'))) \
         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
