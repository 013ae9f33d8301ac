# gantt.gp - a recorded demo timeline drawn as a Gantt chart, SVG and PNG.
#
#   gnuplot -c plots/gantt.gp DATA OUT TITLE
#
# The three arrive as strings, never as gnuplot code. DATA: the CSV scripts/timeline.py --record writes (section,task,start_s,
# end_s,worker,cpu,row,worker_index; one line per bar). One row per task,
# top to bottom in the file's order, labelled "section task"; a bar from
# start to end, coloured by worker, with the worker's name at its end.
# Writes OUT.svg and OUT.png.
data = ARG1
out = ARG2
title = ARG3
set datafile separator ','
stats data using 7 name 'R' nooutput
rows = R_max + 1
set yrange [rows - 0.5:-0.5]
set xrange [0:*]
set xlabel 'time (s)'
set title title noenhanced
set key off
set grid xtics
set ytics noenhanced font ',9'
set style fill solid 0.8 border -1
chart = "plot data using (($3+$4)/2):7:(($4-$3)/2):(0.35):($8+1):ytic(strcol(1).': '.strcol(2)) with boxxyerror lc variable, \
     data using 4:7:5 with labels left offset 0.5,0 font ',8' noenhanced"
height = 120 + 22 * rows
set terminal svg size 900, height dynamic background '#ffffff'
set output out.'.svg'
eval chart
set terminal pngcairo size 900, height
set output out.'.png'
eval chart
