# serve_p99.gp - each server model under wrk: p99 latency (wrk's own)
# against the connections C, beside the delay d every request waits anyway.
# Params: servers, d (s); colour_<s>, dash_<s> per server (plots.sh).
servers = param('servers')
d = pnum('d', NaN)
f = dir.'/serve.csv'
row(s, y) = (strcol('server') eq s && strcol('load') eq 'sleep') ? y : NaN
set datafile separator ','
set key top left
set title sprintf('servers under wrk: p99 latency of a %g ms request', d*1000)
set xlabel 'connections C (wrk -c)'
set ylabel 'p99 latency (ms)'
set logscale xy
set format x '10^{%L}'
set xrange [5:20000]
set yrange [d*500:*]
plot d*1000 ls 20 title sprintf('d = %g ms', d*1000), \
     for [i=1:words(servers)] f using 'connections':(row(word(servers,i), column('p99_ms'))) \
         with linespoints lw 2 lc rgb mcolour(word(servers,i)) dt mdash(word(servers,i)) pt mpoint(word(servers,i)) ps 0.8 title word(servers,i) noenhanced
