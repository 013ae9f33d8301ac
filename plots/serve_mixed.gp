# serve_mixed.gp - the mixed load (1 request in 100 a CPU-heavy /cpu): p99
# latency per server model, one bar each, beside d.
# Params: servers, d (s), c (the mixed load's connections); colour_<s> per server.
servers = param('servers')
d = pnum('d', NaN)
c = pnum('c', NaN)
f = dir.'/serve.csv'
row(s, y) = (strcol('server') eq s && strcol('load') eq 'mixed') ? y : NaN
set datafile separator ','
set key top left
set title sprintf('mixed load, C = %g: 1 request in 100 a CPU-heavy /cpu; p99 of all', c)
set ylabel 'p99 latency (ms)'
set style fill solid 0.8 border -1
set boxwidth 0.6
set xrange [0.3:words(servers) + 0.7]
set yrange [0:*]
set xtics () noenhanced
do for [i=1:words(servers)] { set xtics add (word(servers,i) i) }
plot d*1000 ls 20 title sprintf('d = %g ms', d*1000), \
     for [i=1:words(servers)] f using (i):(row(word(servers,i), column('p99_ms'))) \
         with boxes lc rgb mcolour(word(servers,i)) notitle
