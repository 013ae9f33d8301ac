# common.gp - settings shared by every chart; loaded before each chart script.
#
# plots/draw.gp sets the terminal and output (SVG, then PNG via pngcairo),
# dir (the run folder) and param()/pnum() (the chart's variables, named at
# the top of each chart script), then loads this file and the chart.
set datafile separator ','
set datafile columnheaders
set encoding utf8
set key top left box opaque
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set border lw 1.2
set style line 1 lc rgb '#1f77b4' lw 2 pt 7 ps 0.8
set style line 2 lc rgb '#d62728' lw 2 pt 5 ps 0.8
set style line 3 lc rgb '#2ca02c' lw 2 pt 9 ps 0.9
set style line 4 lc rgb '#9467bd' lw 2 pt 11 ps 0.9
set style line 5 lc rgb '#ff7f0e' lw 2 pt 13 ps 0.9
set style line 6 lc rgb '#8c564b' lw 2 pt 3 ps 0.9
set style line 7 lc rgb '#17becf' lw 2 pt 1 ps 0.9
set style line 8 lc rgb '#7f7f7f' lw 2 pt 2 ps 0.9
# ls 10 + k: ls k dashed, open points (a second series beside ls k).
set style line 11 lc rgb '#1f77b4' lw 2 dt 2 pt 6 ps 0.8
set style line 12 lc rgb '#d62728' lw 2 dt 2 pt 4 ps 0.8
set style line 13 lc rgb '#2ca02c' lw 2 dt 2 pt 8 ps 0.9
set style line 14 lc rgb '#9467bd' lw 2 dt 2 pt 10 ps 0.9
set style line 15 lc rgb '#ff7f0e' lw 2 dt 2 pt 12 ps 0.9
# The reference lines: dashed grey, drawn under the data.
set style line 20 lc rgb '#555555' lw 1.5 dt 2
set style line 21 lc rgb '#aaaaaa' lw 1.5 dt 3
# sel(want, got, y): y on the rows of one series, undefined (not drawn) elsewhere.
sel(want, got, y) = (got eq want) ? y : NaN
# A model's line: the colour of the suite model it mirrors (its own for a
# suite model), the dash and point of its language and side (solid for the
# suite), from models/models.tsv through the params colour_<m> and dash_<m>.
COLOURS = '#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b #17becf #7f7f7f'
POINTS = '7 6 8 4 12 10 14'
mcolour(m) = word(COLOURS, pnum('colour_' . m, 8))
mdash(m) = pnum('dash_' . m, 1)
mpoint(m) = word(POINTS, mdash(m)) + 0
