# common.gp - settings shared by every chart; loaded before each chart script.
#
# scripts/plots.sh sets the terminal and output (SVG, then PNG via pngcairo)
# and the variables a chart needs (dir: the run folder; the others are named
# at the top of each chart script), then loads this file and the chart.
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
# The Python twins (py_*): the colour of their C model, dashed, open points.
set style line 11 lc rgb '#1f77b4' lw 2 dt 2 pt 6 ps 0.8
set style line 12 lc rgb '#d62728' lw 2 dt 2 pt 4 ps 0.8
set style line 13 lc rgb '#2ca02c' lw 2 dt 2 pt 8 ps 0.9
set style line 14 lc rgb '#9467bd' lw 2 dt 2 pt 10 ps 0.9
set style line 15 lc rgb '#ff7f0e' lw 2 dt 2 pt 12 ps 0.9
set style line 16 lc rgb '#8c564b' lw 2 dt 2 pt 4 ps 0.9
set style line 17 lc rgb '#17becf' lw 2 dt 2 pt 6 ps 0.9
set style line 18 lc rgb '#7f7f7f' lw 2 dt 2 pt 2 ps 0.9
# The reference lines: dashed grey, drawn under the data.
set style line 20 lc rgb '#555555' lw 1.5 dt 2
set style line 21 lc rgb '#aaaaaa' lw 1.5 dt 3
# sel(want, got, y): y on the rows of one series, undefined (not drawn) elsewhere.
sel(want, got, y) = (got eq want) ? y : NaN
# mstyle(m): one line style per model, the same on every chart.
mstyle(m) = (m eq 'seq') ? 1 : (m eq 'threads') ? 2 : (m eq 'procs') ? 3 : \
            (m eq 'gil' || m eq 'gil_new') ? 4 : (m eq 'coro') ? 5 : \
            (m eq 'gil_old') ? 6 : \
            is_py(m) ? 10 + mstyle(twin(m)) : 8
# is_py(m): a Python reference model; twin(m): the C model it mirrors
# (py_asyncio's twin is coro: one thread, one event loop).
is_py(m) = strlen(m) > 3 && m[1:3] eq 'py_'
twin(m) = (m eq 'py_asyncio') ? 'coro' : is_py(m) ? m[4:] : m
