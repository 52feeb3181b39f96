// `import "scimmap"` in a browser app, from the packed tarball, with each bundler as its
// docs and pkg/README.md say (no plugin, no WebAssembly configuration): esbuild, Vite
// (production build) and webpack 5 each build a page that runs an evaluation in Debian's
// Chromium. The bundlers are pinned in pkg/test/bundlers/package-lock.json. Pages are
// served through Playwright's request routing, so no port is bound.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { scratch, PKG } from "./scratch.mjs";

const TOOLS = join(PKG, "test", "bundlers");
const requireTool = createRequire(join(TOOLS, "package.json"));
const ORIGIN = "http://app.test";

const MAIN = `import { evaluate } from "scimmap";
const r = evaluate('Join(" ", [givenName], [surname])', { givenName: "Ada", surname: "Lovelace" });
document.getElementById("out").textContent = JSON.stringify(r);
`;

let browser;

before(async () => {
  assert.ok(
    existsSync(join(TOOLS, "node_modules", "vite")),
    "pkg/test/bundlers/node_modules is missing: run scripts/setup.sh (or npm install in pkg/test/bundlers)",
  );
  const { chromium } = requireTool("playwright-core");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh app folder inside the scratch project (which has `scimmap` installed). */
function app(name, html) {
  const dir = join(scratch(), `app-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.js"), MAIN);
  writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><pre id="out"></pre>${html}\n`);
  return dir;
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

/** Opens `out/index.html` as ORIGIN/ in Chromium and returns what the page computed. */
async function run(out) {
  const context = await browser.newContext();
  const errors = [];
  try {
    await context.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = join(out, path === "/" ? "index.html" : decodeURIComponent(path));
      if (!existsSync(file)) return route.fulfill({ status: 404, body: "not found" });
      return route.fulfill({ path: file, contentType: TYPES[extname(file)] ?? "application/octet-stream" });
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("requestfailed", (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => document.getElementById("out")?.textContent, null, { timeout: 15000 }).catch(() => {});
    const text = await page.textContent("#out");
    assert.deepEqual(errors, [], `page errors: ${errors.join("; ")}`);
    return JSON.parse(text);
  } finally {
    await context.close();
  }
}

function sizes(tool, out) {
  const files = readdirSync(out, { recursive: true }).filter((f) => /\.(js|wasm)$/.test(f));
  const line = files.map((f) => `${f} ${statSync(join(out, f)).size} B`).join(", ");
  console.log(`  ${tool}: ${line}`);
  assert.equal(files.filter((f) => f.endsWith(".wasm")).length, 1, `${tool} emits the .wasm once: ${line}`);
}

const ADA = { ok: true, value: "Ada Lovelace", ignoreFlow: false };

test("esbuild: --bundle --format=esm, the .wasm copied next to the bundle", async () => {
  const dir = app("esbuild", '<script type="module" src="main.js"></script>');
  const out = join(dir, "dist");
  const esbuild = requireTool("esbuild");
  await esbuild.build({ entryPoints: [join(dir, "main.js")], bundle: true, format: "esm", outdir: out, logLevel: "silent" });
  copyFileSync(join(scratch(), "node_modules/scimmap/dist/web/scimmap_bg.wasm"), join(out, "scimmap_bg.wasm"));
  copyFileSync(join(dir, "index.html"), join(out, "index.html"));
  sizes("esbuild", out);
  assert.deepEqual(await run(out), ADA);
});

test("Vite: production build, no plugin and no configuration", async () => {
  const dir = app("vite", '<script type="module" src="/main.js"></script>');
  const out = join(dir, "dist");
  const { build } = await import(join(TOOLS, "node_modules/vite/dist/node/index.js"));
  await build({ root: dir, configFile: false, logLevel: "silent", build: { outDir: out } });
  sizes("vite", out);
  assert.deepEqual(await run(out), ADA);
});

test("webpack 5: production mode, no WebAssembly experiments", async () => {
  const dir = app("webpack", '<script src="main.js"></script>');
  const out = join(dir, "dist");
  const webpack = requireTool("webpack");
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: "production", context: dir, entry: "./main.js", output: { path: out } }, (err, s) =>
      err ? reject(err) : resolve(s),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  copyFileSync(join(dir, "index.html"), join(out, "index.html"));
  sizes("webpack", out);
  assert.deepEqual(await run(out), ADA);
});
