'use strict';
// report.js - timing, verification, the report and the exit status
// (lib/run.c): the same JSON keys in the same order, the same summary line.
//
// user_s, sys_s, max_rss_kb and the context switches are this process's
// (process.resourceUsage: every thread, worker_threads included). Node
// reads no RUSAGE_CHILDREN; its one child, the private server, is reaped
// only after the report in every model, so it would add nothing.
// Exit status: 0 verified, 1 the run failed, 3 out of a resource.
const fs = require('node:fs');
const os = require('node:os');
const { expectedTotal } = require('./workload');

// Descriptors open now, less the one reading the directory holds.
function openFds() {
  return fs.readdirSync('/proc/self/fd').length - 1;
}

// Write text to descriptor fd whole; null, or the error that stopped it.
// (A pipe may be non-blocking: EAGAIN is waited out.)
function writeAll(fd, text) {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs.writeSync(fd, buf));
    } catch (err) {
      if (err.code !== 'EAGAIN') return err;
    }
  }
  return null;
}

function say(text) {
  writeAll(2, text + '\n');
}

class Run {
  constructor(cli, workers) {
    this.cli = cli;
    this.workers = workers;
    this.total = 0n;
    this.done = 0;
    this.failed = false;    // a worker_thread failed
    this.shortfall = '';    // set when the model ran out of a resource
    this.net = null;        // net: the requests' Record
    this.timelineFailed = false;   // asked for and not written: the run fails
    this.fdsAtStart = openFds();
    this.start = process.hrtime.bigint();
  }

  taskDone(value) {
    this.total += value;
    this.done++;
  }

  // Starting `what` stopped at started of wanted because of err.
  short(what, started, wanted, err) {
    this.shortfall = `${this.cli.model}: started ${started} of ${wanted} ${what}: ${errText(err)}`;
  }

  json(wall, ok) {
    const u = process.resourceUsage();
    const c = this.cli;
    const fix = (x) => x.toFixed(6);
    return `{"model":"${c.model}","workload":"${c.kind}","tasks":${c.tasks},` +
      `"workers":${this.workers},"n":${c.n},"ms":${c.ms},"cpus":${cpus()},` +
      `"wall_s":${fix(wall)},"user_s":${fix(u.userCPUTime / 1e6)},` +
      `"sys_s":${fix(u.systemCPUTime / 1e6)},"max_rss_kb":${u.maxRSS},` +
      `"ctx_voluntary":${u.voluntaryContextSwitches},` +
      `"ctx_involuntary":${u.involuntaryContextSwitches},"completed":${this.done},` +
      `"result":"${this.total}","ok":${ok},"leaked_fds":${openFds() - this.fdsAtStart}}`;
  }

  // Verify the total, print the report, return the exit status.
  finish() {
    const wall = Number(process.hrtime.bigint() - this.start) / 1e9;
    const c = this.cli, want = expectedTotal(c);
    let ok = this.done === c.tasks && !this.failed && this.total === want;
    // One line on stderr says why a run failed: what ran short, the first
    // failed request (with the count), or the totals.
    let status = 0;
    if (this.shortfall) {
      say(this.shortfall);
      status = 3;
    } else if (this.net) {
      status = this.net.finish();
    }
    if (!ok && status === 0) {
      say(`${c.model}: result ${this.total} from ${this.done} of ${c.tasks} tasks, expected ${want}`);
      status = 1;
    }
    ok = ok && status === 0;
    if (this.timelineFailed && status === 0) status = 1;
    const pool = this.workers ? ` on ${this.workers} workers` : '';
    const out = c.json ? this.json(wall, ok)
      : `${c.model} ${c.kind}: ${c.tasks} tasks${pool}, ${wall.toFixed(3)} s, ` +
        `result ${this.total}, ${ok ? 'ok' : 'NOT OK'}`;
    const err = writeAll(1, out + '\n');
    if (err) {
      say(`${c.model}: writing the report: ${errText(err)}`);
      return status || 1;
    }
    return status;
  }
}

function cpus() {
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
}

// err as C's strerror words it: "Too many open files", "Connection refused".
const STRERROR = {
  EMFILE: 'Too many open files', ENFILE: 'Too many open files in system',
  ENOBUFS: 'No buffer space available', ENOMEM: 'Cannot allocate memory',
  EADDRNOTAVAIL: 'Cannot assign requested address', ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer', EPIPE: 'Broken pipe', EPROTO: 'Protocol error',
  ENOSPC: 'No space left on device', EAGAIN: 'Resource temporarily unavailable',
  ENETUNREACH: 'Network is unreachable', EHOSTUNREACH: 'No route to host',
  ETIMEDOUT: 'Connection timed out', ENOENT: 'No such file or directory',
  EACCES: 'Permission denied', EISDIR: 'Is a directory', EROFS: 'Read-only file system',
};
function errText(err) {
  return STRERROR[err.code] || err.message;
}

module.exports = { Run, say, errText, writeAll };
