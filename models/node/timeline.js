'use strict';
// timeline.js - CM_TIMELINE=FILE, as lib/timeline.c does it: each task's
// start and end (seconds since the run began), the kernel thread that ran
// it and the CPU it started on, written as
//
//   task,start_s,end_s,worker,cpu
//
// one row per task that finished, in task order. Node names neither, so
// both are read from /proc/thread-self (its link names the thread; field 39
// of its stat the CPU it last ran on): a few microseconds a task, paid
// only when a timeline is asked for. worker_threads read their own and send
// them with their results (cpu_worker.js); process.hrtime is one clock for
// every thread.
const fs = require('node:fs');
const { say, errText } = require('./report');

// { worker, cpu } of the calling thread.
function where() {
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  const stat = fs.readFileSync('/proc/thread-self/stat', 'latin1');
  const cpu = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  return { worker: tid, cpu };
}

class Timeline {
  constructor(tasks) {
    this.path = process.env.CM_TIMELINE || null;
    this.rows = this.path ? new Array(tasks) : null;
    this.t0 = process.hrtime.bigint();
  }

  // Task i started at `start` (hrtime ns) on the thread `at` ({ worker, cpu }).
  start(i, start = process.hrtime.bigint(), at = this.rows && where()) {
    if (this.rows) this.rows[i] = { start, end: 0n, ...at };
  }

  end(i, end = process.hrtime.bigint()) {
    if (this.rows) this.rows[i].end = end;
  }

  // Write the CSV; false (after saying why) if it could not be written.
  write(model) {
    if (!this.rows) return true;
    const s = (ns) => (Number(ns - this.t0) / 1e9).toFixed(6);
    let text = 'task,start_s,end_s,worker,cpu\n';
    this.rows.forEach((r, i) => {
      if (r && r.end) text += `${i},${s(r.start)},${s(r.end)},${r.worker},${r.cpu}\n`;
    });
    try {
      fs.writeFileSync(this.path, text);
      return true;
    } catch (err) {
      say(`${model}: timeline: writing ${this.path}: ${errText(err)}`);
      return false;
    }
  }
}

module.exports = { Timeline, where };
