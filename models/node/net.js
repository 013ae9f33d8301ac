'use strict';
// net.js - the net workload's client and server (protocol in lib/net.h):
//
//   client -> server   GET /sleep?ms=<d>&task=<i>, Connection: close (lib/http.h)
//   server             waits d ms
//   server -> client   200, body "done <i> <d>\n", then closes the connection
//
// A request reads to end of file and accepts only exactly the answer it
// expects. Each has a deadline (--timeout-ms, default 10*d + 5000 ms), one
// timer from the start of the connect to the end of the answer: a server
// that never accepts, never answers or never closes costs a run at most
// that long, and requests that start after a first expiry give up at once.
// Failures are not printed where they happen: the Record keeps the first
// and counts them all, and the run prints one line at the end, as
// lib/net.c does. Without --connect the model starts a private build/slowserver
// on a free port (CM_SLOWSERVER, set by the build/node wrapper) and kills
// and reaps it at the end. Node cannot ask for a parent-death signal, so
// the server is started through setpriv --pdeathsig KILL; should this
// process die before setpriv has asked, the server dies of SIGPIPE when
// it prints its address to this process's closed pipe.
const { spawn } = require('node:child_process');
const net = require('node:net');
const { say, errText } = require('./report');

const ANSWER_MAX = 1024; // an answer, head and body

// Is the answer a 200 whose body is exactly `want` (and its Content-Length, if given)?
function answerOk(got, want) {
  const text = got.toString('latin1');
  const sep = text.indexOf('\r\n\r\n');
  if (sep < 0 || !/^HTTP\/1\.[01] 200 /.test(text)) return false;
  const body = text.slice(sep + 4);
  const len = /\r\ncontent-length:[ \t]*([0-9]+)\r\n/i.exec(text.slice(0, sep + 2));
  return body === want && (len === null || Number(len[1]) === body.length);
}
const EXHAUSTED = ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL'];

// The run's requests: the first failure, how many failed and completed,
// and whether one ran out of time.
class Record {
  constructor(cli) {
    this.cli = cli;
    this.first = null;
    this.failed = 0;
    this.completed = 0;
    this.givenUp = false;
  }

  fail(call, task, err) {
    this.failed++;
    if (err.code === 'ETIMEDOUT') this.givenUp = true;
    if (this.first === null) this.first = { call, task, err };
  }

  // Print the first failure, if any, with the count; the exit status:
  // 0 none failed, 3 out of a resource, else 1.
  finish() {
    const c = this.cli, f = this.first;
    if (f === null) return 0;
    if (f.err.code === 'ETIMEDOUT') {
      say(`${c.model}: request ${f.task}: no answer within ${c.timeoutMs / 1000} s ` +
        `(${this.completed} of ${c.tasks} completed)`);
      return 1;
    }
    say(`${c.model}: net: task ${f.task}: ${f.call} ${c.addr.host}:${c.addr.port}: ` +
      `${errText(f.err)} (${this.failed} of ${c.tasks} requests failed)`);
    return EXHAUSTED.includes(f.err.code) ? 3 : 1;
  }
}

const TIMED_OUT = { code: 'ETIMEDOUT' };
const WRONG = { code: 'EPROTO' };

// Task i's request, recorded in rec: resolves to true if answered right.
function request(cli, rec, i) {
  if (rec.givenUp) {
    rec.fail('connect', i, TIMED_OUT);
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: cli.addr.host, port: cli.addr.port });
    let got = Buffer.alloc(0), call = 'connect', error = null;
    const end = (err) => {
      if (error === null) error = err;
      sock.destroy();
    };
    const timer = setTimeout(() => end(TIMED_OUT), cli.timeoutMs);
    sock.on('connect', () => {
      call = 'send';
      sock.write(`GET /sleep?ms=${cli.ms}&task=${i} HTTP/1.1\r\nHost: localhost\r\n` +
        'Connection: close\r\n\r\n', () => { call = 'read'; });
    });
    sock.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= ANSWER_MAX) end(WRONG);
    });
    sock.on('end', () => end(answerOk(got, `done ${i} ${cli.ms}\n`) ? false : WRONG));
    sock.on('error', (err) => end(err));
    sock.on('close', () => {
      clearTimeout(timer);
      if (error === false) {
        rec.completed++;
        return resolve(true);
      }
      rec.fail(error === WRONG ? 'answer' : call, i,
        error || { code: 'ECONNRESET' });
      resolve(false);
    });
  });
}

// Does the --connect server accept? Resolves to null or the error (reported).
function probe(cli) {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: cli.addr.host, port: cli.addr.port });
    let error = null;
    const timer = setTimeout(() => sock.destroy(Object.assign(new Error('Connection timed out'),
      { code: 'ETIMEDOUT' })), cli.timeoutMs);
    sock.on('connect', () => sock.destroy());
    sock.on('error', (err) => {
      error = err;
      say(`${cli.model}: net: connect ${cli.addr.host}:${cli.addr.port}: ${errText(err)}`);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

// The private server: resolves to { child } with cli.addr set, or null (reported).
function startServer(cli) {
  const path = process.env.CM_SLOWSERVER || 'build/slowserver';
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', path, '--port', '0',
      '--ms', String(cli.ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let line = '';
    const fail = (why) => {
      say(`${cli.model}: starting ${path}: ${why}`);
      child.kill('SIGKILL');
      resolve(null);
    };
    child.on('error', (err) => fail(errText(err)));
    child.stdout.on('data', (chunk) => {
      line += chunk.toString('latin1');
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      // "slowserver: listening on 127.0.0.1:PORT ms D"
      const m = /^slowserver: listening on ([0-9.]+):([0-9]+) /.exec(line.slice(0, nl));
      child.stdout.destroy();
      if (!m) return fail('it did not start');
      cli.addr = { host: m[1], port: Number(m[2]) };
      resolve(new Server(child));
    });
    child.stdout.on('end', () => { if (cli.addr === null) fail('it did not start'); });
  });
}

class Server {
  constructor(child) {
    this.child = child;
  }

  // Kill and reap the server.
  close() {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.on('exit', resolve);
      this.child.kill('SIGKILL');
    });
  }
}

// The run's server: null for cpu and io or with --connect, a Server, or
// a number (the exit status after a failure, already reported).
async function openServer(cli) {
  if (cli.kind !== 'net') return null;
  if (cli.connect) {
    const err = await probe(cli);
    if (err) return EXHAUSTED.includes(err.code) ? 3 : 1;
    return null;
  }
  const server = await startServer(cli);
  return server || 3;
}

module.exports = { Record, request, openServer };
