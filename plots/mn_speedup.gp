# mn_speedup.gp - chart 15: cheap tasks and every core? CPU speedup against
# workers W for threads, processes, one loop, the M:N scheduler (mn) and Go,
# from cpu.csv, beside the ideal min(cores, W).
# Params (read with param/pnum; dir from draw.gp): models (those drawn as
# lines), base_<m> (the median each one's speedup is over: its language's
# sequential model's, else its own at W = 1), cores, oneloop (one loop's
# speedup: mn at W = 1, whose one loop runs every task; NaN when absent).
# One loop is a flat line: W loops' worth of tasks on one thread is still
# one worker, as in seq.
models = param('models')
cores = pnum('cores', 1)
oneloop = pnum('oneloop', NaN)
base(m) = pnum('base_' . m, NaN)
f = dir.'/cpu.csv'
set title sprintf('cpu: speedup against W, one loop, M:N and the others (%d CPUs)', cores)
set xlabel 'workers W (threads, processes, loops, GOMAXPROCS)'
set ylabel 'speedup (sequential median / median)'
set logscale x 2
set xrange [0.9:*]
set yrange [0 : cores*1.25]
set key bottom right
set samples 400
ideal(w) = w < cores ? w : cores
plot ideal(x) ls 20 title 'ideal: min(cores, W)', \
     (oneloop == oneloop ? oneloop : NaN) with lines lw 2 lc rgb mcolour('coro') dt 4 title 'one loop (mn at W = 1)', \
     for [i=1:words(models)] f using 'workers':(sel(word(models,i), strcol('model'), base(word(models,i)) / column('median_s'))) \
         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
