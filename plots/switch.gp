# switch.gp - chart 4: ns per context switch per mechanism and placement
# (log scale), from lat_switch.csv. Params: floor (bare_jmp's median, ns:
# push the callee-saved registers, swap stacks, leave by pop; jmp as
# co_switch does, the floor a coroutine switch is measured against). One
# bar per row, coloured by placement; the dashed line is the floor.
jmpfloor = pnum('floor', NaN)
f = dir.'/lat_switch.csv'
set title 'Context switch: ns per switch (median, bars from p10 to p90)'
set ylabel 'ns per switch (log scale)'
set xlabel 'mechanism'
set logscale y
stats f using 'median_ns' nooutput
set yrange [1 : STATS_max*60]
set xrange [-0.7 : STATS_records - 0.3]
set rmargin 12
set xtics rotate by -35 left nomirror font ',10' noenhanced
set style fill solid 0.75 border -1
set boxwidth 0.7
set key top left maxrows 3 width -2
placements = 'none one-cpu two-cpus unpinned'
pstyle(p) = (p eq 'none') ? 5 : (p eq 'one-cpu') ? 1 : (p eq 'two-cpus') ? 2 : 4
nsfmt(v) = v < 1000 ? sprintf('%.3g', v) : sprintf('%.3g µs', v / 1000)
label(m, p) = (p eq 'none') ? m : m.' ('.p.')'
plot f using 0:(NaN):xtic(label(strcol('mechanism'), strcol('placement'))) notitle, \
     jmpfloor ls 20 title sprintf('bare\_jmp (the floor): %.1f ns', jmpfloor), \
     for [p in placements] f using 0:(sel(p, strcol('placement'), column('median_ns'))) \
         with boxes ls pstyle(p) title 'placement: '.p, \
     f using 0:'median_ns':'p10_ns':'p90_ns' with yerrorbars lc rgb '#333333' pt 7 ps 0.3 notitle, \
     f using 0:'median_ns':(nsfmt(column('median_ns'))) with labels offset 0,0.8 font ',8' notitle
