// What the packed tarball holds: one .wasm shared by the node, web and bundler entry
// points, each other file once, and the licence texts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT, scratch, importFromScratch } from "./scratch.mjs";

const installed = () => join(scratch(), "node_modules", "scimmap");

function files(dir = installed()) {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => relative(installed(), f))
    .sort();
}

test("the tarball lists exactly the shipped files", () => {
  assert.deepEqual(files(), [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "dist/bundler/scimmap.d.ts",
    "dist/bundler/scimmap.js",
    "dist/node/package.json",
    "dist/node/scimmap.d.ts",
    "dist/node/scimmap.js",
    "dist/node/scimmap.mjs",
    "dist/web/browser.js",
    "dist/web/scimmap.d.ts",
    "dist/web/scimmap.js",
    "dist/web/scimmap_bg.js",
    "dist/web/scimmap_bg.wasm",
    "dist/web/scimmap_bg.wasm.d.ts",
    "package.json",
  ]);
});

test("one .wasm, and no file shipped twice", () => {
  const list = files();
  assert.deepEqual(list.filter((f) => f.endsWith(".wasm")), ["dist/web/scimmap_bg.wasm"]);
  const byHash = new Map();
  for (const f of list) {
    const h = createHash("sha256").update(readFileSync(join(installed(), f))).digest("hex");
    byHash.set(h, [...(byHash.get(h) ?? []), f]);
  }
  const twice = [...byHash.values()].filter((fs) => fs.length > 1);
  // The one allowed pair: the same declarations read as CommonJS (dist/node has
  // "type": "commonjs", for `require`) and as ESM (for `import` and bundlers).
  assert.deepEqual(twice, [["dist/bundler/scimmap.d.ts", "dist/node/scimmap.d.ts"]]);
  const packed = readdirSync(scratch()).find((f) => f.endsWith(".tgz"));
  const size = statSync(join(scratch(), packed)).size;
  console.log(`  tarball: ${size} bytes`);
  assert.ok(size < 1_000_000, `the tarball is ${size} bytes`);
});

test("the licence texts ship, MIT and Apache-2.0, as the repository's", () => {
  const pkg = JSON.parse(readFileSync(join(installed(), "package.json"), "utf8"));
  assert.equal(pkg.license, "MIT OR Apache-2.0");
  for (const f of ["LICENSE-MIT", "LICENSE-APACHE"]) {
    assert.equal(readFileSync(join(installed(), f), "utf8"), readFileSync(join(ROOT, f), "utf8"), f);
  }
  assert.match(readFileSync(join(installed(), "LICENSE-MIT"), "utf8"), /Permission is hereby granted, free of charge/);
  assert.match(readFileSync(join(installed(), "LICENSE-APACHE"), "utf8"), /Apache License\s+Version 2\.0, January 2004/);
});

test("every entry point runs on the shared .wasm", async () => {
  // node (ESM and CJS), `scimmap/node`, and the web build instantiated from the shipped bytes
  const esm = await importFromScratch();
  assert.equal(esm.printFilter('a EQ "b"').text, 'a eq "b"');
  const node = await importFromScratch("scimmap/node");
  assert.equal(node.printFilter('a EQ "b"').text, 'a eq "b"');
  const web = await importFromScratch("scimmap/web");
  web.initSync({ module: readFileSync(join(installed(), "dist/web/scimmap_bg.wasm")) });
  assert.equal(web.printFilter('a EQ "b"').text, 'a eq "b"');
  // the bundler build as an ESM-integration host loads it (Node's WebAssembly modules:
  // the .wasm's own import, "./scimmap_bg.js", resolves next to it, as in a bundler)
  const dir = scratch();
  writeFileSync(join(dir, "bundler.mjs"), 'import { printFilter } from "scimmap/bundler";\nconsole.log(printFilter(\'a EQ "b"\').text);\n');
  const out = execFileSync(process.execPath, ["--experimental-wasm-modules", "--no-warnings", "bundler.mjs"], { cwd: dir, encoding: "utf8" });
  assert.equal(out.trim(), 'a eq "b"');
});
