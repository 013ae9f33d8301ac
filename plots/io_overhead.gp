# io_overhead.gp - chart 2: io fan-out, what each task costs beyond its wait,
# (wall - d) / N, against N (log-log). Params: models, d (s).
# Reference: 1 us per task; points above it cost more than a microsecond each.
models = param('models')
d = pnum('d', NaN)
f = dir.'/io.csv'
set title sprintf('io fan-out: overhead per task, (wall - d) / N, d = %g ms', d*1000)
set xlabel 'concurrent tasks N'
set ylabel 'overhead per task (µs)'
set logscale xy
set key top right
set format x '10^{%L}'
set xrange [0.8:*]
ov(w, n) = (w - d) > 0 ? (w - d) / n * 1e6 : NaN
plot 1 ls 20 title '1 µs per task', \
     for [i=1:words(models)] f using 'tasks':(sel(word(models,i), strcol('model'), ov(column('median_s'), column('tasks')))) \
         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
