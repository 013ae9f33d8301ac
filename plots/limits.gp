# limits.gp - chart 6: where each model stops, the largest N it reached in
# the io fan-out and what stopped it, from limits.csv (log scale).
# Params (read with param/pnum; dir from draw.gp): pid_max, map_count (vm.max_map_count), files (open files).
# The machine's limits are drawn as the lines the bars run into: threads and
# processes share pid_max, a guarded stack costs two mappings.
pid_max = pnum('pid_max', 0)
map_count = pnum('map_count', 0)
files = pnum('files', 0)
f = dir.'/limits.csv'
set title 'Where each model stops: the largest N reached, and why'
set xlabel 'largest N of concurrent tasks (log scale)'
set logscale x
stats f using 'max_n' nooutput
set xrange [1 : STATS_max*30]
set yrange [-0.7 : STATS_records - 0.3]
set ytics noenhanced
set style fill solid 0.75 border -1
unset key
set arrow 1 from pid_max, graph 0 to pid_max, graph 1 nohead ls 20
set label 1 sprintf('pid\_max %d', pid_max) at pid_max, graph 0.97 offset 0.5,0 font ',9'
set arrow 2 from map_count/2, graph 0 to map_count/2, graph 1 nohead ls 21
set label 2 'max\_map\_count / 2' at map_count/2, graph 0.03 offset 0.5,0 font ',9'
set arrow 3 from files, graph 0 to files, graph 1 nohead lc rgb '#bbbbbb' dt 4
set label 3 'open files' at files, graph 0.5 right offset -0.5,0 font ',9'
why(n, s) = (s eq 'none') ? sprintf(' %d, the search cap', n) : sprintf(' %d, stopped by %s', n, s)
plot f using (column('max_n')/2):0:(1):(column('max_n')):($0-0.35):($0+0.35):ytic(strcol('model').'/'.strcol('variant')) \
         with boxxyerror ls 1 notitle, \
     f using 'max_n':0:(why(column('max_n'), strcol('stopped_by'))) \
         with labels left font ',9' noenhanced notitle
