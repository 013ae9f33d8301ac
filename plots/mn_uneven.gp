# mn_uneven.gp - chart 16: what work stealing buys. 64 CPU tasks of uneven
# size spawned by one task on 2 loops, stealing on and off: the wall time
# (median, min to max) on the left, the tasks stolen and the busiest loop's
# share of the tasks on the right, from mn_uneven.csv.
# Params (read with param/pnum; dir from draw.gp): none.
f = dir.'/mn_uneven.csv'
set multiplot layout 1,2 title 'uneven work spawned from one task, 2 loops: work stealing on and off'
set style fill solid 0.6 border -1
set boxwidth 0.5
set xrange [-0.6:1.6]
set yrange [0:*]
unset key
unset grid
set grid ytics lc rgb '#dddddd'
set title 'wall time (median; bars: min to max)'
set ylabel 'wall time (s)'
plot f using 0:'median_s':xtic(strcol('steal') eq 'on' ? 'stealing on' : 'stealing off') with boxes lc rgb '#1f77b4' notitle, \
     f using 0:'median_s':'min_s':'max_s' with yerrorbars lc rgb '#000000' pt 0 notitle
set key top left
set yrange [0:64]
set title 'tasks stolen, and the busiest loop''s share'
set ylabel 'tasks stolen (median of the runs)'
set y2label 'busiest loop''s share of the 64 tasks'
set y2range [0:1.05]
set y2tics
plot f using 0:'steals':xtic(strcol('steal') eq 'on' ? 'stealing on' : 'stealing off') with boxes lc rgb '#2ca02c' title 'steals', \
     f using 0:'busiest_share' axes x1y2 with linespoints ls 2 title 'busiest loop''s share'
unset multiplot
