#!/usr/bin/env bats
# Bad input: one line on stderr naming the option, the value and the accepted
# range; exit status 2; nothing run.

load common

# bad_input MODEL EXPECTED-TEXT ARGS...: bad_usage on build/MODEL.
bad_input() {
	local model=$1
	shift
	bad_usage "$BUILD/$model" "$@"
}

@test "zero tasks" { bad_input seq "--tasks: invalid value '0' (accepted: 1..10000000)" cpu --tasks 0; }
@test "negative tasks" { bad_input threads "--tasks: invalid value '-3'" cpu --tasks -3; }
@test "tasks not a number" { bad_input procs "--tasks: invalid value 'abc'" io --tasks abc; }
@test "tasks with trailing junk" { bad_input seq "--tasks: invalid value '12x'" io --tasks 12x; }
@test "tasks overflowing" { bad_input threads "--tasks: invalid value '99999999999999999999'" cpu --tasks 99999999999999999999; }
@test "tasks above the range" { bad_input procs "(accepted: 1..10000000)" cpu --tasks 10000001; }
@test "empty tasks" { bad_input seq "--tasks: invalid value ''" cpu --tasks=; }
@test "zero n" { bad_input seq "--n: invalid value '0' (accepted: 1..4294967296)" cpu --n 0; }
@test "n above 2^32" { bad_input threads "--n: invalid value '4294967297'" cpu --n 4294967297; }
@test "negative ms" { bad_input procs "--ms: invalid value '-1' (accepted: 0..600000)" io --ms -1; }
@test "ms a decimal" { bad_input seq "--ms: invalid value '1.5'" io --ms 1.5; }
@test "zero workers" { bad_input threads "--workers: invalid value '0' (accepted: 1..1000000)" cpu --workers 0; }
@test "workers not a number" { bad_input procs "--workers: invalid value 'two'" cpu --workers two; }
@test "missing value" { bad_input threads "--tasks: missing value (accepted: 1..10000000)" cpu --tasks; }
@test "tasks after a tab, shown escaped" { bad_input seq "--tasks: invalid value '\\t3'" cpu --tasks $'\t3'; }
@test "tasks after a newline, on one line" { bad_input threads "--tasks: invalid value '\\n3'" cpu --tasks $'\n3'; }
@test "minus zero ms" { bad_input procs "--ms: invalid value '-0'" io --ms -0; }
@test "plus tasks" { bad_input seq "--tasks: invalid value '+3'" cpu --tasks +3; }
@test "timeout-ms zero" { bad_input seq "--timeout-ms: invalid value '0' (accepted: 1..86400000)" net --timeout-ms 0; }
@test "timeout-ms for io" { bad_input threads "--timeout-ms: '5' is for the net workload only" io --timeout-ms 5; }
@test "unknown option" { bad_input seq "--fast: unknown option" cpu --fast; }
@test "unknown workload" { bad_input procs "unknown workload 'gpu'" gpu; }
@test "missing workload" { bad_input threads "workload: missing" --tasks 3; }
@test "two workloads" { bad_input seq "unexpected argument 'io'" cpu io; }

@test "a rejected command runs nothing: no time spent" {
	timed_run "$BUILD/seq" io --tasks 50 --ms 1000 --workers 0
	[ "$status" -eq 2 ]
	[ "$(echo "$elapsed < 1" | bc)" = 1 ]
}
