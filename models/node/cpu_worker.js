'use strict';
// cpu_worker.js - one worker_thread of `node cpu --workers W`: take task
// indices from the counter shared with every worker (Atomics.add on a
// SharedArrayBuffer) until none are left, posting each task's sum.
const { parentPort, workerData } = require('node:worker_threads');
const { cpuTask } = require('./workload');

const { cli, counter } = workerData;
const next = new Int32Array(counter);
for (let i = Atomics.add(next, 0, 1); i < cli.tasks; i = Atomics.add(next, 0, 1)) {
  parentPort.postMessage({ i, value: cpuTask(cli, i) });
}
