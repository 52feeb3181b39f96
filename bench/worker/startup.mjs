// Start-up of the deployable bundle in workerd (through Miniflare, which wrangler dev
// uses): the time until workerd has loaded the module — which compiles and instantiates
// the wasm at the top level — and the first and second request after that, next to the
// same for bench/worker/passthrough.js, so what workerd itself costs to start cancels out.
//
//   node bench/worker/startup.mjs <dir>   # <dir>: `wrangler deploy --dry-run --outdir <dir>`
//
// Wall times include starting the workerd process, which varies with the machine's load;
// the workerd process's CPU time (utime + stime from /proc, clock-tick granularity) at each
// point varies less, and is printed next to them.
//
// The first request is an unauthenticated GET /scim/v2/Users (401): it loads the config
// and runs the pipeline without calling the app. RUNS (5) runs each, medians printed.
// Miniflare starts and stops its own workerd process; nothing listens on a fixed port.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { Miniflare, convertV4MiniflareOptions } = createRequire(join(ROOT, 'worker/package.json'))('miniflare');
const RUNS = Number(process.env.RUNS ?? 5);
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/worker/startup.mjs <wrangler deploy --dry-run --outdir directory>');
  process.exit(2);
}

const CONFIG = JSON.stringify({ preset: 'generic', log: 'off', upstream: { url: 'http://127.0.0.1:9/v2', auth: { type: 'none' } }, inbound: { tokens: ['INBOUND_TOKEN'] } });
const files = readdirSync(dir);
const wasm = files.find((f) => f.endsWith('.wasm'));
const scimmap = {
  modules: [
    { type: 'ESModule', path: join(dir, 'index.js') },
    { type: 'CompiledWasm', path: join(dir, wasm) },
  ],
  modulesRoot: dir,
  compatibilityDate: '2026-11-01',
  durableObjects: {
    RESOURCE_LOCK: { className: 'ResourceLock', useSQLite: true },
    TENANT_SHAPER: { className: 'TenantShaper', useSQLite: true },
  },
  bindings: { SCIMMAP_CONFIG: CONFIG, INBOUND_TOKEN: 'startup-probe' },
};
const passthrough = {
  modules: true,
  scriptPath: join(ROOT, 'bench/worker/passthrough.js'),
  compatibilityDate: '2026-11-01',
  bindings: { UPSTREAM_URL: 'http://127.0.0.1:9/v2' },
};

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** The CPU time (ms) of every workerd process below this one. */
function workerdCpuMs() {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), { ppid: Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]), st });
    } catch { /* exited meanwhile */ }
  }
  let total = 0;
  const todo = [process.pid];
  while (todo.length) {
    const p = todo.pop();
    for (const [c, { ppid, st }] of parent) {
      if (ppid !== p) continue;
      todo.push(c);
      let exe = '';
      try { exe = readlinkSync(`/proc/${c}/exe`); } catch { /* gone */ }
      if (!exe.endsWith('workerd')) continue;
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) * TICK_MS;
    }
  }
  return total;
}

async function once(options, expect) {
  const t0 = performance.now();
  const mf = new Miniflare(convertV4MiniflareOptions(options));
  try {
    await mf.ready;
    const t1 = performance.now();
    const c1 = workerdCpuMs();
    const r1 = await mf.dispatchFetch('http://edge.example/scim/v2/Users');
    await r1.arrayBuffer();
    const t2 = performance.now();
    const c2 = workerdCpuMs();
    const r2 = await mf.dispatchFetch('http://edge.example/scim/v2/Users');
    await r2.arrayBuffer();
    const t3 = performance.now();
    if (expect !== undefined && r1.status !== expect) throw new Error(`first request answered ${r1.status}, expected ${expect}`);
    return { ready: t1 - t0, first: t2 - t1, second: t3 - t2, readyCpu: c1, firstCpu: c2 - c1 };
  } finally {
    await mf.dispose();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(options, expect) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(options, expect));
  return Object.fromEntries(['ready', 'first', 'second', 'readyCpu', 'firstCpu'].map((k) => [k, median(runs.map((r) => r[k]))]));
}

const s = await measure(scimmap, 401);
const p = await measure(passthrough);
const ms = (x) => `${x.toFixed(0).padStart(5)} ms`;
console.log(`   start-up in workerd (median of ${RUNS}):  workerd ready (CPU)    first request (CPU)   second request`);
for (const [name, r] of [['scimmap bundle', s], ['pass-through Worker', p]]) {
  console.log(`     ${name.padEnd(22)} ${ms(r.ready)} (${ms(r.readyCpu)})   ${ms(r.first)} (${ms(r.firstCpu)})   ${ms(r.second)}`);
}
console.log(`     scimmap − pass-through, module load + first request: ${ms(s.ready - p.ready + s.first - p.first)} wall, ${ms(s.readyCpu - p.readyCpu + s.firstCpu - p.firstCpu)} workerd CPU`);
