# cpu_speedup.gp - chart 3: CPU speedup over sequential against workers W.
# Variables: dir, models (without seq), cores, seqmed (seq's median, s).
# The ideal is min(cores, W): no model can use more CPUs than there are.
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
         with linespoints ls mstyle(word(models,i)) title word(models,i)
