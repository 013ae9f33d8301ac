#!/bin/sh
# machine.sh - describe the machine a benchmark run measures, as JSON.
#
#   sh scripts/machine.sh PROFILE BUILD > machine.json
#
# Everything that changes the figures goes in: the CPU, the cores this
# process may use (its affinity: the harness pins nothing itself, the
# microbenchmarks pin their own threads and say so in their rows), the kernel,
# the compiler with its version and flags, the resource limits the fan-out
# suites meet (pid_max, vm.max_map_count, threads-max, open files), whether
# perf counters work, the tool versions, the source commit and the load
# average at the start (other work on the machine makes timings noisy). The harness
# adds "complete", "started_utc" and "finished_utc" around this.
set -eu
cd "$(dirname "$0")/.."
profile=$1
build=$2

# read_or FILE DEFAULT: the first line of FILE, or DEFAULT when unreadable.
read_or() {
	head -n 1 "$1" 2>/dev/null || echo "$2"
}

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$cpu_model" ] || cpu_model=$(uname -m)
flags=$(make -s --no-print-directory BUILD="$build" flags)
cc=${flags%% *}
compiler=$($cc --version 2>/dev/null | head -n 1)
# perf counters work when perf can count cycles ("<not supported>" in VMs).
perf_counters=false
if command -v perf >/dev/null 2>&1 &&
	perf stat -x, -e cycles true 2>&1 | grep -q '^[0-9]'; then
	perf_counters=true
fi
# version CMD...: the first line CMD prints, or "none" when it cannot run.
version() {
	"$@" 2>/dev/null | head -n 1 | grep . || echo none
}
# The mode in use is the bracketed word of "always [madvise] never".
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes)"
fi

jq -n \
	--arg profile "$profile" \
	--arg host "$(hostname)" \
	--arg cpu_model "$cpu_model" \
	--argjson cpus_online "$(getconf _NPROCESSORS_ONLN)" \
	--argjson cpus_usable "$(nproc)" \
	--arg affinity "$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)" \
	--arg kernel "$(uname -sr)" \
	--arg arch "$(uname -m)" \
	--arg compiler "$compiler" \
	--arg cflags "$flags" \
	--argjson mem_kb "$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)" \
	--argjson pid_max "$(read_or /proc/sys/kernel/pid_max 0)" \
	--argjson threads_max "$(read_or /proc/sys/kernel/threads-max 0)" \
	--argjson max_map_count "$(read_or /proc/sys/vm/max_map_count 0)" \
	--arg open_files_soft "$(ulimit -Sn)" \
	--arg open_files_hard "$(ulimit -Hn)" \
	--argjson perf_counters "$perf_counters" \
	--arg perf_event_paranoid "$(read_or /proc/sys/kernel/perf_event_paranoid unknown)" \
	--arg hyperfine "$(version hyperfine --version)" \
	--arg gnuplot "$(version gnuplot --version)" \
	--arg go "$(version go env GOVERSION)" \
	--arg node "$(version node --version)" \
	--arg libuv "$(version pkg-config --modversion libuv)" \
	--arg thp "${thp:-unknown}" \
	--arg commit "$commit" \
	--arg loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" \
	'{profile: $profile, host: $host, cpu_model: $cpu_model,
	  cpus_online: $cpus_online, cpus_usable: $cpus_usable, affinity: $affinity,
	  pinning: "none by the harness; lat_switch pins per row (placement column)",
	  kernel: $kernel, arch: $arch, compiler: $compiler, cflags: $cflags,
	  mem_kb: $mem_kb, pid_max: $pid_max, threads_max: $threads_max,
	  max_map_count: $max_map_count,
	  open_files: {soft: $open_files_soft, hard: $open_files_hard},
	  perf_counters: $perf_counters, perf_event_paranoid: $perf_event_paranoid,
	  transparent_hugepage: $thp,
	  tools: {hyperfine: $hyperfine, gnuplot: $gnuplot, go: $go, node: $node, libuv: $libuv},
	  commit: $commit,
	  loadavg_at_start: $loadavg}'
