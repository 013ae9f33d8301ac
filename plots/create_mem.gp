# create_mem.gp - chart 5: what a task costs to create and to keep, per model
# and variant, from cost_create.csv (left) and mem_task.csv (right), log-log.
# Variables: dir, series (space-separated "model/variant" names).
# References: 1 µs per creation; one 4 KiB page per task, the least a task
# with a stack of its own can touch.
fc = dir.'/cost_create.csv'
fm = dir.'/mem_task.csv'
key(m, v) = m.'/'.v
sstyle(s) = (s eq 'coro/guarded') ? 5 : (s eq 'coro/copy') ? 6 : \
            (s eq 'thread/default_stack') ? 2 : (s eq 'thread/small_stack') ? 7 : \
            (s eq 'process/fork') ? 3 : 8
set multiplot layout 1,2 title 'What a task costs: creation time and resident memory'
set logscale xy
set format x '10^{%L}'
set xrange [0.8:*]
set key top right noenhanced font ',9'
set title 'creation: create and finish one task'
stats fc using 'median_ns' nooutput
set yrange [STATS_min/3 : STATS_max*40]
set xlabel 'tasks N'
set ylabel 'ns per task (median)'
plot 1000 ls 20 title '1 µs', \
     for [i=1:words(series)] fc using 'n':(sel(word(series,i), key(strcol('model'), strcol('variant')), column('median_ns'))) \
         with linespoints ls sstyle(word(series,i)) title word(series,i)
set title 'memory: N tasks alive and waiting'
stats fm using 'bytes_per_task' nooutput
set yrange [STATS_min/3 : STATS_max*40]
set ylabel 'bytes per task (RSS; PSS for processes)'
set key top right
plot 4096 ls 20 title 'one 4 KiB page', \
     for [i=1:words(series)] fm using 'n':(sel(word(series,i), key(strcol('model'), strcol('variant')), column('bytes_per_task'))) \
         with linespoints ls sstyle(word(series,i)) title word(series,i)
unset multiplot
