#!/bin/sh
# bench.sh - a plain comparison of the models until the hyperfine harness lands:
# each model runs the cpu and io workloads once and prints its summary.
set -eu
cd "$(dirname "$0")/.."
make -s
for workload in cpu io; do
	for model in seq threads procs; do
		build/$model $workload
	done
done
