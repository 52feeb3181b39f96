// Shared harness for the proxy's end-to-end suites: the built worker in real workerd
// (`wrangler dev`) in front of PyPI scim2-server, with a fault gate between them.
//
//   client ──▶ workerd (wrangler dev) ──▶ fault gate (this process) ──▶ scim2-server
//
// Every process is started in its own group and ended by PID (`stopAll`, and on exit).
// Needs worker/build (scripts/test-proxy.sh builds it once) and .venv (scripts/setup.sh).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WRANGLER = join(ROOT, 'worker/node_modules/.bin/wrangler');
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const q = (f) => encodeURIComponent(f);
export const patchOp = (...ops) => ({ schemas: [PATCH_URN], Operations: ops });

// ---- processes ------------------------------------------------------------------

const procs = [];

export function start(cmd, args, opts = {}) {
  const p = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  procs.push(p);
  return p;
}

export function stop(p) {
  try { process.kill(-p.pid, 'SIGTERM'); } catch { /* already gone */ }
}

export function stopAll() {
  for (const p of procs) stop(p);
}

// Also when the runner is interrupted or crashes: never leave a server behind.
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Polls `url` until it answers below 500. */
export async function waitFor(url, headers = {}, ms = 90_000) {
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(url, { headers });
      if (r.status < 500) return;
    } catch { /* not yet */ }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${url}`);
    await sleep(250);
  }
}

/** PyPI scim2-server on 127.0.0.1:`port`, requiring `Bearer token`. */
export function startScim2Server(port, token) {
  // Its request log is not read: an undrained pipe would block the server once full.
  return start(join(ROOT, '.venv/bin/scim2-server'), ['--hostname', '127.0.0.1', '--port', String(port), '--bearer-token', token],
    { stdio: ['ignore', 'ignore', 'ignore'] });
}

/**
 * PyPI scim2-server on 127.0.0.1:`port` serving each of `tenants` under `/<tenant>/v2`
 * with its own resources (`--tenant`), with the schemas and resource types of
 * worker/test/stand-ins/genesys-*.json (RFC 7643's, plus what Entra sends Genesys Cloud:
 * its user extension and `roles[].displayName`), requiring `Bearer token`.
 */
export function startAppServer(port, token, tenants) {
  const standIns = join(ROOT, 'worker/test/stand-ins');
  return start(join(ROOT, '.venv/bin/scim2-server'), [
    '--hostname', '127.0.0.1', '--port', String(port), '--bearer-token', token,
    '--schema', join(standIns, 'genesys-schemas.json'), '--resource-type', join(standIns, 'genesys-resource-types.json'),
    ...tenants.flatMap((t) => ['--tenant', t]),
  ], { stdio: ['ignore', 'ignore', 'ignore'] });
}

/** A fresh directory for the env file and the local KV state. */
export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), `scimmap-${tag}-`));
}

/**
 * Secrets through an env file: wrangler prints `--var` values, but not these.
 * `secrets` is `{ NAME: value }`; returns the file's path.
 */
export function writeEnvFile(dir, secrets) {
  const file = join(dir, '.env');
  writeFileSync(file, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(''));
  return file;
}

function run(cmd, args, what) {
  return new Promise((resolve, reject) => {
    const k = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
    let o = '';
    k.stdout.on('data', (d) => { o += d; });
    k.stderr.on('data', (d) => { o += d; });
    k.on('close', (c) => (c === 0 ? resolve(o) : reject(new Error(`${what} failed: ${o}`))));
  });
}

/** Tenants into the local KV namespace SCIMMAP_TENANTS, in one `wrangler kv bulk put`. */
export async function seedTenants(persist, tenants) {
  const file = join(dirname(persist), `tenants-${Date.now()}.json`);
  const entries = Object.entries(tenants).map(([name, cfg]) => ({ key: `tenant:${name}`, value: JSON.stringify(cfg) }));
  writeFileSync(file, JSON.stringify(entries));
  await run(WRANGLER, ['kv', 'bulk', 'put', file, '--binding', 'SCIMMAP_TENANTS', '--local', '--persist-to', persist,
    '-c', 'wrangler.nobuild.toml'], 'kv bulk put');
}

// ---- the worker and its log ----------------------------------------------------

/** The worker's request log lines (one JSON object per request) in `text`. */
export function logLines(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{"requestId"')).map((l) => JSON.parse(l));
}

/**
 * `wrangler dev` on 127.0.0.1:`port` (inspector on `port + 1`) with `config` as
 * SCIMMAP_CONFIG. The returned object collects wrangler's output: `out()` is all of it,
 * `mark()` a position in it, `lines(since)` the log lines after a mark, and
 * `waitForLine(pred, since)` waits for the first matching one (console.log is async).
 * `wranglerConfig` is the wrangler file (default wrangler.nobuild.toml).
 */
export function startWorker({ port, envFile, persist, config, wranglerConfig = 'wrangler.nobuild.toml' }) {
  let out = '';
  const w = start(WRANGLER, [
    'dev', '-c', wranglerConfig, '--ip', '127.0.0.1', '--port', String(port),
    '--env-file', envFile, '--persist-to', persist, '--var', `SCIMMAP_CONFIG:${JSON.stringify(config)}`,
    '--inspector-port', String(port + 1), '--show-interactive-dev-session=false', '--log-level', 'log',
  ], { env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' } });
  w.stdout.on('data', (d) => { out += d; });
  w.stderr.on('data', (d) => { out += d; });
  const worker = {
    process: w,
    out: () => out,
    mark: () => out.length,
    lines: (since = 0) => logLines(out.slice(since)),
    async waitForLine(pred, since = 0, ms = 5000) {
      const t0 = Date.now();
      for (;;) {
        const hit = worker.lines(since).find(pred);
        if (hit) return hit;
        if (Date.now() - t0 > ms) return undefined;
        await sleep(50);
      }
    },
  };
  return worker;
}

// ---- the fault gate ------------------------------------------------------------

function scimError(status, detail) {
  return JSON.stringify({ schemas: [ERROR_URN], status: String(status), detail });
}

function sendJson(res, status, headers, body) {
  res.writeHead(status, { 'Content-Type': 'application/scim+json', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * A pass-through on 127.0.0.1:`port` to scim2-server on `upstreamPort`. `gate.mode`
 * decides what it does with the next request:
 * - `pass`: forward;
 * - `reset`: destroy the client socket without forwarding; `500`, `garbage` (a 201 whose
 *   body is not JSON): answer without forwarding; `slow`: answer 503 after 12 s;
 * - `stall-body`: without forwarding, send a 201's headers and the start of its body, then
 *   nothing until the connection is dropped after 12 s;
 * - `429`: answer 429 with `Retry-After: 7` and a SCIM error body, without forwarding;
 * - `etag412`: answer 412 to a request carrying If-Match, forward the others;
 * - `drift`: forward, then drop `title` from a 2xx JSON body;
 * - `foreignhost`: forward, then replace the app's origin (the gate's or scim2-server's
 *   `http://127.0.0.1:<port>`) by `https://app.internal.example:8443` in the body and headers;
 * - `sent-then-reset`: forward, read the app's whole answer, then destroy the client socket;
 * - `post-then-reset`: as `sent-then-reset` for a POST, `pass` for anything else (the
 *   lookup that follows a lost create gets through).
 * - `chatwork`, `genesys`, `timeclock365`, `webex`: the app as its provisioning tutorial
 *   documents it (`APP_RULES`): what it cannot take is refused the way the app would, and
 *   recorded in `gate.refusals`; the rest is forwarded. `apps`: each of them by the first
 *   path segment (scim2-server with `--tenant chatwork` … serves `/chatwork/v2`).
 *   `gate.oauth[app] = { isLive(token), upstreamToken }` makes an app take only live
 *   access tokens from its authorization server (stand-ins/oauth-server.mjs).
 * `gate.requests` records every request received (`method`, `path`, `ifMatch`, `mode`, and
 * `at`, its arrival in ms since the epoch).
 */
export async function startGate(port, upstreamPort) {
  const origins = [`http://127.0.0.1:${port}`, `http://127.0.0.1:${upstreamPort}`];
  const gate = { mode: 'pass', requests: [], server: null };
  // scim2-server's test server is Python's threading WSGIServer: HTTP/1.0 (a connection per
  // request) and socketserver's listen backlog of 5. More connections opened at once than
  // that overflow its accept queue; Linux then drops the SYN and TCP retries after 1, 3 and
  // 7 s, so under a load test a request now and then outlives the proxy's 10 s timeout and
  // comes back 504. An app in production sits behind a listener that does not drop
  // connections; the gate models that by queueing its own requests to the app instead.
  const app = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const toApp = (req, headers = req.headers) => ({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent: app });

  // The app's answer in full, then `done(status, headers, body)`.
  const forwardBuffered = (req, res, done) => {
    const u = http.request(toApp(req), (ur) => {
      const chunks = [];
      ur.on('data', (c) => chunks.push(c));
      ur.on('end', () => done(ur.statusCode, { ...ur.headers }, Buffer.concat(chunks)));
    });
    u.on('error', () => req.socket.destroy());
    req.pipe(u);
  };
  const reply = (res, status, headers, body) => {
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    res.writeHead(status, { ...headers, 'content-length': body.length });
    res.end(body);
  };
  const modes = {
    pass: (req, res) => {
      const u = http.request(toApp(req), (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      u.on('error', () => req.socket.destroy());
      req.pipe(u);
    },
    reset: (req) => req.socket.destroy(),
    500: (req, res) => { req.resume(); res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('boom'); },
    garbage: (req, res) => { req.resume(); res.writeHead(201, { 'Content-Type': 'application/scim+json' }); res.end('<html>not scim'); },
    slow: (req, res) => { req.resume(); setTimeout(() => { if (!res.destroyed) { res.writeHead(503); res.end(); } }, 12_000); },
    'stall-body': (req, res) => {
      req.resume();
      res.writeHead(201, { 'Content-Type': 'application/scim+json', 'Content-Length': 1000 });
      res.write('{"schemas":');
      setTimeout(() => res.destroy(), 12_000);
    },
    429: (req, res) => { req.resume(); sendJson(res, 429, { 'Retry-After': '7' }, scimError(429, 'too many requests')); },
    etag412: (req, res) => {
      if (req.headers['if-match'] === undefined) { modes.pass(req, res); return; }
      req.resume();
      sendJson(res, 412, {}, scimError(412, 'the resource has changed'));
    },
    drift: (req, res) => forwardBuffered(req, res, (status, headers, body) => {
      let out = body;
      if (status >= 200 && status < 300 && body.length) {
        try {
          const j = JSON.parse(body.toString('utf8'));
          delete j.title;
          out = Buffer.from(JSON.stringify(j));
        } catch { /* not JSON: as is */ }
      }
      reply(res, status, headers, out);
    }),
    foreignhost: (req, res) => forwardBuffered(req, res, (status, headers, body) => {
      const swap = (s) => origins.reduce((acc, o) => acc.split(o).join('https://app.internal.example:8443'), s);
      for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') headers[k] = swap(v);
      reply(res, status, headers, Buffer.from(swap(body.toString('utf8'))));
    }),
    'sent-then-reset': (req, res) => forwardBuffered(req, res, () => req.socket.destroy()),
    'post-then-reset': (req, res) => (req.method === 'POST' ? modes['sent-then-reset'](req, res) : modes.pass(req, res)),
  };
  addAppModes(gate, modes, toApp);
  gate.server = http.createServer((req, res) => {
    const mode = gate.mode;
    gate.requests.push({ method: req.method, path: req.url, ifMatch: req.headers['if-match'] ?? null, mode, at: Date.now() });
    modes[mode](req, res);
  });
  // Longer than workerd keeps idle upstream connections, so a reused connection is never
  // closed under it (the keep-alive race would surface as a spurious 502).
  gate.server.keepAliveTimeout = 120_000;
  gate.setMode = (m) => {
    if (!Object.hasOwn(modes, m)) throw new Error(`unknown gate mode ${m}`);
    gate.mode = m;
  };
  /** Runs `fn` with the gate in `m`, then back to `pass` (also when `fn` throws). */
  gate.during = async (m, fn) => {
    gate.setMode(m);
    try { return await fn(); } finally { gate.mode = 'pass'; }
  };
  gate.close = () => new Promise((r) => { gate.server.close(() => r()); gate.server.closeAllConnections?.(); });
  await new Promise((r) => gate.server.listen(port, '127.0.0.1', r));
  return gate;
}

// ---- the apps' documented constraints --------------------------------------------

const isGroups = (path) => /\/Groups(\/|\?|$)/.test(path);
const isUserWrite = (method, path) => (method === 'POST' && /\/Users\/?(\?|$)/.test(path)) || (method === 'PUT' && /\/Users\/[^/?]+/.test(path));

/**
 * The attributes a SCIM filter compares (RFC 7644 §3.4.2.2), by their full path as
 * written: `emails[type eq "work"]` yields `type`, `name.familyName eq` `name.familyName`.
 * Quoted values are blanked first, so a value that looks like `x eq y` is not one.
 */
export function filterAttributes(filter) {
  const bare = filter.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...bare.matchAll(/([\w$.:-]+)\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le|pr)\b/gi)].map((m) => m[1]);
}

/** The filter of a request: its `filter` query parameter, or a `.search` body's member. */
function requestFilter(method, path, body) {
  if (method === 'POST' && path.split('?')[0].endsWith('/.search')) return body?.filter ?? null;
  return new URL(path, 'http://gate').searchParams.get('filter');
}

/**
 * What each app refuses, from its Entra provisioning tutorial: `(method, path, body)` →
 * `null` (forward) or `[status, detail]` (answered by the gate, as the app would).
 * - Chatwork: users only, no /Groups endpoint (404);
 * - TimeClock 365: users only (404 on /Groups), filters on userName only (400 invalidFilter:
 *   an app that ignored the filter would make every user match);
 * - Genesys Cloud: groups cannot be created (POST /Groups 405) nor deleted (DELETE 403)
 *   through SCIM; they must pre-exist;
 * - Cisco Webex: a user without displayName is refused (400).
 */
export const APP_RULES = {
  chatwork: (method, path) => (isGroups(path) ? [404, 'Chatwork: no such endpoint (users only)'] : null),
  timeclock365: (method, path, body) => {
    if (isGroups(path)) return [404, 'TimeClock 365: no such endpoint (users only)'];
    const filter = requestFilter(method, path, body);
    if (filter === null) return null;
    const other = filterAttributes(filter).find((a) => !/^(urn:ietf:params:scim:schemas:core:2\.0:User:)?userName$/i.test(a));
    return other === undefined ? null : [400, `TimeClock 365 filters on userName only, not ${other}`];
  },
  genesys: (method, path) => {
    if (isGroups(path) && method === 'POST') return [405, 'Genesys Cloud: groups cannot be created through SCIM'];
    if (isGroups(path) && method === 'DELETE') return [403, 'Genesys Cloud: groups cannot be deleted through SCIM'];
    return null;
  },
  webex: (method, path, body) => (isUserWrite(method, path) && !body?.displayName ? [400, 'Webex: displayName is required'] : null),
};

/**
 * Registers one gate mode per `APP_RULES` entry, and `apps`, which picks the rule by the
 * first path segment (scim2-server's `--tenant`: `/webex/v2/Users` is Webex's), so every
 * app is emulated at once (see `startGate`); `toApp` gives the options of a request to the app.
 */
function addAppModes(gate, modes, toApp) {
  gate.refusals = [];
  const enforce = (app, rule) => (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const data = Buffer.concat(chunks);
      let body = null;
      try { body = data.length ? JSON.parse(data.toString('utf8')) : null; } catch { /* not JSON */ }
      // An app reached by consent (`gate.oauth[app]`): only a live access token from its
      // authorization server gets through, and scim2-server gets its own token.
      const oauth = gate.oauth?.[app];
      let headers = req.headers;
      if (oauth) {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        if (!oauth.isLive(token)) {
          gate.refusals.push({ app, method: req.method, path: req.url, status: 401, detail: 'no live access token' });
          sendJson(res, 401, {}, scimError(401, 'invalid access token'));
          return;
        }
        headers = { ...req.headers, authorization: `Bearer ${oauth.upstreamToken}` };
      }
      const refused = rule ? rule(req.method, req.url, body) : null;
      if (refused) {
        const [status, detail] = refused;
        gate.refusals.push({ app, method: req.method, path: req.url, status, detail });
        sendJson(res, status, {}, scimError(status, detail));
        return;
      }
      const u = http.request(toApp(req, headers), (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      u.on('error', () => req.socket.destroy());
      u.end(data);
    });
  };
  for (const [app, rule] of Object.entries(APP_RULES)) modes[app] = enforce(app, rule);
  modes.apps = (req, res) => {
    const app = req.url.split('/')[1];
    enforce(app, Object.hasOwn(APP_RULES, app) ? APP_RULES[app] : null)(req, res);
  };
}

/**
 * An admin's consent through the proxy, as a browser would do it: the start (with the
 * tenant's consent secret) → the app's authorize endpoint → the proxy's callback.
 * Returns the callback's status and page, and the authorize URL the proxy sent to.
 */
export async function consent(origin, tenant, consentSecret) {
  const start = await fetch(`${origin}/t/${tenant}/oauth/start`, { redirect: 'manual', headers: { Authorization: `Bearer ${consentSecret}` } });
  if (start.status !== 302) return { status: start.status, text: await start.text(), authorizeUrl: null };
  const authorizeUrl = start.headers.get('location');
  const back = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = await fetch(back.headers.get('location'));
  return { status: callback.status, text: await callback.text(), authorizeUrl };
}

// ---- requests ------------------------------------------------------------------

function parse(text) {
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

/**
 * A SCIM client for `base` (for example `http://127.0.0.1:18093/scim/v2`) with a bearer
 * `token` (none when null). Every answer is pushed to `seen` as text (status, headers,
 * body), for the check that no token ever reaches a client.
 */
export function client(base, token, seen) {
  return async (method, path, body, headers = {}) => {
    const h = { 'Content-Type': 'application/scim+json', ...headers };
    if (token && !('Authorization' in h)) h.Authorization = `Bearer ${token}`;
    const r = await fetch(`${base}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    seen?.push(`${r.status} ${JSON.stringify([...r.headers])} ${text}`);
    return { status: r.status, headers: r.headers, json: parse(text), text };
  };
}

/**
 * One request with the path sent exactly as given (fetch would normalise `..` and
 * percent-encodings). Headers come back as a plain object with lower-case names.
 */
export function rawRequest(port, method, path, { headers = {}, body, seen } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const h = { ...headers };
    if (data !== undefined) {
      h['Content-Type'] = 'application/scim+json';
      h['Content-Length'] = Buffer.byteLength(data);
    }
    const r = http.request({ host: '127.0.0.1', port, method, path, headers: h }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        seen?.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${text}`);
        resolve({ status: res.statusCode, headers: res.headers, json: parse(text), text });
      });
    });
    r.on('error', reject);
    if (data !== undefined) r.write(data);
    r.end();
  });
}

// ---- the timing gate -------------------------------------------------------------

// The timing gate's code, run in its own thread (CommonJS, `workerData` = ports).
const TIMING_GATE = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { port, upstreamPort } = workerData;
const times = [];
// At most 4 connections to scim2-server: its listen backlog is 5 (see startGate).
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const server = http.createServer((req, res) => {
  times.push(Date.now());
  const u = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent }, (ur) => {
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  u.on('error', () => req.socket.destroy());
  req.pipe(u);
});
server.keepAliveTimeout = 120000;
server.listen(port, '127.0.0.1', () => parentPort.postMessage({ listening: true }));
parentPort.on('message', (m) => {
  if (m === 'times') parentPort.postMessage({ times: times.slice() });
  if (m === 'close') { server.closeAllConnections?.(); server.close(() => process.exit(0)); }
});
`;

/**
 * A pass-through on 127.0.0.1:`port` to `upstreamPort` that records when each request
 * arrives, in a thread of its own so the test's own load cannot delay the clock it reads.
 * `times()` resolves to the arrival times (ms since the epoch) so far; `close()` ends it.
 */
export async function startTimingGate(port, upstreamPort) {
  const { Worker } = await import('node:worker_threads');
  const w = new Worker(TIMING_GATE, { eval: true, workerData: { port, upstreamPort } });
  await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  return {
    times: () => new Promise((resolve) => {
      const on = (m) => { if (m.times) { w.off('message', on); resolve(m.times); } };
      w.on('message', on);
      w.postMessage('times');
    }),
    close: async () => {
      w.postMessage('close');
      await new Promise((r) => { w.once('exit', r); setTimeout(r, 2000).unref(); });
    },
  };
}

/** The most of `times` (ms) that fall in any window of `windowMs`, and where it starts. */
export function busiestWindow(times, windowMs = 1000) {
  const t = [...times].sort((a, b) => a - b);
  let best = { count: 0, from: t[0] ?? 0 };
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (t[j] <= t[i] - windowMs) j++;
    if (i - j + 1 > best.count) best = { count: i - j + 1, from: t[j] };
  }
  return best;
}

/** `n` jobs (`job(i)` → promise) run with at most `concurrency` at once; the results in order. */
export async function pool(n, concurrency, job) {
  const out = new Array(n);
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  return out;
}
