// What serialisation (ResourceLock) and shaping (TenantShaper) cost per request, in real
// workerd (`wrangler dev`, Durable Objects simulated locally) in front of scim2-server:
//
//   with DOs     client ──▶ workerd :18113 (wrangler.nobuild.toml) ──▶ scim2-server :18111
//   without DOs  client ──▶ workerd :18115 (the same, no Durable Object bindings) ──▶ ″
//
// 1. read-modify-write PATCH (a value-filtered replace, which a strict app cannot take as
//    is), one at a time: through the lock vs in the Worker (the lock's hop is the only
//    difference); then 20 at once without the lock, to show what the lock prevents;
// 2. GET of one user, one at a time: a tenant with `rateLimit` 10 000/s (never waits, so
//    only the shaper's hop is measured) vs the same tenant without it.
// For each: client latency p50/p90/p99 and the workerd processes' CPU time per request
// (utime + stime from /proc, summed over the run; the isolate cannot read its own CPU).
//
//   source .tools/env.sh && node bench/worker/scale.mjs     # after worker-build --release worker
// Env: BENCH_N (300 requests per measurement), BENCH_WARMUP (30).
// Every process started here is stopped by PID at the end; binds 127.0.0.1:18111-18116.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import {
  ROOT, USER_URN, patchOp, startScim2Server, startWorker, stopAll, waitFor, client, tempDir,
  writeEnvFile, seedTenants, pool,
} from '../../worker/test/harness.mjs';

const N = Number(process.env.BENCH_N ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const UP_PORT = 18111;
const WITH_PORT = 18113; // inspector 18114
const WITHOUT_PORT = 18115; // inspector 18116
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const TOKENS = { UPSTREAM_TOKEN: `up-${randomUUID()}`, INBOUND_TOKEN: `in-${randomUUID()}` };
const upstream = { url: `http://127.0.0.1:${UP_PORT}/v2`, auth: { type: 'bearer', secret: 'UPSTREAM_TOKEN' }, timeoutMs: 10000 };
const GENERIC = { preset: 'generic', upstream, inbound: { tokens: ['INBOUND_TOKEN'] } };
const TENANTS = { plain: GENERIC, shaped: { ...GENERIC, rateLimit: { requestsPerSecond: 10000, maxWaitMs: 1000 } } };

/** CPU time (ms) of the workerd processes below `root`. */
function workerdCpuMs(root) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      kids.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * TICK_MS });
    } catch { /* exited meanwhile */ }
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    for (const [c, { ppid, cpu }] of kids) {
      if (ppid !== p) continue;
      todo.push(c);
      try { if (readlinkSync(`/proc/${c}/exe`).endsWith('workerd')) total += cpu; } catch { /* gone */ }
    }
  }
  return total;
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const summary = (lat, cpuMs, n) => ({ p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), cpu: cpuMs / n });

async function timed(call, i, lat) {
  const t0 = performance.now();
  const r = await call(i);
  lat.push(performance.now() - t0);
  if (r.status >= 300) throw new Error(`call ${i}: ${r.status} ${r.text}`);
}

/** `n` calls of `call(i)` one at a time; latency percentiles and workerd CPU per call. */
async function measure(worker, n, call) {
  for (let i = 0; i < WARMUP; i++) await call(-1 - i);
  const cpu0 = workerdCpuMs(worker.process.pid);
  const lat = [];
  for (let i = 0; i < n; i++) await timed(call, i, lat);
  return summary(lat, workerdCpuMs(worker.process.pid) - cpu0, n);
}

/**
 * The same for two workers, alternating call by call, so a change in the machine's load
 * touches both alike (each worker's CPU is its own workerd process's).
 */
async function measurePair(a, callA, b, callB, n) {
  for (let i = 0; i < WARMUP; i++) { await callA(-1 - i); await callB(-1 - i); }
  const cpuA = workerdCpuMs(a.process.pid);
  const cpuB = workerdCpuMs(b.process.pid);
  const latA = [];
  const latB = [];
  for (let i = 0; i < n; i++) {
    await timed(callA, i, latA);
    await timed(callB, i, latB);
  }
  return [
    summary(latA, workerdCpuMs(a.process.pid) - cpuA, n),
    summary(latB, workerdCpuMs(b.process.pid) - cpuB, n),
  ];
}

const row = (name, m) => `| ${name} | ${m.p50.toFixed(1)} | ${m.p90.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.cpu.toFixed(2)} |`;
const delta = (name, a, b) => `| ${name} | ${(a.p50 - b.p50).toFixed(1)} | ${(a.p90 - b.p90).toFixed(1)} | ${(a.p99 - b.p99).toFixed(1)} | ${(a.cpu - b.cpu).toFixed(2)} |`;

async function main() {
  startScim2Server(UP_PORT, TOKENS.UPSTREAM_TOKEN);
  const dir = tempDir('bench-scale');
  const envFile = writeEnvFile(dir, TOKENS);
  const persist = join(dir, 'state');
  await seedTenants(persist, TENANTS);
  await seedTenants(join(dir, 'state-nodo'), TENANTS);
  // The same worker without its Durable Object bindings: serial requests run in the
  // Worker (If-Match alone guards them).
  const nobuild = readFileSync(join(ROOT, 'wrangler.nobuild.toml'), 'utf8');
  const withoutDo = nobuild
    .replace(/\[\[durable_objects\.bindings\]\]\nname = .*\nclass_name = .*\n/g, '')
    .replace(/\[\[migrations\]\]\ntag = .*\nnew_sqlite_classes = .*\n/, '')
    .replace('main = "worker/build/index.js"', `main = "${join(ROOT, 'worker/build/index.js')}"`);
  const withoutDoFile = join(dir, 'wrangler.nodo.toml');
  writeFileSync(withoutDoFile, withoutDo);
  const withDo = startWorker({ port: WITH_PORT, envFile, persist, config: GENERIC });
  const noDo = startWorker({ port: WITHOUT_PORT, envFile, persist: join(dir, 'state-nodo'), config: GENERIC, wranglerConfig: withoutDoFile });
  const up = client(`http://127.0.0.1:${UP_PORT}/v2`, TOKENS.UPSTREAM_TOKEN);
  await waitFor(`http://127.0.0.1:${UP_PORT}/v2/ServiceProviderConfig`, { Authorization: `Bearer ${TOKENS.UPSTREAM_TOKEN}` });
  await waitFor(`http://127.0.0.1:${WITH_PORT}/health`);
  await waitFor(`http://127.0.0.1:${WITHOUT_PORT}/health`).catch((e) => { console.error(noDo.out()); throw e; });
  if (/durable_objects|migrations/.test(withoutDo.replace(/^#.*$/gm, ''))) throw new Error('the Durable Object bindings are still in the copy');

  const user = async () => (await up('POST', '/Users', { schemas: [USER_URN], userName: `bench-${randomUUID()}`, phoneNumbers: [{ type: 'work', value: '0' }] })).json.id;
  const rmwPatch = (px, id) => (i) => px('PATCH', `/Users/${id}`, patchOp({ op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: String(i) }));
  const inLock = client(`http://127.0.0.1:${WITH_PORT}/t/plain/scim/v2`, TOKENS.INBOUND_TOKEN);
  const inWorker = client(`http://127.0.0.1:${WITHOUT_PORT}/t/plain/scim/v2`, TOKENS.INBOUND_TOKEN);
  const shaped = client(`http://127.0.0.1:${WITH_PORT}/t/shaped/scim/v2`, TOKENS.INBOUND_TOKEN);

  const half = Math.floor(N / 2);
  const merge = (a, b) => ({ p50: (a.p50 + b.p50) / 2, p90: (a.p90 + b.p90) / 2, p99: Math.max(a.p99, b.p99), cpu: (a.cpu + b.cpu) / 2 });
  const [u1, u2] = [await user(), await user()];
  const [lock, noLock] = await measurePair(withDo, rmwPatch(inLock, u1), noDo, rmwPatch(inWorker, u2), N);

  // One process for both: interleaved halves, so a drift in the machine's load touches both.
  const u3 = await user();
  const get = (px) => () => px('GET', `/Users/${u3}`);
  const shapedA = await measure(withDo, half, get(shaped));
  const plainA = await measure(withDo, half, get(inLock));
  const shapedB = await measure(withDo, half, get(shaped));
  const plainB = await measure(withDo, half, get(inLock));
  const shapedM = merge(shapedA, shapedB);
  const plainM = merge(plainA, plainB);

  // What the lock prevents: 20 read-modify-write PATCHes at once on one user, each to its
  // own phone type, without it and with it.
  const burst = async (px) => {
    const id = await user();
    const rs = await pool(20, 20, (i) => px('PATCH', `/Users/${id}`, patchOp({ op: 'Replace', path: `phoneNumbers[type eq "line${i}"].value`, value: String(i) })));
    const stored = (await up('GET', `/Users/${id}`)).json.phoneNumbers.filter((p) => p.type.startsWith('line')).length;
    const counts = rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    return `${JSON.stringify(counts)}, ${stored} of 20 changes stored`;
  };
  const burstWithout = await burst(inWorker);
  const burstWith = await burst(inLock);

  console.log(`# ${new Date().toISOString()}  node ${process.version}  ${cpus().length} × ${cpus()[0]?.model}  load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`# ${N} requests per row, one at a time, after ${WARMUP} of warm-up; latency in ms at the client; CPU = workerd ms per request`);
  console.log('| | p50 | p90 | p99 | CPU |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(row('read-modify-write PATCH, in the ResourceLock', lock));
  console.log(row('read-modify-write PATCH, in the Worker (no lock)', noLock));
  console.log(delta('**added by the lock**', lock, noLock));
  console.log(row('GET, tenant with rateLimit (TenantShaper asked)', shapedM));
  console.log(row('GET, tenant without rateLimit', plainM));
  console.log(delta('**added by shaping**', shapedM, plainM));
  console.log(`\n20 concurrent read-modify-write PATCHes on one user: without the lock ${burstWithout}; with it ${burstWith}.`);
}

try {
  await main();
} finally {
  stopAll();
}
