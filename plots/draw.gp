# draw.gp - the one way a chart is drawn (scripts/plots.sh runs it):
#
#   gnuplot -c plots/draw.gp svg|png WIDTH,HEIGHT CHART RUN PARAMS
#
# draws plots/CHART.gp, after common.gp, into RUN/charts/CHART.svg or .png.
# Everything arrives as data, never as gnuplot code: RUN is a string (a
# path with quotes or ';' in it stays a path), and PARAMS holds the chart's
# variables as "name=value" lines that a chart reads with param('name') (a
# string, '' when absent) or pnum('name', default) (a number). Nothing here
# or in a chart evaluates them.
ext = ARG1
size = ARG2
chart = ARG3
dir = ARG4
P = "\n" . ARG5 . "\n"
param(k) = (_s = strstrt(P, "\n" . k . "="), _s == 0 ? '' : _line(P[_s + strlen(k) + 2:]))
_line(t) = t[1:strstrt(t, "\n") - 1]
pnum(k, def) = (_v = param(k), _v eq '' ? def : _v + 0)
_w = size[1:strstrt(size, ',') - 1] + 0
_h = size[strstrt(size, ',') + 1:] + 0
if (ext eq 'svg') {
	set terminal svg size _w,_h dynamic enhanced font 'Sans,12' background '#ffffff'
} else {
	set terminal pngcairo size _w,_h enhanced font 'Sans,11' background '#ffffff'
}
set output dir . '/charts/' . chart . '.' . ext
load 'plots/common.gp'
load 'plots/' . chart . '.gp'
