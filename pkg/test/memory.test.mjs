// Objects nobody frees are freed when collected: wasm-bindgen registers every Expression,
// Filter and Mapping with a FinalizationRegistry, and mappings loaded from the same input
// share one copy, so a handle costs a few bytes until its finalizer runs. Measured in a
// child Node with --expose-gc: WebAssembly memory and RSS after 10 000 and after 100 000
// `loadMapping` calls without `free()`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratch } from "./scratch.mjs";

// The package's WebAssembly memory is not exported, so the child keeps the instance the
// CommonJS glue creates.
const CHILD = `
const Instance = WebAssembly.Instance;
let instance;
WebAssembly.Instance = function (module, imports) { instance = new Instance(module, imports); return instance; };
const m = await import("scimmap");
const MB = 1024 * 1024;
const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise(setImmediate); } };
const sample = async () => { await settle(); return { wasm: instance.exports.memory.buffer.byteLength / MB, rss: process.memoryUsage().rss / MB }; };

// 1. The same preset, in one synchronous loop: finalizers cannot run until it ends.
const same = [];
const t0 = performance.now();
for (let i = 1; i <= 100_000; i++) {
  const r = m.loadMapping("webex");
  if (!r.ok) throw new Error(r.message);
  if (i === 10_000) same.push(await sample());
}
same.push(await sample());
const sameMs = performance.now() - t0;

// 2. A different mapping every call (no sharing possible), with a collection and a turn of
//    the event loop every 1 000 calls: the finalizers free what was collected. (V8 does
//    not see WebAssembly memory as pressure, so without gc() collections come later.)
const distinct = [];
const t1 = performance.now();
for (let i = 1; i <= 100_000; i++) {
  const r = m.loadMapping({ object: "User", mappings: { userName: "[userPrincipalName]", displayName: "Join(\\" \\", [givenName], \\"" + i + "\\")" } });
  if (!r.ok) throw new Error(r.message);
  if (i % 1000 === 0) { gc(); await new Promise(setImmediate); }
  if (i === 10_000) distinct.push(await sample());
}
distinct.push(await sample());
const distinctMs = performance.now() - t1;
console.log(JSON.stringify({ same, sameMs, distinct, distinctMs }));
`;

test("memory stays flat over 100 000 loadMapping calls without free()", () => {
  const dir = scratch();
  writeFileSync(join(dir, "memory-child.mjs"), CHILD);
  const out = execFileSync(process.execPath, ["--expose-gc", "memory-child.mjs"], { cwd: dir, encoding: "utf8" });
  const { same, sameMs, distinct, distinctMs } = JSON.parse(out.trim().split("\n").pop());
  const fmt = ([a, b]) => `wasm ${a.wasm.toFixed(1)} → ${b.wasm.toFixed(1)} MiB, rss ${a.rss.toFixed(0)} → ${b.rss.toFixed(0)} MiB`;
  console.log(`  same preset, synchronous (${(sameMs / 1000).toFixed(1)} s): ${fmt(same)}`);
  console.log(`  distinct mappings, collected (${(distinctMs / 1000).toFixed(1)} s): ${fmt(distinct)}`);
  for (const [label, [at10k, at100k]] of [["same preset", same], ["distinct mappings", distinct]]) {
    // Before: 20 000 calls reached 362 MB; 90 000 more calls may add a few MiB at most.
    assert.ok(at100k.wasm - at10k.wasm <= 4, `${label}: wasm memory grew ${at10k.wasm} → ${at100k.wasm} MiB`);
    assert.ok(at100k.rss - at10k.rss <= 48, `${label}: RSS grew ${at10k.rss} → ${at100k.rss} MiB`);
  }
});
