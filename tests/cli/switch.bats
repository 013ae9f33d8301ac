#!/usr/bin/env bats
# bench/lat_switch's outside reference, Boost.Context's fcontext, beside the
# runtime's own switch.

load common

# The user-space switch rows of one lat_switch run (--only MECH), in $rows.
only() {
	run --separate-stderr "$BUILD/bench/lat_switch" --scale smoke --only "$1"
	[ "$status" -eq 0 ] || { echo "status $status: $stderr"; return 1; }
	rows=$(printf '%s\n' "$output" | tail -n +2)
}

# one_row MECH: lat_switch --only MECH gives one row MECH,none, per switch, positive.
one_row() {
	only "$1"
	[ "$(printf '%s\n' "$rows" | cut -d, -f1,2)" = "$1,none" ] || { echo "$1: rows '$rows'"; return 1; }
	assert_between 0.1 "$(printf '%s\n' "$rows" | cut -d, -f4)" 100000
}

@test "lat_switch: a boost_fcontext row where the build found Boost.Context, a note otherwise" {
	only boost_fcontext
	if nm "$BUILD/bench/lat_switch" | grep -q ' T jump_fcontext$'; then
		[ "$(printf '%s\n' "$rows" | wc -l)" -eq 1 ]
		[ "$(printf '%s\n' "$rows" | cut -d, -f1,2)" = "boost_fcontext,none" ]
		median=$(printf '%s\n' "$rows" | cut -d, -f4)
		assert_between 0.1 "$median" 100000
	else
		[ -z "$rows" ]
		[[ "$stderr" == *"boost_fcontext: not measured"* ]]
	fi
}

@test "lat_switch: the build links Boost.Context where its archive is installed" {
	[ "$(uname -m)" = x86_64 ] || skip "the archive is looked for for this machine's compiler"
	[ "$FLAVOUR" != aarch64 ] || skip "cross build"
	ls /usr/lib/x86_64-linux-gnu/libboost_context.a >/dev/null 2>&1 || skip "no libboost-context-dev"
	nm "$BUILD/bench/lat_switch" | grep -q ' T jump_fcontext$'
}

@test "lat_switch: co_switch and bare_jmp rows, per switch, positive" {
	[ "$(uname -m)" = x86_64 ] || skip "bare_jmp is x86-64 only"
	one_row coro
	one_row bare_jmp
}

@test "lat_switch: co_switch held to each of its MXCSR paths, a row each" {
	[ "$(uname -m)" = x86_64 ] || skip "the two paths are x86-64's"
	one_row coro_compare
	one_row coro_load
}

@test "lat_switch: a bare_jmp_fpu row (the FPU words on the bare switch), per switch, positive" {
	[ "$(uname -m)" = x86_64 ] || skip "bare_jmp_fpu is x86-64 only"
	one_row bare_jmp_fpu
}
