// What the scimmap worker costs inside real workerd (`wrangler dev`), next to a
// pass-through Worker and to the upstream called directly:
//
//   direct         client ────────────────────────────────────────────────▶ scim2-server :18090
//   pass-through   client ──▶ workerd :18093 (bench/worker/passthrough.js) ──▶ scim2-server
//   scimmap        client ──▶ workerd :18091 (worker/build, renames + transform) ──▶ scim2-server
//   … log off      client ──▶ workerd :18095 (the same, "log": "off") ──▶ scim2-server
//
// For each configuration and op — create (POST of a ~5 KB Entra user) and PATCH (an
// Entra-shaped 3-operation PatchOp that the proxy forwards directly) — N requests at
// concurrency C, the same request sequence for every configuration, interleaved in chunks.
// Around each chunk it reads the CPU time (utime + stime, /proc/<pid>/stat) of the workerd
// processes that wrangler spawned — found by walking the process tree down from the
// wrangler PID started here — of wrangler's own node processes, and of scim2-server.
// CPU time cannot be read inside the isolate (its timers are frozen while it runs).
//
// `bash scripts/bench-worker.sh` builds worker/build and runs this. Needs .venv
// (scim2-server) and worker/node_modules (wrangler) from scripts/setup.sh.
// Env: BENCH_N (2000), BENCH_CHUNK (100), BENCH_C (10), BENCH_WARMUP (200).
// BENCH_PROFILE=dir: instead of the timed runs, a CPU profile of the Worker's isolate
// (through wrangler's inspector port, the DevTools protocol's Profiler domain) over
// BENCH_N requests per op for the pass-through Worker and the scimmap Worker with its log
// off; writes dir/<config>-<op>.cpuprofile and prints where the time goes per request.
// Every process started here is stopped by PID at the end and on error; binds 127.0.0.1
// ports 18090–18096 only (and whatever ephemeral ports wrangler picks for itself).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.env.BENCH_N ?? 2000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 100);
const C = Number(process.env.BENCH_C ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const UP_PORT = 18090;
const SM_PORT = 18091; // scimmap worker; inspector 18092
const PT_PORT = 18093; // pass-through worker; inspector 18094
const SQ_PORT = 18095; // scimmap worker with "log": "off"; inspector 18096
const UP_TOKEN = `up-${randomUUID()}`;
const IN_TOKEN = `in-${randomUUID()}`;
const UP = `http://127.0.0.1:${UP_PORT}/v2`;
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// ---- processes ------------------------------------------------------------------------
const procs = [];
function start(name, cmd, args, opts = {}) {
  const p = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  p.benchName = name;
  procs.push(p);
  return p;
}

// Parent PID of every process, from /proc.
function ppids() {
  const m = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      m.set(Number(d), Number(f[1]));
    } catch { /* exited meanwhile */ }
  }
  return m;
}
function descendants(root) {
  const pp = ppids();
  const out = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    for (const [c, parent] of pp) if (parent === p) { out.push(c); todo.push(c); }
  }
  return out;
}
const exe = (pid) => { try { return basename(readlinkSync(`/proc/${pid}/exe`)); } catch { return ''; } };
/** utime + stime of one process (all its threads), in ms. */
function cpuMs(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK; // fields 14 and 15
}
/** The workerd processes under a wrangler we started (walking down from its PID). */
const workerdPids = (p) => descendants(p.pid).filter((d) => exe(d) === 'workerd').sort((a, b) => a - b);
/** Which of those listens on `port`: wrangler's own proxy instance (the rest run the Worker). */
function listener(pids, port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let t = '';
    try { t = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of t.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[3] === '0A' && parseInt(c[1].split(':')[1], 16) === port) inodes.add(c[9]);
    }
  }
  return pids.find((pid) => {
    try { return readdirSync(`/proc/${pid}/fd`).some((fd) => { try { return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]); } catch { return false; } }); } catch { return false; }
  });
}
/** The rest of that tree: wrangler's node processes (and esbuild). */
const otherPids = (p) => [p.pid, ...descendants(p.pid)].filter((d) => exe(d) !== 'workerd').sort((a, b) => a - b);

const alive = (pid) => {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st[st.lastIndexOf(')') + 2] !== 'Z';
  } catch { return false; }
};
async function stopAll() {
  const ours = new Set();
  for (const p of procs) for (const d of [p.pid, ...descendants(p.pid)]) ours.add(d);
  for (const p of procs) { try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ } }
  // Children that left the group (workerd) get it by PID.
  for (const pid of ours) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
  for (let t = 0; t < 100 && [...ours].some(alive); t++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of ours) {
    if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); console.error(`# pid ${pid} ignored SIGTERM for 10 s: killed`); } catch { /* gone */ } }
  }
  procs.length = 0;
}
process.on('exit', () => { for (const p of procs) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

async function waitFor(url, headers = {}, ms = 120_000) {
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch { /* not yet */ }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- requests ---------------------------------------------------------------------------
// The ~5 KB Entra-style user of examples/proxy_cpu.rs; `seq` keeps userName and
// externalId unique and every body the same length.
function user(seq) {
  const s = String(seq).padStart(12, '0');
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
    externalId: `0a21f0f2-8d2a-4f8e-bf98-${s}`,
    userName: `user${s}@contoso.com`, active: true, displayName: 'Ada Lovelace',
    name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
    emails: [{ primary: true, type: 'work', value: `user${s}@contoso.com` }],
    phoneNumbers: [{ type: 'work', value: '+44 20 7946 0000' }, { type: 'mobile', value: '+44 7700 900000' }],
    addresses: [{ type: 'work', streetAddress: '1 Analytical Row', locality: 'London', postalCode: 'EC1', country: 'GB' }],
    [ENT]: { department: 'Engines', employeeNumber: '1815', costCenter: 'CC-1' },
    roles: [], title: 'Countess',
    entitlements: Array.from({ length: 40 }, (_, k) => ({ value: `entitlement-${String(k).padStart(3, '0')}-${'x'.repeat(80)}` })),
  };
}
// Entra's dialect: capitalised op, boolean as a string, a URN-qualified extension path.
// No path is a source or target of the transform and none has a value filter (which a
// strict app cannot upsert), so the proxy forwards it as one PATCH, with `title` renamed.
function patchOp(i) {
  return {
    schemas: [PATCH_URN],
    Operations: [
      { op: 'Replace', path: 'active', value: i % 2 ? 'True' : 'False' },
      { op: 'Replace', path: 'title', value: `Title ${String(i).padStart(6, '0')}` },
      { op: 'Replace', path: `${ENT}:department`, value: `Department ${String(i).padStart(6, '0')}` },
    ],
  };
}

let seq = 0;
const H = (token) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' });

async function upstream(method, path, body) {
  const r = await fetch(`${UP}${path}`, { method, headers: H(UP_TOKEN), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

async function pool(items, c, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => { while (next < items.length) { const i = next++; await fn(items[i], i); } }));
}
const cleanup = (ids) => pool(ids, C, (id) => upstream('DELETE', `/Users/${id}`));

/** n requests at concurrency c; returns latencies, errors, wall time and created ids. */
async function load(cfg, reqs, expect) {
  const lat = new Array(reqs.length);
  const ids = [];
  let errors = 0;
  const t0 = performance.now();
  await pool(reqs, C, async (r, i) => {
    const s = performance.now();
    try {
      const res = await fetch(`${cfg.base}${r.path}`, { method: r.method, headers: H(cfg.token), body: r.body });
      const text = await res.text();
      lat[i] = performance.now() - s;
      if (!expect.includes(res.status)) {
        errors++;
        if (errors <= 3) console.error(`# ${cfg.name} ${r.method}: ${res.status} ${text.slice(0, 200)}`);
      } else if (r.method === 'POST') ids.push(JSON.parse(text).id);
    } catch (e) {
      lat[i] = performance.now() - s;
      errors++;
      if (errors <= 3) console.error(`# ${cfg.name} ${r.method}: ${e.message}`);
    }
  });
  return { secs: (performance.now() - t0) / 1000, lat: lat.sort((a, b) => a - b), errors, ids };
}

function createReqs(n) {
  return Array.from({ length: n }, () => ({ method: 'POST', path: '/Users', body: JSON.stringify(user(++seq)) }));
}
function patchReqs(n, ids) {
  return Array.from({ length: n }, (_, i) => ({ method: 'PATCH', path: `/Users/${ids[i % ids.length]}`, body: JSON.stringify(patchOp(i)) }));
}

// One measured run: CPU of workerd / wrangler (node) / scim2-server before and after.
async function run(cfg, op, n) {
  let ids = [];
  let reqs;
  if (op === 'create') reqs = createReqs(n);
  else {
    // One target user per client, created straight upstream before the run.
    for (let k = 0; k < C; k++) ids.push((await upstream('POST', '/Users', user(++seq))).json.id);
    reqs = patchReqs(n, ids);
  }
  const wpids = cfg.wrangler ? workerdPids(cfg.wrangler) : [];
  const opids = cfg.wrangler ? otherPids(cfg.wrangler) : [];
  const sum = (pids) => pids.reduce((a, p) => a + cpuMs(p), 0);
  const each = () => wpids.map(cpuMs);
  const own = cfg.wrangler ? wpids.filter((p) => p !== cfg.proxyPid) : [];
  const before = { w: sum(wpids), own: sum(own), each: each(), node: sum(opids), up: cpuMs(upProc.pid) };
  const r = await load(cfg, reqs, op === 'create' ? [201] : [200, 204]);
  const after = { w: sum(wpids), own: sum(own), each: each(), node: sum(opids), up: cpuMs(upProc.pid) };
  if (wpids.length) console.error(`#   ${cfg.name} ${op} ×${n}: workerd CPU ms by pid ${wpids.map((p, k) => `${p}: ${(after.each[k] - before.each[k]).toFixed(0)}`).join(', ')}`);
  const load1 = loadavg()[0];
  if (cfg.wrangler && (workerdPids(cfg.wrangler).join() !== wpids.join() || otherPids(cfg.wrangler).join() !== opids.join())) throw new Error(`${cfg.name}: the process tree changed during the run`);
  await cleanup([...ids, ...r.ids]);
  return {
    n, secs: r.secs, lat: r.lat, errors: r.errors, load1,
    workerd: after.w - before.w, own: after.own - before.own, node: after.node - before.node, up: after.up - before.up,
  };
}

// ---- main -------------------------------------------------------------------------------
let upProc;
const logStats = { lines: 0, rmw: 0, patch: 0 };

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scimmap-bench-worker-'));
  try {
    console.log(`# ${new Date().toISOString()}  node ${process.version}  ${cpus().length} × ${cpus()[0]?.model}`);
    console.log(`# load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    upProc = start('scim2-server', join(ROOT, '.venv/bin/scim2-server'),
      ['--hostname', '127.0.0.1', '--port', String(UP_PORT), '--bearer-token', UP_TOKEN], { stdio: ['ignore', 'ignore', 'ignore'] });

    const envFile = join(dir, '.env');
    writeFileSync(envFile, `INBOUND_TOKEN=${IN_TOKEN}\nUPSTREAM_TOKEN=${UP_TOKEN}\n`);
    // The scimmap config: the webex profile (its displayName transform) plus two renames,
    // so creates are rewritten both ways and PATCH paths are translated.
    const config = {
      preset: 'webex',
      upstream: { url: UP, auth: { type: 'bearer', secret: 'UPSTREAM_TOKEN' }, timeoutMs: 10000 },
      inbound: { tokens: ['INBOUND_TOKEN'] },
      resources: {
        User: {
          renames: { title: 'userType', 'phoneNumbers[type eq "mobile"]': 'phoneNumbers[type eq "other"]' },
          transforms: { displayName: 'Coalesce([displayName], Join(" ", [name.givenName], [name.familyName]))' },
        },
      },
    };
    const wrangler = join(ROOT, 'worker/node_modules/.bin/wrangler');
    const wenv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
    const common = ['--ip', '127.0.0.1', '--show-interactive-dev-session=false', '--log-level', 'log'];
    const scimmap = (name, port, cfg) => start(name, wrangler, ['dev', '-c', 'wrangler.nobuild.toml', '--port', String(port), '--inspector-port', String(port + 1),
      '--env-file', envFile, '--persist-to', join(dir, name), '--var', `SCIMMAP_CONFIG:${JSON.stringify(cfg)}`, ...common], { env: wenv });
    const sm = scimmap('scimmap', SM_PORT, config);
    // The same without its one JSON log line per request: wrangler dev carries console.log
    // through the inspector protocol, a cost of the dev setup rather than of the mapping.
    const sq = scimmap('scimmap-quiet', SQ_PORT, { ...config, log: 'off' });
    const pt = start('passthrough', wrangler, ['dev', '-c', 'bench/worker/wrangler.passthrough.toml', '--port', String(PT_PORT), '--inspector-port', String(PT_PORT + 1),
      '--persist-to', join(dir, 'pt'), '--var', `UPSTREAM_URL:${UP}`, ...common], { env: wenv });
    // Drain wrangler's output (an undrained pipe would block it); count the proxy's log lines.
    let tail = '';
    for (const p of [sm, sq, pt]) {
      let buf = '';
      const onData = (d) => {
        tail = (tail + d).slice(-8000);
        if (p !== sm) return;
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line.startsWith('{"requestId"')) continue;
          logStats.lines++;
          const l = JSON.parse(line);
          if (l.method === 'PATCH') { logStats.patch++; if (l.action === 'read-modify-write') logStats.rmw++; }
        }
      };
      p.stdout.on('data', onData);
      p.stderr.on('data', (d) => { tail = (tail + d).slice(-8000); });
      p.on('exit', (c, s) => { if (!stopping) console.error(`# ${p.benchName} exited early (${c ?? s})\n${tail}`); });
    }
    await waitFor(`${UP}/ServiceProviderConfig`, { Authorization: `Bearer ${UP_TOKEN}` });
    await waitFor(`http://127.0.0.1:${SM_PORT}/scim/v2/ServiceProviderConfig`);
    await waitFor(`http://127.0.0.1:${PT_PORT}/scim/v2/ServiceProviderConfig`);
    await waitFor(`http://127.0.0.1:${SQ_PORT}/scim/v2/ServiceProviderConfig`);

    const cfgs = [
      { name: 'direct (scim2-server)', base: UP, token: UP_TOKEN, wrangler: null },
      { name: 'pass-through worker', base: `http://127.0.0.1:${PT_PORT}/scim/v2`, token: UP_TOKEN, wrangler: pt, port: PT_PORT },
      { name: 'scimmap worker', base: `http://127.0.0.1:${SM_PORT}/scim/v2`, token: IN_TOKEN, wrangler: sm, port: SM_PORT },
      { name: 'scimmap worker, log off', base: `http://127.0.0.1:${SQ_PORT}/scim/v2`, token: IN_TOKEN, wrangler: sq, port: SQ_PORT },
    ];
    for (const c of cfgs.filter((x) => x.wrangler)) {
      const w = workerdPids(c.wrangler);
      c.proxyPid = listener(w, c.port);
      console.log(`# ${c.name}: wrangler pid ${c.wrangler.pid}; workerd pids ${w.join(', ')}, of which ${c.proxyPid} is wrangler's proxy (listens on :${c.port}) and ${w.filter((p) => p !== c.proxyPid).join(', ')} runs the Worker`);
      if (w.length < 2 || !c.proxyPid) throw new Error(`${c.name}: expected wrangler's proxy workerd and the Worker's workerd`);
    }
    console.log(`# scim2-server pid ${upProc.pid}`);

    // The rewriting really happens: a create through scimmap lands renamed upstream.
    for (const c of cfgs.slice(2)) {
    const probe = user(++seq);
    const created = await fetch(`${c.base}/Users`, { method: 'POST', headers: H(IN_TOKEN), body: JSON.stringify(probe) });
    const cj = await created.json();
    const stored = (await upstream('GET', `/Users/${cj.id}`)).json;
    const ok = created.status === 201 && stored.userType === 'Countess' && stored.title === undefined
      && stored.phoneNumbers.some((p) => p.type === 'other') && cj.title === 'Countess' && cj.phoneNumbers.some((p) => p.type === 'mobile');
    await upstream('DELETE', `/Users/${cj.id}`);
    console.log(`# check, ${c.name}: stores title as userType and the mobile phone as "other", answers in the client's names: ${ok ? 'yes' : 'NO'}`);
    if (!ok) throw new Error(`rewrite check failed: ${created.status} ${JSON.stringify(stored).slice(0, 400)}`);
    }

    // Warm-up (JIT, wasm tier-up, connection pools); not measured.
    for (const c of cfgs) for (const op of ['create', 'patch']) await run(c, op, WARMUP);
    if (process.env.BENCH_PROFILE) {
      await profileRuns([cfgs[1], cfgs[3]], process.env.BENCH_PROFILE);
      return;
    }
    // Idle CPU of each workerd over 3 s: what the run figures carry besides the requests.
    for (const c of cfgs.filter((x) => x.wrangler)) {
      const w = workerdPids(c.wrangler);
      const a = w.reduce((s, p) => s + cpuMs(p), 0);
      await new Promise((r) => setTimeout(r, 3000));
      const b = w.reduce((s, p) => s + cpuMs(p), 0);
      console.log(`# idle workerd CPU, ${c.name}: ${((b - a) / 3).toFixed(1)} ms/s`);
    }

    // Interleaved: CHUNK requests per configuration in turn (the order rotating), until
    // each has had N, so drift in the shared machine's load spreads over all of them.
    const chunks = Math.ceil(N / CHUNK);
    const agg = new Map();
    for (const op of ['create', 'patch']) {
      for (let k = 0; k < chunks; k++) {
        const n = Math.min(CHUNK, N - k * CHUNK);
        for (let j = 0; j < cfgs.length; j++) {
          const c = cfgs[(j + k) % cfgs.length];
          const r = await run(c, op, n);
          const key = `${op}|${c.name}`;
          const a = agg.get(key) ?? { op, config: c.name, n: 0, secs: 0, lat: [], errors: 0, workerd: 0, own: 0, node: 0, up: 0, load: [], chunks: [], ownChunks: [] };
          a.n += r.n; a.secs += r.secs; a.lat.push(...r.lat); a.errors += r.errors;
          a.workerd += r.workerd; a.own += r.own; a.node += r.node; a.up += r.up; a.load.push(r.load1);
          a.chunks.push(r.workerd / r.n); a.ownChunks.push(r.own / r.n);
          agg.set(key, a);
        }
        console.error(`# ${op}: chunk ${k + 1}/${chunks} done, load ${loadavg()[0].toFixed(1)}`);
      }
    }
    stopping = true;

    const f = (x, d = 2) => (x === null ? '—' : x.toFixed(d));
    const opName = (op) => (op === 'create' ? 'create (POST)' : 'PATCH');
    console.log(`\n${N} requests per configuration and op, in chunks of ${CHUNK} interleaved across the configurations, concurrency ${C}; warm-up ${WARMUP} per op and configuration.`);
    console.log(`CPU = utime+stime from /proc/<pid>/stat (clock tick ${1000 / TICK} ms), summed over the run, divided by the requests.`);
    console.log(`scimmap PATCH log lines: ${logStats.patch}, of which read-modify-write: ${logStats.rmw} (the PATCH is meant to go direct)\n`);
    if (logStats.rmw) process.exitCode = 1;
    console.log('| config | op | requests | req/s | p50 ms | p99 ms | errors | workerd CPU ms/req | of which the Worker\'s workerd | wrangler (node) CPU ms/req | scim2-server CPU ms/req | load 1m |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const op of ['create', 'patch']) {
      for (const c of cfgs) {
        const a = agg.get(`${op}|${c.name}`);
        a.lat.sort((x, y) => x - y);
        const pct = (p) => a.lat[Math.min(a.lat.length - 1, Math.floor(p * a.lat.length))];
        const per = (x) => (c.wrangler ? x / a.n : null);
        console.log(`| ${c.name} | ${opName(op)} | ${a.n} | ${(a.n / a.secs).toFixed(0)} | ${f(pct(0.5), 1)} | ${f(pct(0.99), 1)} | ${a.errors} | ${f(per(a.workerd), 3)} | ${f(per(a.own), 3)} | ${f(per(a.node), 3)} | ${f(a.up / a.n, 3)} | ${Math.min(...a.load).toFixed(1)}–${Math.max(...a.load).toFixed(1)} |`);
        if (a.errors) process.exitCode = 1;
      }
    }
    console.log('\nworkerd CPU ms per request added over the pass-through worker (same requests): over the whole run, and the median [25th–75th percentile] of the per-chunk differences. "all": every workerd under wrangler; "Worker": only the one running the Worker (wrangler\'s proxy instance left out).\n');
    console.log('| op | workerd | pass-through | scimmap | added | per chunk | scimmap, log off | added | per chunk |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    const q = (xs, p) => { const v = [...xs].sort((x, y) => x - y); const i = (v.length - 1) * p; const lo = Math.floor(i); return v[lo] + (v[Math.ceil(i)] - v[lo]) * (i - lo); };
    for (const op of ['create', 'patch']) {
      const [pr, sr, qr] = [1, 2, 3].map((k) => agg.get(`${op}|${cfgs[k].name}`));
      for (const [basis, tot, ch] of [['all', 'workerd', 'chunks'], ['Worker', 'own', 'ownChunks']]) {
        const per = (x) => { const d = x[ch].map((v, k) => v - pr[ch][k]); return `${f(q(d, 0.5), 3)} [${f(q(d, 0.25), 3)}–${f(q(d, 0.75), 3)}]`; };
        console.log(`| ${opName(op)} | ${basis} | ${f(pr[tot] / pr.n, 3)} | ${f(sr[tot] / sr.n, 3)} | ${f((sr[tot] - pr[tot]) / N, 3)} | ${per(sr)} | ${f(qr[tot] / qr.n, 3)} | ${f((qr[tot] - pr[tot]) / N, 3)} | ${per(qr)} |`);
      }
    }
    console.log(`\n# load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    stopping = true;
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- profile (BENCH_PROFILE) -------------------------------------------------------------
/** The DevTools protocol on wrangler's inspector port: the Worker's isolate. */
async function inspector(port) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  // wrangler's `ws` (Node's built-in WebSocket client is refused by its inspector proxy).
  const WebSocket = createRequire(join(ROOT, 'worker', 'package.json'))('ws');
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((res, rej) => { ws.on('open', res); ws.on('error', (e) => rej(new Error(`inspector :${port}: ${e.message}`))); });
  let id = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    // workerd answers Profiler.enable/start/setSamplingInterval with the request itself (no
    // `result`), Profiler.stop with `result.profile`.
    if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); }
  });
  const send = (method, params = {}) => new Promise((res, rej) => {
    const n = ++id;
    waiting.set(n, (msg) => (msg.error ? rej(new Error(`${method}: ${msg.error.message}`)) : res(msg.result)));
    ws.send(JSON.stringify({ id: n, method, params }));
  });
  return { send, close: () => ws.close() };
}

/** Where a sampled frame's time goes. Wasm frames carry their Rust names (the name section). */
function category(cf) {
  const name = cf.functionName || '';
  if (/^\((idle|program|garbage collector|root)\)$/.test(name)) return name;
  if (cf.url.startsWith('wasm://') || /::|^wasm-function/.test(name)) {
    if (/serde_json|serde::|serde_core/.test(name)) return 'wasm: JSON parse/serialize (serde_json)';
    if (/dlmalloc|__rust_(alloc|dealloc|realloc)|alloc::raw_vec|RawVec/.test(name)) return 'wasm: allocator';
    if (/^<?(worker|wasm_bindgen|js_sys|web_sys|worker_sys)|externref|__wbindgen|__externref/.test(name)) return 'wasm: bindings (worker, wasm-bindgen, js-sys)';
    if (/scimmap::proxy/.test(name)) return 'wasm: proxy pipeline';
    if (/scimmap::(mapping|scim|entra|syntax)|pest/.test(name)) return 'wasm: mapping, SCIM, parsing';
    if (/indexmap|hashbrown|core::hash|memcpy|memmove|memcmp|memset/.test(name)) return 'wasm: maps, hashing, memcpy';
    return 'wasm: other (core, alloc, std)';
  }
  if (/index\.js$|shim|worker\/build/.test(cf.url)) return 'JS: wasm-bindgen / workers-rs glue';
  if (cf.url === '') return 'JS: runtime builtins';
  return 'JS: other scripts';
}

async function profileRuns(cfgs, dir) {
  execFileSync('mkdir', ['-p', dir]);
  const rows = new Map(); // category -> {cfg|op: ms per request}
  const tops = [];
  for (const c of cfgs) {
    const ins = await inspector(c.port + 1);
    await ins.send('Profiler.enable');
    await ins.send('Profiler.setSamplingInterval', { interval: 100 });
    for (const op of ['create', 'patch']) {
      await ins.send('Profiler.start');
      const r = await run(c, op, N);
      const { profile } = await ins.send('Profiler.stop');
      const file = join(dir, `${c.name.replace(/[^a-z]+/g, '-')}-${op}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      // workerd samples only while the isolate executes, so the gap after a request's last
      // sample is idle time, not that frame's: each sample weighs the sampling interval in
      // effect (the median of the gaps under 1 ms), not the gap that follows it.
      const gaps = profile.timeDeltas.slice(1).map((d) => d / 1000).filter((d) => d < 1).sort((a, b) => a - b);
      const tick = gaps.length ? gaps[gaps.length >> 1] : 0.1;
      const self = new Map();
      for (const id of profile.samples) {
        const n = byId.get(id);
        self.set(n, (self.get(n) ?? 0) + tick);
      }
      const byCat = new Map();
      const byFn = new Map();
      for (const [n, ms] of self) {
        const k = category(n.callFrame);
        byCat.set(k, (byCat.get(k) ?? 0) + ms);
        const fn = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `(${basename(n.callFrame.url)})` : ''}`;
        byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
      }
      const key = `${c.name}|${op}`;
      for (const [k, ms] of byCat) {
        const row = rows.get(k) ?? {};
        row[key] = ms / r.n;
        rows.set(k, row);
      }
      const busy = [...byCat].filter(([k]) => k !== '(idle)').reduce((a, [, ms]) => a + ms, 0);
      console.log(`# ${c.name} ${op}: ${r.n} requests, ${r.errors} errors, ${profile.samples.length} samples every ${tick.toFixed(3)} ms: ${(busy / r.n).toFixed(3)} ms per request executing on the isolate; ${file}`);
      if (c === cfgs[cfgs.length - 1]) {
        tops.push([key, [...byFn].filter(([f]) => !f.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 20).map(([f, ms]) => [f, ms / r.n])]);
      }
    }
    ins.close();
  }
  const keys = cfgs.flatMap((c) => ['create', 'patch'].map((op) => `${c.name}|${op}`));
  console.log(`\nms per request executing on the Worker's isolate (samples × interval), by where the samples fell:\n`);
  console.log(`| where | ${keys.map((k) => k.replace('|', ', ')).join(' | ')} |`);
  console.log(`|---|${keys.map(() => '---:').join('|')}|`);
  const order = [...rows.keys()].sort();
  const total = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const cat of order) {
    const row = rows.get(cat);
    if (cat !== '(idle)') for (const k of keys) total[k] += row[k] ?? 0;
    console.log(`| ${cat} | ${keys.map((k) => (row[k] ?? 0).toFixed(3)).join(' | ')} |`);
  }
  console.log(`| **busy (all but idle)** | ${keys.map((k) => total[k].toFixed(3)).join(' | ')} |`);
  for (const [key, top] of tops) {
    console.log(`\nTop functions by self time, ${key.replace('|', ', ')} (ms per request):\n`);
    for (const [f, ms] of top) console.log(`- ${ms.toFixed(4)} ${f}`);
  }
}

let stopping = false;
main().catch((e) => { console.error(e); process.exitCode = 1; });
