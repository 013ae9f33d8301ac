# serve_rps.gp - each server model under wrk: requests per second against
# the connections C it holds (log-log), beside the ideal C/d.
# Params: servers (the server models in serve.csv), d (the /sleep delay, s);
# colour_<s>, dash_<s> per server (plots.sh).
servers = param('servers')
d = pnum('d', NaN)
f = dir.'/serve.csv'
row(s, y) = (strcol('server') eq s && strcol('load') eq 'sleep') ? y : NaN
set datafile separator ','
set key top left
set title sprintf('servers under wrk: C connections, each request answered after %g ms', d*1000)
set xlabel 'connections C (wrk -c)'
set ylabel 'requests per second'
set logscale xy
set format x '10^{%L}'
set xrange [5:20000]
plot x/d ls 20 title sprintf('ideal: C / d'), \
     for [i=1:words(servers)] f using 'connections':(row(word(servers,i), column('rps'))) \
         with linespoints lw 2 lc rgb mcolour(word(servers,i)) dt mdash(word(servers,i)) pt mpoint(word(servers,i)) ps 0.8 title word(servers,i) noenhanced
