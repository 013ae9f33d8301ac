# profiles.sh - every size the benchmark harness uses, in one place.
# Sourced by scripts/bench.sh after PROFILE is set (smoke | quick | full):
#
#   smoke  proves the pipeline end to end in under a minute (CI runs it)
#   quick  the default: every suite at sizes that show the shapes, < 5 min
#   full   more points, more runs, the largest N each model reaches, < 30 min
#
# Per suite:
#   RUNS_MIN, RUNS_MAX  hyperfine --min-runs/--max-runs (it runs for about 3 s
#                       within these bounds), WARMUP its --warmup
#   IO_MS               the io wait d in ms, the same for every N and model
#   IO_N_<model>        the task counts N of the io fan-out (comma list)
#   CPU_TASKS, CPU_N    the cpu list: CPU_TASKS sums of k*k for k < CPU_N + i
#   CPU_WORKERS         the worker counts W of the cpu speedup suite
#   NET_MS, NET_N_<model>  the same for the net fan-out
#   PY_CPU_TASKS, PY_CPU_N, PY_CPU_WORKERS
#                       the cpu list and W for the Python models (py_*): a
#                       Python loop iteration costs about 100 times a C one
#                       (35-40 ns against 0.4 ns here), so the C list would take
#                       minutes; the same W as the C models, so that the
#                       speedups compare W for W
# The Python models share d (IO_MS, NET_MS) with the C ones, so one chart
# holds both, and get shorter N lists: a Python thread or process costs more
# to start, and py_seq's N*d has to stay a few seconds at most.
# Microbenchmarks and experiments get `--scale $PROFILE` and size themselves
# (models/python/gil_sweep.py too).
# A model without an IO_N_/NET_N_ list here is left out of that suite.

case $PROFILE in
smoke)
	RUNS_MIN=2 RUNS_MAX=3 WARMUP=1
	IO_MS=20
	IO_N_seq=1,2,4
	IO_N_threads=1,10,100,1000
	IO_N_procs=1,10,100
	IO_N_gil=1,10,100,1000
	IO_N_coro=1,10,100,1000,10000
	CPU_TASKS=8 CPU_N=10000000 CPU_WORKERS=1,2,4,8
	NET_MS=20
	NET_N_seq=1,2,4
	NET_N_threads=1,10,100
	NET_N_procs=1,10,100
	NET_N_gil=1,10,100
	NET_N_coro=1,10,100,1000
	IO_N_py_seq=1,2,4
	IO_N_py_threads=1,10,100,1000
	IO_N_py_procs=1,10,100
	IO_N_py_asyncio=1,10,100,1000,10000
	PY_CPU_TASKS=8 PY_CPU_N=500000 PY_CPU_WORKERS=1,2,4,8
	NET_N_py_seq=1,2,4
	NET_N_py_threads=1,10,100
	NET_N_py_procs=1,10,100
	NET_N_py_asyncio=1,10,100,1000
	;;
quick)
	RUNS_MIN=3 RUNS_MAX=5 WARMUP=1
	IO_MS=100
	IO_N_seq=1,2,4,8
	IO_N_threads=1,10,100,1000,10000
	IO_N_procs=1,10,100,1000
	IO_N_gil=1,10,100,1000,10000
	IO_N_coro=1,10,100,1000,10000,100000
	CPU_TASKS=8 CPU_N=100000000 CPU_WORKERS=1,2,4,8
	NET_MS=100
	NET_N_seq=1,2,4,8
	NET_N_threads=1,10,100,1000
	NET_N_procs=1,10,100,1000
	NET_N_gil=1,10,100,1000
	NET_N_coro=1,10,100,1000,10000
	# 1,000 and 10,000 threads, 10,000 and 100,000 coroutines: the sizes of
	# the Python figures in ANCHORS.md.
	IO_N_py_seq=1,2,4
	IO_N_py_threads=1,10,100,1000,10000
	IO_N_py_procs=1,10,100
	IO_N_py_asyncio=1,10,100,1000,10000,100000
	PY_CPU_TASKS=8 PY_CPU_N=1500000 PY_CPU_WORKERS=1,2,4,8
	NET_N_py_seq=1,2,4
	NET_N_py_threads=1,10,100,1000
	NET_N_py_procs=1,10,100
	NET_N_py_asyncio=1,10,100,1000,10000
	;;
full)
	RUNS_MIN=3 RUNS_MAX=10 WARMUP=1
	IO_MS=100
	IO_N_seq=1,2,4,8,16
	IO_N_threads=1,3,10,30,100,300,1000,3000,10000,20000
	IO_N_procs=1,3,10,30,100,300,1000,3000,10000
	IO_N_gil=1,10,100,1000,10000
	IO_N_coro=1,10,100,1000,10000,100000,1000000
	CPU_TASKS=16 CPU_N=200000000 CPU_WORKERS=1,2,4,8
	NET_MS=100
	NET_N_seq=1,2,4,8
	NET_N_threads=1,10,100,1000,10000
	NET_N_procs=1,10,100,1000,3000
	NET_N_gil=1,10,100,1000
	NET_N_coro=1,10,100,1000,10000
	IO_N_py_seq=1,2,4,8
	IO_N_py_threads=1,10,100,1000,10000
	IO_N_py_procs=1,10,100,1000
	IO_N_py_asyncio=1,10,100,1000,10000,100000
	PY_CPU_TASKS=16 PY_CPU_N=4000000 PY_CPU_WORKERS=1,2,4,8
	NET_N_py_seq=1,2,4,8
	NET_N_py_threads=1,10,100,1000
	NET_N_py_procs=1,10,100,1000
	NET_N_py_asyncio=1,10,100,1000,10000
	;;
*)
	echo "bench: PROFILE: unknown profile '$PROFILE' (accepted: smoke|quick|full)" >&2
	exit 2
	;;
esac
