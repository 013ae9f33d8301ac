# create_mem.gp - chart 5: what a task costs to create and to keep, per model
# and variant, from cost_create.csv (left) and mem_task.csv (right), log-log.
# Params (read with param/pnum; dir from draw.gp): cseries ("model/variant" names in cost_create.csv) and
# mseries ("model/variant/metric" names in mem_task.csv), space-separated.
# References: 1 µs per creation; one 4 KiB page per task, the least a task
# with a stack of its own can touch.
cseries = param('cseries')
mseries = param('mseries')
fc = dir.'/cost_create.csv'
fm = dir.'/mem_task.csv'
key(m, v) = m.'/'.v
mkey(m, v, k) = m.'/'.v.'/'.k
# sstyle(s): one style per model/variant, whatever follows it (the metric).
is(s, p) = strstrt(s, p) == 1
# dts(s): PSS series dashed, RSS solid.
dts(s) = strstrt(s, '/pss') ? 2 : 1
sstyle(s) = is(s, 'coro/guarded') ? 5 : is(s, 'coro/copy') ? 6 : \
            is(s, 'thread/default_stack') ? 2 : is(s, 'thread/small_stack') ? 7 : \
            is(s, 'process/fork') ? 3 : 8
set multiplot layout 1,2 title 'What a task costs: creation time and resident memory'
set logscale xy
set format x '10^{%L}'
stats fc using 'n' nooutput
set xrange [0.8 : STATS_max*2]
set key top right noenhanced font ',9'
set title 'creation: create and finish one task'
stats fc using 'median_ns' nooutput
set yrange [STATS_min/3 : STATS_max*40]
set xlabel 'tasks N'
set ylabel 'ns per task (median)'
plot 1000 ls 20 title '1 µs', \
     for [i=1:words(cseries)] fc using 'n':(sel(word(cseries,i), key(strcol('model'), strcol('variant')), column('median_ns'))) \
         with linespoints ls sstyle(word(cseries,i)) title word(cseries,i)
set title 'memory: N tasks alive and waiting'
stats fm using 'bytes_per_task' nooutput
set yrange [STATS_min/3 : STATS_max*40]
set ylabel 'bytes per task (RSS, or PSS: dashed)'
set key top right
plot 4096 ls 20 title 'one 4 KiB page', \
     for [i=1:words(mseries)] fm using 'n':(sel(word(mseries,i), mkey(strcol('model'), strcol('variant'), strcol('metric')), column('bytes_per_task'))) \
         with linespoints ls sstyle(word(mseries,i)) dashtype dts(word(mseries,i)) title word(mseries,i)
unset multiplot
