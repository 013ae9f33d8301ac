# cpu_speedup.gp - chart 3: CPU speedup over sequential against workers W.
# Params (read with param/pnum; dir from draw.gp): models (without seq), cores, seqmed (seq's median, s).
# The ideal is min(cores, W): no model can use more CPUs than there are.
models = param('models')
cores = pnum('cores', 1)
seqmed = pnum('seqmed', NaN)
f = dir.'/cpu.csv'
set title sprintf('cpu: speedup over sequential (%d CPUs)', cores)
set xlabel 'workers W'
set ylabel 'speedup (seq median / median)'
set logscale x 2
set xrange [0.9:*]
set yrange [0 : cores*1.2]
set key bottom right
set samples 400
ideal(w) = w < cores ? w : cores
plot ideal(x) ls 20 title 'ideal: min(cores, W)', \
     1 ls 21 title 'sequential', \
     for [i=1:words(models)] f using 'workers':(sel(word(models,i), strcol('model'), seqmed / column('median_s'))) \
         with linespoints lw 2 lc rgb mcolour(word(models,i)) dt mdash(word(models,i)) pt mpoint(word(models,i)) ps 0.8 title word(models,i)
