// servers/node - Node's own http module as a server model: every connection
// on the one event loop, a /sleep a timer, a /cpu computed on the loop
// (models/node/workload.js's real loop), so, as on servers/coro, every other
// connection waits while it runs.
//
//   build/servers/node [--port P] [--host A] [--ms D] [--idle-ms L]
//
// The HTTP subset of lib/http.h, parsed by Node's http module: a malformed
// request or a head past 2048 bytes gets Node's own 400; a bad /sleep or /cpu
// query gets a 400 and the connection closed. Node does not cap the request
// line on its own (the 48 bytes of the C servers). Prints
// "node: listening on A:P"; at SIGTERM or SIGINT, the counters as one JSON
// line (held_peak, served, refused), exit 0.
'use strict';
const http = require('http');
const net = require('net');
const { sumSquaresRange } = require('../../models/node/workload.js');

const LIMITS = { ms: 600000, task: 10000000, n: 2 ** 32 };
const PARAMS = { '/sleep': ['ms', 'task'], '/cpu': ['n', 'task'] };

function fail(option, value, accepted) {
  const what = value === undefined ? 'missing value' : `invalid value '${value}'`;
  process.stderr.write(`node: --${option}: ${what} (accepted: ${accepted})\n`);
  process.exit(2);
}

// ASCII digits only, within [lo, hi].
function number(option, text, lo, hi) {
  if (text === undefined || !/^[0-9]{1,20}$/.test(text) || Number(text) < lo || Number(text) > hi)
    fail(option, text, `${lo}..${hi}`);
  return Number(text);
}

function parse(argv) {
  const o = { port: 7000, host: '127.0.0.1', ms: 100, idleMs: 10000 };
  for (let i = 0; i < argv.length; i += 2) {
    const opt = argv[i], val = argv[i + 1];
    if (opt === '--port') o.port = number('port', val, 0, 65535);
    else if (opt === '--ms') o.ms = number('ms', val, 0, 600000);
    else if (opt === '--idle-ms') o.idleMs = number('idle-ms', val, 1, 86400000);
    else if (opt === '--host') {
      if (val === undefined || !net.isIPv4(val)) fail('host', val, 'an IPv4 address');
      o.host = val;
    } else {
      process.stderr.write(`node: ${opt}: unknown option (accepted: --port, --host, --ms, --idle-ms)\n`);
      process.exit(2);
    }
  }
  return o;
}

// The query of a known path as {key: number}, or null for a 400.
function query(path, search) {
  const out = {};
  for (const kv of search ? search.split('&') : []) {
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq), value = kv.slice(eq + 1);
    if (eq < 0 || !PARAMS[path].includes(key) || !/^[0-9]{1,20}$/.test(value) ||
        Number(value) > LIMITS[key])
      return null;
    out[key] = Number(value);
  }
  return out;
}

const o = parse(process.argv.slice(2));
const count = { held: 0, held_peak: 0, served: 0, refused: 0 };

function answer(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer({ maxHeaderSize: 2048 }, (req, res) => {
  const [path, search] = req.url.split('?', 2);
  if (req.method !== 'GET' || !(path in PARAMS)) {
    if (req.method !== 'GET') {
      count.refused++;
      res.shouldKeepAlive = false;
      return answer(res, 400, 'bad request\n');
    }
    return answer(res, 404, 'not found: try /sleep?ms=D or /cpu?n=N\n');
  }
  const q = query(path, search);
  if (q === null) {
    count.refused++;
    res.shouldKeepAlive = false;
    return answer(res, 400, 'bad request\n');
  }
  const done = (body) => { count.served++; answer(res, 200, body); };
  if (path === '/cpu') return done(`${sumSquaresRange(0, q.n ?? 0)}\n`);
  const ms = q.ms ?? o.ms;
  setTimeout(() => done(`done ${q.task ?? 0} ${ms}\n`), ms);
});
server.keepAliveTimeout = o.idleMs;
server.headersTimeout = o.idleMs;
server.on('connection', (sock) => {
  count.held_peak = Math.max(count.held_peak, ++count.held);
  sock.on('close', () => count.held--);
});
// A request Node's parser refused (HPE_*) is a 400; a reset or a timeout
// of the socket is the client's going, not a refusal.
server.on('clientError', (err, sock) => {
  if (String(err.code).startsWith('HPE_')) {
    count.refused++;
    if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  } else {
    sock.destroy();
  }
});
server.listen(o.port, o.host, 65535, () => {
  const a = server.address();
  process.stdout.write(`node: listening on ${a.address}:${a.port}\n`);
});
server.on('error', (err) => {
  process.stderr.write(`node: listen on ${o.host}:${o.port}: ${err.message}\n`);
  process.exit(3);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    const { held_peak, served, refused } = count;
    process.stdout.write(JSON.stringify({ server: 'node', held_peak, served, refused }) + '\n',
      () => process.exit(0));
  });
}
