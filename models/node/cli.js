'use strict';
// cli.js - the suite's command line (lib/cli.c), message for message:
//
//   node <cpu|io|net> [--tasks T] [--n N] [--ms D] [--workers W]
//        [--connect HOST:PORT] [--timeout-ms T] [--json]
//
// Numbers are ASCII digits only (no sign, no space); anything else, or a
// value out of range, gets one line on stderr naming the option, the value
// and the accepted range, and exit status 2.
const net = require('node:net');
const { writeAll } = require('./report');

const MAX_TASKS = 10000000;
const MAX_N = 2 ** 32;
const MAX_MS = 600000;
const MAX_WORKERS = 1000000;
const MAX_TIMEOUT_MS = 86400000; // a day
const ADDR_RANGE = 'HOST:PORT, HOST an IPv4 address or localhost, PORT 1..65535';
const WORKLOADS = ['cpu', 'io', 'net'];

class UsageError extends Error {}

function usage(model) {
  const lines = [
    `usage: ${model} <workload> [--tasks T] [--n N] [--ms D] [--workers W]` +
      ' [--connect HOST:PORT] [--timeout-ms T] [--json]',
    '',
    '  cpu          task i sums k*k for 0 <= k < N + i, exactly',
    '  io           task i waits D ms',
    '  net          task i asks a server over TCP, which answers after D ms',
    `  --tasks T    number of tasks, 1..${MAX_TASKS} (default: cpu 20, io and net 100)`,
    `  --n N        cpu size, 1..${MAX_N} (default 10000000)`,
    `  --ms D       io wait or net server delay in ms, 0..${MAX_MS} (default 100)`,
    `  --workers W  a pool of W workers, 1..${MAX_WORKERS} (default: one per task)`,
    '  --connect HOST:PORT',
    '               net: use the slowserver there (its --ms must equal D);',
    '               default: start a private one on 127.0.0.1',
    '  --timeout-ms T',
    '               net: give up a request with no answer after T ms,',
    `               1..${MAX_TIMEOUT_MS} (default 10 * D + 5000)`,
    '  --json       print one JSON object instead of a summary',
    '',
    'Exit status: 0 verified; 1 the run failed (a wrong result, a request that',
    'failed, was refused or got no answer in time, a report not written);',
    '2 bad usage; 3 out of a resource (threads, processes, descriptors, memory).',
  ];
  writeAll(1, lines.join('\n') + '\n');
}

// lib/cli.h's CLI_SHOWN_MAX: a value shows at most SHOWN_MAX - 8 bytes, then "...".
const SHOWN_MAX = 128;

// text as a message can show it on one line, byte for byte as lib/cli.c's
// cli_shown: control bytes escaped (\t, \n, \xNN), at most SHOWN_MAX - 8
// bytes of its UTF-8, then "...". The result holds bytes, one a character
// (the message is written as latin1).
function shown(text) {
  let out = '';
  for (const c of Buffer.from(text, 'utf8')) {
    if (out.length >= SHOWN_MAX - 8) return out + '...';
    if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out;
}

// text as ASCII decimal digits in [lo, hi], or null.
function number(text, lo, hi) {
  if (!/^[0-9]+$/.test(text)) return null;
  const v = Number(text);   // past 2^53 it is inexact, but far out of range
  return v >= lo && v <= hi ? v : null;
}

// "HOST:PORT" as net_parse_addr accepts it: {host, port}, or null.
function parseAddr(text) {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  let host = text.slice(0, colon);
  const port = number(text.slice(colon + 1), 1, 65535);
  if (host === 'localhost') host = '127.0.0.1';
  return net.isIPv4(host) && port !== null ? { host, port } : null;
}

function parseArgs(model, args) {
  const opts = {
    tasks: [1, MAX_TASKS], n: [1, MAX_N], ms: [0, MAX_MS],
    workers: [1, MAX_WORKERS], 'timeout-ms': [1, MAX_TIMEOUT_MS],
  };
  const v = { tasks: 0, n: 10000000, ms: 100, workers: 0, 'timeout-ms': 0 };
  const names = WORKLOADS.join('|');
  const bad = (text) => { throw new UsageError(`${model}: ${text}`); };
  let kind = null, json = false, connect = null, addr = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return null;
    if (arg === '--json') { json = true; continue; }
    if (!arg.startsWith('--')) {
      if (kind !== null) bad(`workload: unexpected argument '${shown(arg)}' (accepted: one of ${names})`);
      if (!WORKLOADS.includes(arg)) bad(`workload: unknown workload '${shown(arg)}' (accepted: ${names})`);
      kind = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const range = Object.hasOwn(opts, name) ? opts[name] : null;
    if (range === null && name !== 'connect') bad(`${shown('--' + name)}: unknown option (try --help)`);
    const accepted = range ? `${range[0]}..${range[1]}` : ADDR_RANGE;
    let value = eq < 0 ? null : arg.slice(eq + 1);
    if (value === null) {
      if (i + 1 === args.length) bad(`--${name}: missing value (accepted: ${accepted})`);
      value = args[++i];
    }
    if (range === null) {
      addr = parseAddr(value);
      if (addr === null) bad(`--connect: invalid value '${shown(value)}' (accepted: ${accepted})`);
      connect = value;
      continue;
    }
    const got = number(value, range[0], range[1]);
    if (got === null) bad(`--${name}: invalid value '${shown(value)}' (accepted: ${accepted})`);
    v[name] = got;
  }
  if (kind === null) bad(`workload: missing (accepted: ${names})`);
  if (connect !== null && kind !== 'net') {
    bad(`--connect: '${connect}' is for the net workload only (accepted: net)`);
  }
  if (v['timeout-ms'] && kind !== 'net') {
    bad(`--timeout-ms: '${v['timeout-ms']}' is for the net workload only (accepted: net)`);
  }
  return {
    model, kind, json, connect, addr,
    tasks: v.tasks || (kind === 'cpu' ? 20 : 100),
    n: v.n, ms: v.ms, workers: v.workers,
    timeoutMs: v['timeout-ms'] || 10 * v.ms + 5000,
  };
}

// Parse process.argv; exit 0 after --help, 2 after bad usage.
function parse(model) {
  let cli;
  try {
    cli = parseArgs(model, process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    writeAll(2, Buffer.from(err.message + '\n', 'latin1'));
    process.exit(2);
  }
  if (cli === null) {
    usage(model);
    process.exit(0);
  }
  return cli;
}

module.exports = { parse };
