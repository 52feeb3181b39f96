// One failure shape for expressions, filters, PATCH and mappings: every `{ ok: false }`
// result has a kebab-case `code`, a `message`, `diagnostics`, and a `location` exactly
// when the failure is located in a text (README "Failures").
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PKG, importFromScratch } from "./scratch.mjs";

const m = await importFromScratch();
const NOW = "2021-08-25T17:41:18Z";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER = { userPrincipalName: "ada@contoso.com", givenName: "Ada" };

function assertFailure(r, { code, located, text }, label) {
  assert.equal(r.ok, false, label);
  assert.match(r.code, /^[a-z]+(-[a-z0-9]+)*$/, `${label}: code ${r.code}`);
  if (code) assert.equal(r.code, code, label);
  assert.equal(typeof r.message, "string", label);
  assert.ok(r.message.length > 0, `${label}: empty message`);
  assert.ok(Array.isArray(r.diagnostics), `${label}: diagnostics`);
  if (!located) {
    assert.equal(r.location, undefined, `${label}: no location expected`);
    return;
  }
  const { start, end } = r.location;
  for (const p of [start, end]) {
    assert.deepEqual(Object.keys(p).sort(), ["column", "line", "offset"], label);
  }
  // the location is the first diagnostic's, and slices the text it names
  assert.equal(r.code, r.diagnostics[0].code, label);
  assert.deepEqual([start, end], [r.diagnostics[0].start, r.diagnostics[0].end], label);
  if (text !== undefined) assert.equal(r.expression ?? text, text, label);
  assert.ok(end.offset >= start.offset && end.offset <= (text ?? "").length + 1, `${label}: ${JSON.stringify(r.location)}`);
}

test("expressions: parse, check and evaluation failures", () => {
  const src = 'Join(" ", Jion([a]))';
  const p = m.parseExpression(src);
  assertFailure(p, { code: "unknown-function", located: true, text: src }, "parseExpression");
  assert.equal(src.slice(p.location.start.offset, p.location.end.offset), "Jion");
  assertFailure(m.evaluate("Mid([x], 1", {}), { located: true, text: "Mid([x], 1" }, "evaluate parse");
  assertFailure(m.attributes("Left("), { located: true, text: "Left(" }, "attributes");
  assertFailure(m.formatExpression("Left("), { located: true, text: "Left(" }, "formatExpression");
  assertFailure(m.toGraph("Left("), { located: true, text: "Left(" }, "toGraph");
  const bad = 'FormatDateTime([d], , "yyyy", "not a format ]]")';
  const run = m.evaluate(bad, { d: "x" }, { now: NOW });
  assertFailure(run, { located: true, text: bad }, "evaluate runtime");
  const batch = JSON.parse(m.evaluateJson("Left(", "[{}]"));
  assertFailure(batch, { located: true, text: "Left(" }, "evaluateJson");
  assertFailure(m.fromGraph({ type: "Function", name: "NoSuch", parameters: [] }), { located: false }, "fromGraph");
});

test("filters: parse failures are located; SCIM failures carry the error body", () => {
  const src = 'userName eq "a" and';
  for (const [label, r] of [
    ["parseFilter", m.parseFilter(src)],
    ["printFilter", m.printFilter(src)],
    ["rewriteFilter", m.rewriteFilter(src, {})],
    ["matchFilter", m.matchFilter(src, {})],
    ["filterJson", JSON.parse(m.filterJson(src, "[]"))],
  ]) {
    assertFailure(r, { located: true, text: src }, label);
  }
  const matched = m.matchFilter(src, {});
  assert.equal(matched.error.scimType, "invalidFilter");
});

test("PATCH: the SCIM error body plus code and message", () => {
  const body = { schemas: [PATCH], Operations: [{ op: "remove" }] };
  const r = m.applyPatch({ userName: "a" }, body);
  assertFailure(r, { code: "no-target", located: false }, "applyPatch");
  assert.equal(r.message, r.error.detail);
  assert.equal(r.error.scimType, "noTarget");
  const t = JSON.parse(m.applyPatchJson('{"userName":"a"}', JSON.stringify({ schemas: [PATCH], Operations: [{ op: "jump", path: "a" }] })));
  assertFailure(t, { located: false }, "applyPatchJson");
  assert.equal(t.code, t.error.scimType.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
});

test("mappings: load, compile and evaluation failures", () => {
  assertFailure(m.loadMapping("nope"), { code: "unknown-preset", located: false }, "unknown preset");
  assertFailure(m.loadMapping("{ nope"), { code: "invalid-json", located: false }, "invalid JSON");
  assertFailure(m.loadMapping({ object: 42 }), { code: "invalid-mapping", located: false }, "invalid mapping");
  const expr = 'Join(" ", [givenName]';
  const r = m.applyMapping({ object: "User", mappings: { displayName: expr } }, USER, { now: NOW });
  assertFailure(r, { located: true, text: expr }, "applyMapping");
  assert.equal(r.target, "displayName");
  assert.match(r.message, /displayName/);
  const s = m.simulate({ object: "User", mappings: { displayName: expr } }, USER, { now: NOW });
  assertFailure(s, { located: true, text: expr }, "simulate");
  const none = m.loadMapping("webex").mapping.apply(USER, { object: "Device" });
  assertFailure(none, { code: "no-object-mapping", located: false }, "no object mapping");
});

test("the README documents the failure shape once", () => {
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Failures"));
  assert.ok(section, "README has a Failures section");
  for (const word of ["`code`", "`message`", "`location`", "`diagnostics`", "`error`", "`target`", "TypeError", "RangeError"]) {
    assert.ok(section.includes(word), `the Failures section mentions ${word}`);
  }
});
