// Size and start-up cost of the two wasm builds in Node: the npm package
// (pkg/dist/web/scimmap_bg.wasm, `bash pkg/build.sh`) and the Worker
// (worker/build/index_bg.wasm, `worker-build --release worker`).
//
// Per module, best of BENCH_WASM_N (20) iterations of `await WebAssembly.compile(bytes)`
// then `await WebAssembly.instantiate(module, imports)` with stub imports (every import a
// function that throws; the Worker's exception tag is WebAssembly.JSTag, as its glue
// passes). Each iteration appends a distinct custom section to the bytes, so V8's
// in-process cache of compiled modules (keyed by the bytes) never answers. The npm build
// is also timed through its own glue (`initSync`, real imports + `__wbindgen_start`).
//
// Node's V8 compiles wasm lazily by default (functions on first call); the script re-runs
// itself with --no-wasm-lazy-compilation for the eager (Liftoff, all functions) figure.
//
//   node bench/worker/instantiate.mjs      (scripts/bench-worker.sh runs it)
import { readFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ITER = Number(process.env.BENCH_WASM_N ?? 20);
const MODULES = [
  ['npm build', 'pkg/dist/web/scimmap_bg.wasm'],
  ['worker build', 'worker/build/index_bg.wasm'],
];

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
/** The module with one more custom section named `name` (valid anywhere after the header). */
function withCustomSection(bytes, name) {
  const nm = Buffer.from(name);
  const content = [...leb(nm.length), ...nm];
  return Buffer.concat([bytes, Buffer.from([0, ...leb(content.length), ...content])]);
}
function stubImports(module) {
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    imports[i.module] ??= {};
    if (i.kind === 'function') imports[i.module][i.name] = () => { throw new Error(`stub import ${i.name}`); };
    else if (i.kind === 'tag') imports[i.module][i.name] = WebAssembly.JSTag;
    else throw new Error(`unexpected import kind ${i.kind} (${i.name})`);
  }
  return imports;
}

async function measure() {
  const out = {};
  for (const [label, file] of MODULES) {
    const bytes = readFileSync(join(ROOT, file));
    let compile = Infinity;
    let inst = Infinity;
    let total = Infinity;
    for (let k = 0; k < ITER; k++) {
      const b = withCustomSection(bytes, `bench-${process.pid}-${k}`);
      const t0 = performance.now();
      const m = await WebAssembly.compile(b);
      const t1 = performance.now();
      await WebAssembly.instantiate(m, stubImports(m));
      const t2 = performance.now();
      compile = Math.min(compile, t1 - t0);
      inst = Math.min(inst, t2 - t1);
      total = Math.min(total, t2 - t0);
    }
    out[label] = { compile, inst, total };
  }
  // The npm build through its glue: a fresh copy of scimmap.js each time (query string),
  // initSync compiles synchronously, instantiates with the real imports and starts.
  const glue = pathToFileURL(join(ROOT, 'pkg/dist/web/scimmap.js')).href;
  const bytes = readFileSync(join(ROOT, MODULES[0][1]));
  let best = Infinity;
  for (let k = 0; k < ITER; k++) {
    const g = await import(`${glue}?bench=${k}`);
    const b = withCustomSection(bytes, `glue-${process.pid}-${k}`);
    const t0 = performance.now();
    g.initSync({ module: b });
    best = Math.min(best, performance.now() - t0);
  }
  out.glue = best;
  return out;
}

if (process.env.BENCH_WASM_CHILD) {
  process.stdout.write(JSON.stringify(await measure()));
} else {
  const lazy = await measure();
  const eager = JSON.parse(execFileSync(process.execPath, ['--no-wasm-lazy-compilation', fileURLToPath(import.meta.url)],
    { env: { ...process.env, BENCH_WASM_CHILD: '1' } }).toString());
  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(`node ${process.version} (V8 ${process.versions.v8}), best of ${ITER}\n`);
  console.log('| module | raw bytes | gzip -9 bytes | compile | instantiate | compile + instantiate | same, --no-wasm-lazy-compilation |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [label, file] of MODULES) {
    const bytes = readFileSync(join(ROOT, file));
    const gz = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;
    const l = lazy[label];
    const e = eager[label];
    console.log(`| ${label} (\`${file}\`) | ${bytes.length} | ${gz} | ${ms(l.compile)} | ${ms(l.inst)} | ${ms(l.total)} | ${ms(e.total)} (compile ${ms(e.compile)}) |`);
  }
  console.log(`| npm build through its glue: \`initSync\` (sync compile, real imports, start) | | | | | ${ms(lazy.glue)} | ${ms(eager.glue)} |`);
}
