package main

// workload.go - the cpu and io tasks (lib/workload.c) and the totals.
//
// Go has no 128-bit integer, so a cpu sum is two uint64 limbs: math/bits
// adds with carry (and multiplies to 128 bits once k*k no longer fits in
// 64), which the compiler turns into the same add/adc pair as C's
// unsigned __int128. Go's compiler does not replace the loop by a closed
// formula (the cpu test times n against 2n to make sure). The expected
// total comes from the closed formula n(n-1)(2n-1)/6 in math/big, an
// independent computation.

import (
	"math/big"
	"math/bits"
	"time"
)

type u128 struct{ hi, lo uint64 }

func (a u128) add(b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	return u128{a.hi + b.hi + carry, lo}
}

func (a u128) big() *big.Int {
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64)
	return v.Add(v, new(big.Int).SetUint64(a.lo))
}

// sumSquaresRange is the sum of k*k for lo <= k < hi, by a real loop.
//
//go:noinline
func sumSquaresRange(lo, hi uint64) u128 {
	const small = 1 << 32 // below it k*k fits in 64 bits
	var s u128
	var carry uint64
	k := lo
	for ; k < hi && k < small; k++ {
		s.lo, carry = bits.Add64(s.lo, k*k, 0)
		s.hi += carry
	}
	for ; k < hi; k++ {
		h, l := bits.Mul64(k, k)
		s.lo, carry = bits.Add64(s.lo, l, 0)
		s.hi += h + carry
	}
	return s
}

// sumSquaresFormula is n(n-1)(2n-1)/6.
func sumSquaresFormula(n uint64) *big.Int {
	a := new(big.Int).SetUint64(n)
	b := new(big.Int).Sub(a, big.NewInt(1))
	c := new(big.Int).Add(a, b)
	a.Mul(a, b).Mul(a, c)
	return a.Quo(a, big.NewInt(6))
}

// runTask is task i's value for cpu (its sum) and io (1 once it has waited).
func runTask(c *cli, i int64) u128 {
	if c.kind == "cpu" {
		return sumSquaresRange(0, c.n+uint64(i))
	}
	time.Sleep(time.Duration(c.ms) * time.Millisecond)
	return u128{0, 1}
}

// expectedTotal is what the task values must add up to.
func expectedTotal(c *cli) *big.Int {
	if c.kind != "cpu" {
		return big.NewInt(c.tasks)
	}
	total := new(big.Int)
	for i := int64(0); i < c.tasks; i++ {
		total.Add(total, sumSquaresFormula(c.n+uint64(i)))
	}
	return total
}
