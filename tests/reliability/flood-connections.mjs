// A hostile local client for the connection-flood tests, run as its own process (so its descriptors are
// its own): opens `total` connections to a loopback TCP port or a unix socket, at most `parallel` connects
// in flight, writes `send` (e.g. half a request's headers) on each and then leaves it idle until the server
// closes it. Prints one JSON line of counts every 200 ms and a last one with "done": true; ends by itself
// after `maxMs`, or `holdMs` after the last connection opened.
//
// node flood-connections.mjs '{"port":1234}' | '{"path":"/tmp/x.sock"}' with total, parallel, send, holdMs, maxMs
import { connect } from 'node:net';

const opts = { total: 20000, parallel: 500, send: '', holdMs: 2000, maxMs: 60000, ...JSON.parse(process.argv[2]) };
const target = opts.port !== undefined ? { host: '127.0.0.1', port: opts.port } : { path: opts.path };
const started = Date.now();
const stats = { opened: 0, open: 0, maxOpen: 0, closedByServer: 0, errors: {} };
const sockets = new Set();
let inFlight = 0;
let finished = false;

function report(extra = {}) {
  process.stdout.write(JSON.stringify({ ...stats, ms: Date.now() - started, ...extra }) + '\n');
}

function attempt() {
  inFlight++;
  const socket = connect(target);
  let connected = false;
  socket.on('connect', () => {
    connected = true;
    inFlight--;
    stats.opened++;
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    sockets.add(socket);
    if (opts.send) socket.write(opts.send);
    pump();
  });
  socket.on('data', () => undefined);
  socket.on('error', (err) => {
    if (connected) return;
    stats.errors[err.code ?? err.message] = (stats.errors[err.code ?? err.message] ?? 0) + 1;
  });
  socket.on('close', () => {
    if (connected) {
      stats.open--;
      sockets.delete(socket);
      if (!finished) stats.closedByServer++;
    } else {
      inFlight--;
      // Refused for now (backlog full, out of descriptors): try again shortly.
      setTimeout(pump, 20);
    }
  });
}

function pump() {
  while (!finished && stats.opened + inFlight < opts.total && inFlight < opts.parallel) attempt();
  if (!finished && stats.opened >= opts.total && !pump.holding) {
    pump.holding = true;
    setTimeout(finish, opts.holdMs);
  }
}

function finish() {
  if (finished) return;
  finished = true;
  clearInterval(ticker);
  report({ done: true });
  for (const s of sockets) s.destroy();
  setTimeout(() => process.exit(0), 100);
}

const ticker = setInterval(() => report(), 200);
setTimeout(finish, opts.maxMs);
pump();
