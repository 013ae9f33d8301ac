'use strict';
// net.js - the net workload's client and server (protocol in lib/net.h):
//
//   client -> server   "task <i>\n"
//   server             waits d ms
//   server -> client   "done <i> <d>\n", then closes the connection
//
// A request reads to end of file and accepts only exactly the answer it
// expects. Each has a deadline (--timeout-ms, default 10*d + 5000 ms), one
// timer from the start of the connect to the end of the answer: a server
// that never accepts, never answers or never closes costs a run at most
// that long. Without --connect the model starts a private build/slowserver
// on a free port (CM_SLOWSERVER, set by the build/node wrapper) and kills
// and reaps it at the end. Node cannot ask for a parent-death signal, so
// the server is started through setpriv --pdeathsig KILL; should this
// process die before setpriv has asked, the server dies of SIGPIPE when
// it prints its address to this process's closed pipe.
const { spawn } = require('node:child_process');
const net = require('node:net');
const { say, errText } = require('./report');

const LINE_MAX = 48;
const EXHAUSTED = ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL'];

let reported = false;

// Print the first failed call of the process; the rest are silent.
function report(cli, call, task, err) {
  if (reported) return;
  reported = true;
  const who = task >= 0 ? `task ${task}: ` : '';
  say(`${cli.model}: net: ${who}${call} ${cli.addr.host}:${cli.addr.port}: ${errText(err)}`);
}

// Task i's request. Resolves to 'ok', 'late' (no answer by the deadline),
// 'exhausted' (with err: out of a resource) or 'failed' (reported).
function request(cli, i) {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: cli.addr.host, port: cli.addr.port });
    let got = Buffer.alloc(0), call = 'connect', outcome = null, error = null;
    const end = (what, err) => {
      if (outcome === null) {
        outcome = what;
        error = err;
      }
      sock.destroy();
    };
    const timer = setTimeout(() => end('late'), cli.timeoutMs);
    sock.on('connect', () => {
      call = 'send';
      sock.write(`task ${i}\n`, () => { call = 'read'; });
    });
    sock.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= LINE_MAX) end('wrong');
    });
    sock.on('end', () => end(got.toString('latin1') === `done ${i} ${cli.ms}\n` ? 'ok' : 'wrong'));
    sock.on('error', (err) => end(EXHAUSTED.includes(err.code) ? 'exhausted' : 'failed', err));
    sock.on('close', () => {
      clearTimeout(timer);
      if (outcome === 'wrong') {
        report(cli, "answer (does the server's --ms match?)", i, { code: 'EPROTO' });
        outcome = 'failed';
      } else if (outcome === 'failed') {
        report(cli, call, i, error);
      }
      resolve({ outcome: outcome || 'failed', error });
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
      report(cli, 'connect', -1, err);
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

module.exports = { request, openServer };
