'use strict';
// workload.js - the cpu and io tasks (lib/workload.c) and the totals.
//
// A Number is exact only below 2^53 and k*k passes 2^64, while a BigInt
// in the loop costs tens of ns per step. So the loop works in Numbers on
// limbs that stay exact: write k = h*65536 + l (0 <= l < 65536); within a
// block of one h the loop sums l*l (below 2^48) and l (below 2^32), one
// multiply and two adds per k, and each block is added into a BigInt:
//   sum k^2 = count*h^2*2^32 + 2*h*(sum l)*2^16 + sum l^2.
// It is a real loop over every k: its time grows with n (the cpu test
// times n against 2n). The expected total is the closed formula
// n(n-1)(2n-1)/6 in BigInt, an independent computation.

// Sum of k*k for lo <= k < hi (Numbers below 2^53), exactly, as a BigInt.
function sumSquaresRange(lo, hi) {
  let total = 0n;
  for (let k = lo; k < hi;) {
    const h = Math.floor(k / 65536);
    const end = Math.min(hi, (h + 1) * 65536);
    const first = k - h * 65536, last = end - h * 65536;
    let squares = 0, sum = 0;
    for (let l = first; l < last; l++) {
      squares += l * l;
      sum += l;
    }
    const H = BigInt(h);
    total += ((BigInt(last - first) * H * H) << 32n) + ((H * BigInt(sum)) << 17n) +
      BigInt(squares);
    k = end;
  }
  return total;
}

function sumSquaresFormula(n) {
  const b = BigInt(n);
  return (b * (b - 1n) * (2n * b - 1n)) / 6n;
}

// Task i's cpu value.
function cpuTask(cli, i) {
  return sumSquaresRange(0, cli.n + i);
}

// What the task values must add up to.
function expectedTotal(cli) {
  if (cli.kind !== 'cpu') return BigInt(cli.tasks);
  let total = 0n;
  for (let i = 0; i < cli.tasks; i++) total += sumSquaresFormula(cli.n + i);
  return total;
}

module.exports = { sumSquaresRange, cpuTask, expectedTotal };
