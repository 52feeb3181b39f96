// The package inside a JS Cloudflare Worker, run by workerd through Miniflare: the `web`
// build, with the .wasm imported as a compiled module (what wrangler does with a `.wasm`
// import) and instantiated once with initSync.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { scratch } from "./scratch.mjs";

const WORKER = `
import { initSync, evaluate, simulate, matchFilter } from "./scimmap.js";
import wasm from "./scimmap_bg.wasm";
initSync({ module: wasm });
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/eval") {
      const { expr, input } = await request.json();
      return Response.json(evaluate(expr, input, { now: "2021-08-25T17:41:18Z" }));
    }
    if (url.pathname === "/filter") {
      return Response.json(matchFilter(url.searchParams.get("filter"), { userName: "ada" }));
    }
    if (url.pathname === "/simulate") {
      return Response.json(simulate("webex", await request.json()));
    }
    return new Response("not found", { status: 404 });
  },
};
`;

test("a JS Worker under workerd evaluates, filters and simulates with the web build", async () => {
  const web = join(scratch(), "node_modules/scimmap/dist/web");
  const dir = mkdtempSync(join(tmpdir(), "scimmap-worker-"));
  writeFileSync(join(dir, "worker.mjs"), WORKER);
  copyFileSync(join(web, "scimmap.js"), join(dir, "scimmap.js"));
  copyFileSync(join(web, "scimmap_bg.wasm"), join(dir, "scimmap_bg.wasm"));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      workers: [
        {
          name: "scimmap-js-worker",
          modulesRoot: dir,
          modules: [
            { type: "ESModule", path: join(dir, "worker.mjs") },
            { type: "ESModule", path: join(dir, "scimmap.js") },
            { type: "CompiledWasm", path: join(dir, "scimmap_bg.wasm") },
          ],
          compatibilityDate: "2026-11-01",
        },
      ],
    }),
  );
  try {
    await mf.ready;
    const r = await mf.dispatchFetch("http://localhost/eval", {
      method: "POST",
      body: JSON.stringify({ expr: 'Join(" ", [givenName], [surname])', input: { givenName: "Ada", surname: "Lovelace" } }),
    });
    assert.deepEqual(await r.json(), { ok: true, value: "Ada Lovelace", ignoreFlow: false });
    const f = await mf.dispatchFetch(`http://localhost/filter?filter=${encodeURIComponent('userName eq "ADA"')}`);
    assert.deepEqual(await f.json(), { ok: true, matches: true });
    const s = await mf.dispatchFetch("http://localhost/simulate", {
      method: "POST",
      body: JSON.stringify({ userPrincipalName: "ada@contoso.com", city: "London" }),
    });
    const report = (await s.json()).report;
    assert.equal(report.action, "create");
    assert.equal(report.requests[0].body.addresses[0].locality, "London");
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
