'use strict';
// cpu_worker.js - one worker_thread of `node cpu --workers W`: take task
// indices from the counter shared with every worker (Atomics.add on a
// SharedArrayBuffer) until none are left, posting each task's sum, with
// when and where it ran when a timeline is asked for.
const { parentPort, workerData } = require('node:worker_threads');
const { where } = require('./timeline');
const { cpuTask } = require('./workload');

const { cli, counter, timeline } = workerData;
const next = new Int32Array(counter);
for (let i = Atomics.add(next, 0, 1); i < cli.tasks; i = Atomics.add(next, 0, 1)) {
  const at = timeline ? where() : null;
  const start = process.hrtime.bigint();
  const value = cpuTask(cli, i);
  parentPort.postMessage({ i, value, start, end: process.hrtime.bigint(), at });
}
