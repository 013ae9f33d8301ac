# profiles.sh - every size the benchmark harness uses, in one place.
# Sourced by scripts/bench.sh after PROFILE is set (smoke | quick | full):
#
#   smoke  proves the pipeline end to end in about a minute (CI runs it)
#   quick  the default: every suite and lesson at sizes that show the shapes, < 5 min
#   full   more points, more runs, the largest N each model reaches, < 30 min
#
# Sizes go by the columns of models/models.tsv, never by model name:
#   RUNS_MIN, RUNS_MAX  hyperfine --min-runs/--max-runs (it runs for about 3 s
#                       within these bounds), WARMUP its --warmup
#   IO_MS, NET_MS       the wait d in ms, the same for every N and model
#   IO_N_<fanout>, NET_N_<fanout>
#                       the task counts N of the io and net fan-outs (comma
#                       lists) for a model of that fanout (one, thread, lock,
#                       proc, loop); IO_N_<lang>_<fanout> overrides for one
#                       language (a Python thread or process costs more to
#                       start, and py_seq's N*d must stay a few seconds)
#   CPU_TASKS, CPU_N    the cpu list: CPU_TASKS sums of k*k for k < CPU_N + i
#   CPU_WORKERS         the worker counts W of the cpu speedup suite
#   CPU_TASKS_<lang>, CPU_N_<lang>, CPU_WORKERS_<lang>
#                       a language's own list: a Python loop iteration costs
#                       about 100 times a C one (35-40 ns against 0.4 ns
#                       here), Node's BigInt loop about as much, so the C
#                       list would take minutes; the same W everywhere, so
#                       that speedups compare W for W
#   SLEEPERS_N, SLEEPERS_MS
#                       the once-only io run of each event loop (suite and reference)
#                       (sleepers.csv), SLEEPERS_N_<lang> for one language
#   SERVE_C             the connection counts C wrk holds on each server model
#                       (models/servers.tsv), SERVE_SECONDS each run's length,
#                       SERVE_MS the /sleep delay d, SERVE_TIMEOUT_S wrk's
#                       --timeout (a later answer counts as a timeout)
#   SERVE_MIXED_C, SERVE_CPU_N
#                       the mixed load: C connections, 1 request in 100 a
#                       /cpu of n = SERVE_CPU_N (about 50 ms here: 0.7 ns
#                       per iteration)
# Microbenchmarks and experiments get `--scale $PROFILE` and size themselves
# (models/python/gil_sweep.py too).

case $PROFILE in
smoke)
	RUNS_MIN=2 RUNS_MAX=3 WARMUP=1
	IO_MS=20 NET_MS=20
	IO_N_one=1,2,4
	IO_N_thread=1,10,100,1000
	IO_N_lock=1,10,100,1000
	IO_N_proc=1,10,100
	IO_N_loop=1,10,100,1000,10000
	NET_N_one=1,2,4
	NET_N_thread=1,10,100
	NET_N_lock=1,10,100
	NET_N_proc=1,10,100
	NET_N_loop=1,10,100,1000
	CPU_TASKS=8 CPU_N=10000000 CPU_WORKERS=1,2,4,8
	CPU_N_python=500000 CPU_N_node=500000
	SLEEPERS_N=10000 SLEEPERS_MS=100
	SERVE_C=10,100 SERVE_SECONDS=1 SERVE_MS=100 SERVE_TIMEOUT_S=2
	SERVE_MIXED_C=10 SERVE_CPU_N=10000000
	;;
quick)
	# One to three runs and no warm-up: hyperfine runs a command for about
	# 3 s within these bounds, so a point of 3 s or more runs once (Python's
	# 10,000 threads and 100,000 tasks: 3-10 s a run, the slowest steps
	# here), one of 1.5 to 3 s twice (their mean), a shorter one three
	# times (the median sets a cold first run aside as well as a warm-up
	# would). The runs column of the CSVs says how many. The warm-ups were a fifth of the
	# default run (raw/steps.tsv: the hyperfine steps took 250 of its 470 s
	# on a loaded machine). The lists below are the shortest that keep
	# every lesson and target measured: the fan-outs from N = 100 (their
	# curves are flat from 1 to 100 waits; the one-task models keep 1, 2
	# and 4), the cpu list at W = 2 and 4 (W = 1 only where a language has
	# no sequential model to compare with). A quiet run on an AMD EPYC VM
	# took 311 s with three runs of every point, N = 1 and 10, W = 1 and
	# C = 1,000, and a fresh clone's make bench 303 s with N = 1 and W = 1.
	RUNS_MIN=1 RUNS_MAX=3 WARMUP=0
	IO_MS=100 NET_MS=100
	# 1,000 and 10,000 threads, 10,000 and 100,000 coroutines: the sizes of
	# the Python figures in ANCHORS.md.
	IO_N_one=1,2,4
	IO_N_python_one=1,2,4
	IO_N_thread=100,1000,10000
	IO_N_lock=100,1000,10000
	IO_N_proc=100,1000
	# A Python process pool costs seconds at 1,000: 1 and 100, a line of two points.
	IO_N_python_proc=1,100
	IO_N_loop=100,1000,10000,100000
	NET_N_one=1,2,4
	NET_N_python_one=1,2,4
	NET_N_thread=100,1000
	# gil beside py_threads at 10,000 requests: the emulated GIL's fan-out target.
	NET_N_lock=100,1000,10000
	NET_N_python_thread=100,1000,10000
	NET_N_proc=100,1000
	NET_N_python_proc=1,100
	NET_N_loop=100,1000,10000
	# asyncio's 10,000 requests take 5-6 s a run (30 s of the step): the
	# full profile has them.
	NET_N_python_loop=100,1000
	# 8 sums of 50,000,000 squares: about 0.2 s on one C worker here.
	CPU_TASKS=8 CPU_N=50000000 CPU_WORKERS=2,4 CPU_WORKERS_go=1,2,4 CPU_WORKERS_node=1,2,4
	CPU_N_python=1000000 CPU_N_node=1000000
	SLEEPERS_N=1000000 SLEEPERS_MS=1000
	# asyncio holds a million sleepers in about 30 s: a tenth of them here.
	SLEEPERS_N_python=100000
	# 9 servers x 3 loads x (1 s + start and stop): about 30 s. The C10K
	# lesson reads the largest C; the full profile fills in between.
	SERVE_C=10,10000 SERVE_SECONDS=1 SERVE_MS=100 SERVE_TIMEOUT_S=2
	# A /cpu job of about 100 ms, d's size: a 1 s run sees about ten of
	# them, and with 50 ms jobs the loop server's p99 came out 1.28x to
	# 1.62x the thread server's from one run to the next, around the
	# lesson's 1.3x (140,000,000: 1.69x).
	SERVE_MIXED_C=100 SERVE_CPU_N=140000000
	;;
full)
	RUNS_MIN=3 RUNS_MAX=10 WARMUP=1
	IO_MS=100 NET_MS=100
	IO_N_one=1,2,4,8,16
	IO_N_python_one=1,2,4,8
	IO_N_thread=1,3,10,30,100,300,1000,3000,10000,20000
	IO_N_python_thread=1,10,100,1000,10000
	IO_N_lock=1,10,100,1000,10000
	IO_N_proc=1,3,10,30,100,300,1000,3000,10000
	IO_N_python_proc=1,10,100,1000
	IO_N_loop=1,10,100,1000,10000,100000,1000000
	IO_N_python_loop=1,10,100,1000,10000,100000
	NET_N_one=1,2,4,8
	NET_N_thread=1,10,100,1000,10000
	NET_N_python_thread=1,10,100,1000,10000
	NET_N_lock=1,10,100,1000,10000
	NET_N_proc=1,10,100,1000,3000
	NET_N_python_proc=1,10,100,1000
	NET_N_loop=1,10,100,1000,10000
	CPU_TASKS=16 CPU_N=200000000 CPU_WORKERS=1,2,4,8
	CPU_N_python=4000000 CPU_N_node=4000000
	SLEEPERS_N=1000000 SLEEPERS_MS=1000
	SERVE_C=10,100,1000,3000,10000 SERVE_SECONDS=5 SERVE_MS=100 SERVE_TIMEOUT_S=5
	SERVE_MIXED_C=100 SERVE_CPU_N=70000000
	;;
*)
	echo "bench: PROFILE: unknown profile '$PROFILE' (accepted: smoke|quick|full)" >&2
	exit 2
	;;
esac
