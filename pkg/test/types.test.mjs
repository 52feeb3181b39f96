// TypeScript as users write it: every ```js/```ts snippet of pkg/README.md and of the root
// README, verbatim, type-checked under --strict against the declarations in the packed
// tarball, with lib ES2020, ES2022 and ESNext, as a Node project (nodenext) and as a
// bundler project; the Worker snippet as a Worker (the `workerd` condition). Plus what
// users pass that the README does not show: an interface-typed user, a Date for `now`.
// typescript is pinned in pkg/package-lock.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { scratch, PKG, ROOT } from "./scratch.mjs";

const TSC = createRequire(join(PKG, "package.json")).resolve("typescript/bin/tsc");
const LIBS = ["ES2020", "ES2022", "ESNext"];

/** The ```js and ```ts blocks of a Markdown file, verbatim. */
function snippets(file) {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^```(?:js|ts)\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

const README = snippets(join(PKG, "README.md")).concat(snippets(join(ROOT, "README.md")));
const isWorker = (s) => s.includes('"scimmap/scimmap_bg.wasm"');

// What users write beyond the README: their own interfaces, a Date, `using`-free code on
// every lib, results narrowed on `ok`.
const USAGE = `import { evaluate, simulate, applyMapping, matchFilter, parseExpression } from "scimmap";
interface User { userPrincipalName: string; city?: string; manager?: { id: string }; tags: string[] }
const user: User = { userPrincipalName: "ada@contoso.com", city: "London", tags: ["a"] };
const r = evaluate("[city]", user, { now: new Date("2021-08-25T17:41:18Z") });
if (r.ok) { const v: unknown = r.value; void v; } else { const c: string = r.code; void c; }
const { report } = simulate("webex", user);
const action: string | undefined = report?.action;
void action;
applyMapping("webex", user);
matchFilter('city eq "London"', user);
const e = parseExpression("[city]");
if (e.ok) { e.expression.evaluate(user, { now: new Date() }); e.expression.free(); }
`;

function check(name, files, { lib, resolution, conditions = [] }) {
  const dir = join(scratch(), "types", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = files.map((src, i) => {
    writeFileSync(join(dir, `snippet${i}.ts`), src.startsWith("import") ? src : `export {};\n${src}`);
    return `snippet${i}.ts`;
  });
  const node = resolution === "nodenext";
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: "ES2020",
    lib: node ? [lib] : [lib, "DOM"],
    module: node ? "nodenext" : "esnext",
    moduleResolution: resolution,
    customConditions: node ? undefined : conditions,
    types: [],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: names }, null, 2));
  try {
    execFileSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
  } catch (e) {
    const shown = names.map((n, i) => `--- ${n}\n${files[i]}`).join("\n");
    assert.fail(`tsc (${name}) failed:\n${e.stdout}${e.stderr}\n${shown}`);
  }
}

test("the README snippets found", () => {
  assert.ok(README.length >= 4, `${README.length} snippets`);
  assert.equal(README.filter(isWorker).length, 1);
});

for (const lib of LIBS) {
  for (const resolution of ["nodenext", "bundler"]) {
    test(`README snippets and typed users, --strict, lib ${lib}, moduleResolution ${resolution}`, () => {
      const files = README.filter((s) => !isWorker(s)).concat(USAGE);
      check(`${lib}-${resolution}`, files, { lib, resolution, conditions: ["browser"] });
    });
  }
  test(`the Worker snippet, --strict, lib ${lib}, the workerd condition`, () => {
    check(`${lib}-workerd`, README.filter(isWorker), { lib, resolution: "bundler", conditions: ["workerd"] });
  });
}
