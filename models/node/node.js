'use strict';
// node - Node.js: one thread running a libuv event loop; a task is a
// promise, and waiting is a callback the loop calls later.
//
//   io:  Promise.all over T setTimeout promises: T timers on one loop, so
//        T waits of d take about d.
//   net: Promise.all over T requests on net sockets (net.js), each one a
//        connection the loop watches with epoll.
//   cpu: each task's loop runs to its end before the next task starts,
//        since nothing in it awaits: on the loop, tasks run one after
//        another (no speedup over seq, and the loop is frozen meanwhile).
//   --workers W: io and net, W async workers on the loop take task indices
//        from a shared counter; cpu, W worker_threads (each a V8 isolate
//        with its own loop, on its own thread) take them from a counter in
//        shared memory (cpu_worker.js), so cpu tasks run in parallel.
//
// CM_TIMELINE=FILE records each task (timeline.js).
// A worker_thread that cannot start (no thread or memory for it) is
// reported with how far the pool got ("started k of W workers"); the
// others take its tasks and finish; exit status 3.
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { parse } = require('./cli');
const { Record, request, openServer } = require('./net');
const { Run, say } = require('./report');
const { Timeline } = require('./timeline');
const { cpuTask } = require('./workload');

// Run task(i) for every i, all at once or on `workers` async workers.
async function fanOut(cli, workers, task) {
  if (!workers) {
    const all = new Array(cli.tasks);
    for (let i = 0; i < cli.tasks; i++) all[i] = task(i);
    return Promise.all(all);
  }
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cli.tasks; i = next++) await task(i);
  };
  return Promise.all(Array.from({ length: workers }, worker));
}

// A promise of value, ms from now.
const sleep = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));

// A worker_thread that could not start: out of threads or memory.
const NO_WORKER = ['ERR_WORKER_INIT_FAILED', 'ERR_WORKER_OUT_OF_MEMORY'];

// cpu on W worker_threads; resolves once every started worker has exited.
function cpuPool(cli, run, workers, tl) {
  const counter = new SharedArrayBuffer(4);
  const file = path.join(__dirname, 'cpu_worker.js');
  let failed = 0;
  const exits = [];
  for (let k = 0; k < workers; k++) {
    const w = new Worker(file, { workerData: { cli, counter, timeline: Boolean(tl.rows) } });
    w.on('message', ({ i, value, start, end, at }) => {
      tl.start(i, start, at);
      tl.end(i, end);
      run.taskDone(value);
    });
    exits.push(new Promise((resolve) => {
      w.on('error', (err) => {
        if (NO_WORKER.includes(err.code)) {
          run.short('workers', workers - ++failed, workers, err);
        } else {
          say(`${cli.model}: worker ${k}: ${err.message}`);
          run.failed = true;
        }
      });
      w.on('exit', resolve);
    }));
  }
  return Promise.all(exits);
}

async function main() {
  const cli = parse('node');
  const server = await openServer(cli);
  if (typeof server === 'number') return server;
  const workers = Math.min(cli.workers, cli.tasks);
  const run = new Run(cli, workers);
  const tl = new Timeline(cli.tasks);
  // Task i on this thread: fn(i) is its value (a cpu task's, computed
  // before anything else runs) or a promise of it; null if it failed.
  // (No async function here: a million of them would cost 400 MB more.)
  const timed = (fn) => (i) => {
    const done = (value) => {
      if (value === null) return;
      tl.end(i);
      run.taskDone(value);
    };
    tl.start(i);
    const value = fn(i);
    return value instanceof Promise ? value.then(done) : done(value);
  };
  if (cli.kind === 'cpu' && workers) {
    await cpuPool(cli, run, workers, tl);
  } else if (cli.kind === 'net') {
    run.net = new Record(cli);
    await fanOut(cli, workers, timed(async (i) => (await request(cli, run.net, i) ? 1n : null)));
  } else if (cli.kind === 'io') {
    await fanOut(cli, workers, timed(() => sleep(cli.ms, 1n)));
  } else {
    await fanOut(cli, workers, timed((i) => cpuTask(cli, i)));
  }
  run.timelineFailed = !tl.write(cli.model);
  const status = run.finish();
  if (server) await server.close();
  return status;
}

main().then((status) => { process.exitCode = status; });
