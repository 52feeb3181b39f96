// test(): the mapping test cases of `scimmap test`, from the packed tarball. The preset
// cases files the CLI suite runs (tests/cases/presets) pass here too, with the same counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, importFromScratch } from "./scratch.mjs";

const m = await importFromScratch();
const CASES = join(ROOT, "tests", "cases");
const USER = { userPrincipalName: "ada@contoso.com", givenName: "Ada", surname: "Lovelace", IsSoftDeleted: false };

test("every preset's cases pass through the package as through the CLI", () => {
  let total = 0;
  for (const file of readdirSync(join(CASES, "presets"))) {
    const text = readFileSync(join(CASES, "presets", file), "utf8");
    const files = {};
    for (const c of [JSON.parse(text), ...JSON.parse(text).cases]) {
      if (c.schema) files[c.schema] = readFileSync(join(CASES, "presets", c.schema), "utf8");
    }
    const r = m.test(text, { files });
    assert.equal(r.ok, true, `${file}: ${r.message}`);
    assert.equal(r.failed, 0, `${file}: ${JSON.stringify(r.cases.filter((c) => !c.passed), null, 1)}`);
    assert.ok(r.passed >= 3, `${file}: ${r.passed} cases`);
    total += r.passed;
  }
  assert.equal(total, 29);
});

test("a case given as an object fails with its differences by attribute and the actual outcome", () => {
  const r = m.test({
    preset: "webex",
    simulate: { now: "2021-08-25T17:41:18Z", seed: 1 },
    cases: [
      { name: "created", source: USER, expect: { action: "create", requests: [{ method: "POST", path: "/Users", body: { userName: "someone@else" } }] } },
      { name: "no expectation yet", source: USER },
    ],
  });
  assert.equal(r.ok, true);
  assert.equal(r.passed, 0);
  assert.equal(r.failed, 2);
  const [first, second] = r.cases;
  assert.equal(first.passed, false);
  const userName = first.differences.find((d) => d.at === "requests[0].body.userName");
  assert.deepEqual(userName, { at: "requests[0].body.userName", expected: "someone@else", actual: "ada@contoso.com" });
  assert.equal(first.actual.action, "create");
  assert.equal(first.actual.requests[0].body.userName, "ada@contoso.com");
  assert.match(first.message, /differ|difference/i);
  // The actual outcome, pasted into `expect`, passes.
  const again = m.test({ preset: "webex", simulate: { now: "2021-08-25T17:41:18Z", seed: 1 }, cases: [{ name: "created", source: USER, expect: second.actual }] });
  assert.equal(again.passed, 1, JSON.stringify(again));
});

test("TOML text runs too, and a schema file comes from options.files", () => {
  const toml = readFileSync(join(CASES, "toml", "chatwork.toml"), "utf8");
  const r = m.test(toml);
  assert.equal(r.ok, true, r.message);
  assert.equal(r.failed, 0);
  assert.equal(r.passed, 2);
  const schema = readFileSync(join(CASES, "mappings", "webex-sales-only.schema.json"), "utf8");
  const cases = { schema: "sales.json", cases: [{ name: "out of scope", source: { ...USER, department: "Legal" }, expect: { action: "skip", reason: "scope" } }] };
  const ok = m.test(cases, { files: { "sales.json": schema } });
  assert.equal(ok.ok, true, ok.message);
  assert.equal(ok.passed, 1, JSON.stringify(ok.cases));
  const asObject = m.test(cases, { files: { "sales.json": JSON.parse(schema) } });
  assert.equal(asObject.passed, 1);
});

test("an invalid cases file is one failure value naming what is wrong", () => {
  const missing = m.test({ schema: "nowhere.json", cases: [{ name: "x", source: USER }] });
  assert.equal(missing.ok, false);
  assert.equal(missing.code, "invalid-cases");
  assert.match(missing.message, /nowhere\.json.*options\.files/);
  assert.deepEqual(missing.diagnostics, []);
  const unknown = m.test({ preset: "webex", cases: [{ name: "x", source: USER, frobnicate: 1 }] });
  assert.equal(unknown.ok, false);
  assert.match(unknown.message, /frobnicate/);
  assert.equal(m.test("{", {}).ok, false);
  assert.equal(m.test({ preset: "webex", cases: [] }).ok, false);
  assert.throws(() => m.test("x", { format: "yaml" }), RangeError);
  assert.throws(() => m.test("x", { files: "a.json" }), TypeError);
});
