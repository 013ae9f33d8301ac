# net_backends.gp - chart 11: readiness against completion. The loop's own
# system calls per request (left) and the wall time of N requests (right)
# against N, on epoll and io_uring, for the client's fan-out and for the
# slow server, from net_backends.csv.
# Params (read with param/pnum; dir from draw.gp): d (the server's delay, s).
d = pnum('d', 0.1)
f = dir.'/net_backends.csv'
# A row of another series is NaN here: skipped, so each line joins its own rows.
set datafile missing NaN
series = 'client/epoll client/uring server/epoll server/uring'
# epoll solid, io_uring dashed; the client blue, the server red.
bstyle(s) = (s eq 'client/epoll') ? 1 : (s eq 'client/uring') ? 11 : (s eq 'server/epoll') ? 2 : 12
set multiplot layout 1,2 title sprintf('net requests of %g ms: epoll (readiness) against io\_uring (completion)', d*1000)
set key top left
set logscale x
set format x '10^{%L}'
set xlabel 'concurrent requests N'
set title 'system calls per request (the loop''s own)'
set ylabel 'system calls per request (log scale)'
set logscale y
plot for [i=1:words(series)] f using 'tasks':(sel(word(series,i), strcol('role').'/'.strcol('backend'), column('syscalls_per_request'))) \
     with linespoints ls bstyle(word(series,i)) title word(series,i)
set title 'wall time of the N requests (the client''s view)'
set ylabel 'wall time (s, median)'
unset logscale y
set yrange [0:*]
plot d ls 20 title sprintf('ideal: d = %g ms', d*1000), \
     for [i=1:words(series)] f using 'tasks':(sel(word(series,i), strcol('role').'/'.strcol('backend'), column('wall_s'))) \
     with linespoints ls bstyle(word(series,i)) title word(series,i)
unset multiplot
