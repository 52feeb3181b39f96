// The package as consumers get it (the packed tarball in a scratch project): ESM import,
// CJS require, the web build in Node, the TypeScript surface, and the API's value shapes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PKG, scratch, importFromScratch, installedFiles } from "./scratch.mjs";

const esm = await importFromScratch();
const NOW = "2021-08-25T17:41:18Z";

test("the tarball holds dist/{web,node,bundler} and nothing from the source tree", () => {
  const files = installedFiles().map(String);
  for (const f of ["web/scimmap.js", "web/scimmap_bg.wasm", "node/scimmap.js", "node/scimmap.mjs", "bundler/scimmap.js"]) {
    assert.ok(files.includes(f), `missing dist/${f}`);
  }
  const pkg = JSON.parse(readFileSync(join(scratch(), "node_modules/scimmap/package.json"), "utf8"));
  assert.equal(pkg.name, "scimmap");
  assert.deepEqual(pkg.files, ["dist", "LICENSE-MIT", "LICENSE-APACHE"]);
});

test("ESM import and CJS require give the same API", () => {
  const dir = scratch();
  writeFileSync(join(dir, "consumer.cjs"), "module.exports = require('scimmap');\n");
  const cjs = createRequire(join(dir, "consumer.cjs"))("./consumer.cjs");
  const names = (o) => Object.keys(o).filter((k) => typeof o[k] === "function" && k !== "default").sort();
  assert.deepEqual(names(esm), names(cjs));
  for (const api of [esm, cjs]) {
    assert.deepEqual(api.evaluate('Join(" ", [givenName], [surname])', { givenName: "Ada", surname: "Lovelace" }), {
      ok: true,
      value: "Ada Lovelace",
      ignoreFlow: false,
    });
  }
  assert.equal(esm.version(), cjs.version());
});

test("the web build runs in Node from bytes (initSync), like a Worker or a bundler would load it", async () => {
  const web = await importFromScratch("scimmap/web");
  const bytes = readFileSync(join(scratch(), "node_modules/scimmap/dist/web/scimmap_bg.wasm"));
  web.initSync({ module: bytes });
  assert.equal(web.printFilter('userName EQ "a"').text, 'userName eq "a"');
});

test("the TypeScript surface type-checks under strict and has no `any`", () => {
  const dir = scratch();
  for (const f of installedFiles().map(String).filter((f) => /\.d\.m?ts$/.test(f))) {
    const text = readFileSync(join(dir, "node_modules/scimmap/dist", f), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    assert.doesNotMatch(text, /\bany\b/, `${f} mentions any`);
  }
  writeFileSync(
    join(dir, "consumer.mts"),
    `import { evaluate, parseExpression, loadMapping, simulate, functions, type Diagnostic, type EvalResult, type Report } from "scimmap";
const r: EvalResult = evaluate("ToLower([mail])", { mail: "A@B" }, { now: new Date(), seed: 1 });
if (r.ok) { const v: string | null = typeof r.value === "string" ? r.value : null; void v; } else { const d: Diagnostic[] = r.diagnostics; void d[0].start.column; }
const p = parseExpression("Left([x], 2)");
if (p.ok) { const n: string = p.expression.format(); void n; const e = p.expression.evaluate({ x: "abc" }); void e; }
const l = loadMapping("webex");
if (l.ok) { const rows = l.mapping.attributeMappings("User"); void rows[0].target; void l.findings; }
const s = simulate("webex", { userPrincipalName: "a@b" }, { aadOptScim062020: true });
if (s.ok) { const rep: Report = s.report; void rep.requests[0]?.method; }
void functions()[0].signature;
// @ts-expect-error: the input must be a JSON object
evaluate("[x]", 42);
`,
  );
  const tsc = join(PKG, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "--strict", "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom,esnext.disposable", "consumer.mts"], {
    cwd: dir,
    encoding: "utf8",
  });
});

test("parse failures are values with UTF-16 offsets and line/column", () => {
  // "😀" is two UTF-16 code units (four bytes): `Foo` starts at UTF-16 offset 11.
  const src = 'Join("😀", Foo([a]))';
  const diags = esm.checkExpression(src);
  const d = diags.find((x) => x.code === "unknown-function");
  assert.ok(d, JSON.stringify(diags));
  assert.equal(src.slice(d.start.offset, d.end.offset), "Foo");
  assert.deepEqual([d.start.offset, d.start.line, d.start.column], [11, 1, 12]);
  const multi = esm.parseExpression('Join(",",\n  [a],\n  Bar())');
  assert.equal(multi.ok, false);
  const bar = multi.diagnostics[0];
  assert.equal(bar.start.line, 3);
  assert.equal(bar.start.column, 3);
  const r = esm.evaluate("Mid([x], 1", { x: "abc" });
  assert.equal(r.ok, false);
  assert.ok(r.diagnostics[0].message.length > 0);
});

test("checkExpression suggests the attribute a translated name stands for", () => {
  const src = 'Join(" ", [Vorname], [correoElectrónico])';
  const diags = esm.checkExpression(src);
  const mail = diags.find((d) => src.slice(d.start.offset, d.end.offset) === "[correoElectrónico]");
  assert.ok(mail, JSON.stringify(diags));
  assert.equal(mail.code, "translated-attribute");
  assert.equal(mail.severity, "warning");
  assert.equal(mail.help, "did you mean `[mail]`? (`correoElectrónico` is Spanish for email address)");
  const given = diags.find((d) => d.help?.includes("`[givenName]`"));
  assert.equal(given?.help, "did you mean `[givenName]`? (`Vorname` is German for given name)");
});

test("evaluate: clock, seed, exists, ignore flow, runtime errors located", () => {
  assert.deepEqual(esm.evaluate("FormatDateTime(Now(), , \"yyyyMMddHHmmss.fZ\", \"yyyy-MM-dd\")", {}, { now: NOW }).value, "2021-08-25");
  assert.deepEqual(esm.evaluate("FormatDateTime(Now(), , \"yyyyMMddHHmmss.fZ\", \"yyyy-MM-dd\")", {}, { now: new Date(NOW) }).value, "2021-08-25");
  const a = esm.evaluate("Guid()", {}, { now: NOW, seed: 7 });
  const b = esm.evaluate("Guid()", {}, { now: NOW, seed: 7 });
  assert.equal(a.value, b.value);
  assert.notEqual(a.value, esm.evaluate("Guid()", {}, { now: NOW, seed: 8 }).value);
  const unique = esm.evaluate('SelectUniqueValue(Join("@", "ada", "x.org"), Join("@", "ada2", "x.org"))', {}, { exists: ["ada@x.org"] });
  assert.equal(unique.value, "ada2@x.org");
  assert.deepEqual(esm.evaluate("IgnoreFlowIfNullOrEmpty([x])", {}), { ok: true, value: null, ignoreFlow: true });
  assert.throws(() => esm.evaluate("[x]", {}, { now: "yesterday" }), /options.now/);
});

test("Expression object: parse once, evaluate many; attributes, format, Graph round trip", () => {
  const p = esm.parseExpression('join(" ",[givenName],[surname])');
  assert.equal(p.ok, false, "function names are case-sensitive");
  const q = esm.parseExpression('Join(" ",[givenName],  [surname])');
  assert.ok(q.ok);
  const e = q.expression;
  assert.deepEqual(e.attributes(), ["givenName", "surname"]);
  assert.equal(e.format(), 'Join(" ", [givenName], [surname])');
  assert.equal(e.evaluate({ givenName: "A", surname: "B" }).value, "A B");
  const g = e.toGraph();
  assert.equal(g.type, "Function");
  assert.deepEqual(esm.fromGraph(g), { ok: true, text: 'Join(" ", [givenName], [surname])' });
  assert.deepEqual(esm.attributes("Left([mail], 3)"), { ok: true, attributes: ["mail"] });
  assert.equal(esm.formatExpression("NotAFunction( [x] )").text, "NotAFunction([x])");
  e.free();
});

test("Expression batches: evaluateMany and evaluateJson give what evaluate gives, per input", () => {
  const e = esm.parseExpression('IIF(IsPresent([name.givenName]), Join(" ", [name.givenName], [surname]), IgnoreFlowIfNullOrEmpty([surname]))').expression;
  const users = [
    { name: { givenName: "Ada" }, surname: "Lovelace" },
    { surname: "Hopper" },
    {},
    { name: { givenName: "Grace" }, surname: 12345678901234 },
  ];
  const one = users.map((u) => e.evaluate(u, { now: NOW }));
  assert.deepEqual(one.map((r) => r.value), ["Ada Lovelace", "Hopper", null, "Grace 12345678901234"]);
  assert.equal(one[2].ignoreFlow, true);
  assert.deepEqual(e.evaluateMany(users, { now: NOW }), one);
  assert.deepEqual(JSON.parse(e.evaluateJson(JSON.stringify(users), { now: NOW })), one);
  assert.deepEqual(e.evaluateMany([]), []);
  // A failure stays per input, in the one shape of failures.
  const f = esm.parseExpression('FormatDateTime([d], , "yyyyMMddHHmmss.fZ", "yyyy")').expression;
  const rs = f.evaluateMany([{ d: "20210825174118.0Z" }, { d: "not a date" }]);
  assert.deepEqual(rs[0], { ok: true, value: "2021", ignoreFlow: false });
  assert.equal(rs[1].ok, false);
  assert.equal(rs[1].code, "invalid-date");
  assert.deepEqual(rs[1], f.evaluate({ d: "not a date" }));
  assert.throws(() => e.evaluateMany([{}, 42]), (x) => x instanceof TypeError && x.message === "inputs[1]: expected an object, got a number");
  e.free();
  f.free();
});

test("filters: parse, match, print, rewrite, batch", () => {
  const p = esm.parseFilter('userName eq "ADA" and emails[type eq "work" and value co "@x"]');
  assert.ok(p.ok);
  assert.equal(p.tree.op, "and");
  assert.deepEqual(p.filter.matches({ userName: "ada", emails: [{ type: "work", value: "a@x.org" }] }), { ok: true, matches: true });
  assert.deepEqual(p.filter.attributePaths().sort(), ["emails", "emails.type", "emails.value", "userName"]);
  assert.deepEqual(esm.matchFilter("userName eq", {}).ok, false);
  assert.equal(esm.matchFilter("userName eq", {}).error.scimType, "invalidFilter");
  assert.equal(esm.rewriteFilter('userName eq "a" or emails[type eq "work"]', { userName: "login", emails: "mails" }).text, 'login eq "a" or mails[type eq "work"]');
  const out = JSON.parse(esm.filterJson('active eq true', JSON.stringify({ Resources: [{ id: "1", active: true }, { id: "2", active: false }] })));
  assert.deepEqual(out.resources.map((r) => r.id), ["1"]);
  assert.equal(esm.parseFilter("externalId eq jyoung", { bareValues: true }).ok, true);
});

test("PATCH strict vs entra, and diff round trip", () => {
  const group = { displayName: "g", members: [{ value: "a" }, { value: "b" }] };
  const body = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Remove", path: "members", value: [{ value: "a" }] }] };
  assert.deepEqual(esm.applyPatch(group, body, { compat: "entra" }), { ok: true, resource: { displayName: "g", members: [{ value: "b" }] } });
  const strict = esm.applyPatch(group, body);
  assert.equal(strict.ok, false);
  assert.equal(strict.error.status, "400");
  const old = { userName: "a", name: { givenName: "A" } };
  const neu = { userName: "a", name: { givenName: "B" }, title: "T" };
  for (const shape of ["strict", "entra"]) {
    const d = esm.diff(old, neu, { shape });
    assert.deepEqual(esm.applyPatch(old, d, { compat: shape }).resource, neu);
  }
  // the text API gives the same result as JSON text, and keeps big integers exact
  assert.deepEqual(JSON.parse(esm.applyPatchJson(JSON.stringify(group), JSON.stringify(body), { compat: "entra" })),
    esm.applyPatch(group, body, { compat: "entra" }));
  assert.equal(JSON.parse(esm.applyPatchJson(JSON.stringify(group), JSON.stringify(body))).error.status, "400");
  const big = esm.applyPatchJson('{"userName":"a","n":9007199254740993}', JSON.stringify({ schemas: body.schemas, Operations: [{ op: "replace", path: "userName", value: "b" }] }));
  assert.match(big, /"n":9007199254740993/);
  assert.throws(() => esm.applyPatchJson("{", "{}"), /resource: invalid JSON/);
});

test("applyPatchManyJson applies one PatchOp to each resource of a list, each on its own", () => {
  const body = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", path: "active", value: false }, { op: "replace", path: "emails[type eq \"work\"].value", value: "x@contoso.com" }] };
  const users = [
    { userName: "a", active: true },
    { userName: "b", emails: [{ type: "work", value: "b@contoso.com" }, { type: "home", value: "b@home" }] },
    { userName: "c", n: 9007199254740993 },
  ];
  const text = JSON.stringify(users).replace('"n":9007199254740992', '"n":9007199254740993');
  const many = JSON.parse(esm.applyPatchManyJson(text, JSON.stringify(body)));
  assert.equal(many.length, 3);
  // the same as one applyPatchJson per resource, in input order
  users.forEach((u, i) => assert.deepEqual(many[i], JSON.parse(esm.applyPatchJson(JSON.stringify(u), JSON.stringify(body)))));
  // RFC 7644 §3.5.2.3: a replace whose value filter matches nothing is noTarget, for that user only
  assert.deepEqual(many.map((r) => r.ok), [false, true, false]);
  assert.deepEqual(many.map((r) => r.error?.scimType), ["noTarget", undefined, "noTarget"]);
  assert.equal(many[1].resource.active, false);
  assert.deepEqual(many[1].resource.emails, [{ type: "work", value: "x@contoso.com" }, { type: "home", value: "b@home" }]);
  const plain = JSON.stringify({ schemas: body.schemas, Operations: [{ op: "replace", path: "title", value: "T" }] });
  assert.match(esm.applyPatchManyJson(text, plain), /"n":9007199254740993/);
  // a ListResponse is read by its Resources; one failing resource fails alone
  const list = JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], Resources: [users[0], "not a resource"] });
  const mixed = JSON.parse(esm.applyPatchManyJson(list, plain));
  assert.equal(mixed[0].ok, true);
  assert.equal(mixed[1].ok, false);
  assert.equal(mixed[1].error.status, "400");
  assert.deepEqual(JSON.parse(esm.applyPatchManyJson("[]", JSON.stringify(body))), []);
  assert.throws(() => esm.applyPatchManyJson('{"a": 1}', JSON.stringify(body)), /resources: expected an array or a ListResponse/);
  assert.throws(() => esm.applyPatchManyJson("[", JSON.stringify(body)), /resources: /);
  assert.throws(() => esm.applyPatchManyJson("[]", "{"), /body: invalid JSON/);
});

test("expressions read only the attributes they name; Date and text `now` agree", () => {
  const user = { givenName: "Ada", surname: "Lovelace", name: { givenName: "A." }, emails: [{ type: "work", value: "ada@contoso.com" }] };
  const e = esm.parseExpression('Join(" ", [givenName], [surname], [missing])').expression;
  assert.deepEqual(e.evaluate(user, { now: NOW }), { ok: true, value: "Ada Lovelace", ignoreFlow: false });
  // a getter on an attribute the expression does not name is never read
  const lazy = { givenName: "Ada", get other() { throw new Error("read"); } };
  assert.equal(esm.evaluate("[givenName]", lazy, { now: NOW }).value, "Ada");
  // SCIM-path references still see the whole resource
  assert.equal(esm.evaluate('[emails[type eq "work"].value]', user, { now: NOW }).value, "ada@contoso.com");
  assert.equal(esm.evaluate("[name.givenName]", user, { now: NOW }).value, "A.");
  assert.equal(esm.evaluate("[givenName]", undefined, { now: NOW }).value, null);
  const at = (now) => esm.evaluate("Now()", {}, { now }).value;
  assert.equal(at(new Date(NOW)), at(NOW));
  assert.match(String(at(NOW)), /2021/);
  assert.throws(() => esm.evaluate("Now()", {}, { now: "yesterday" }), /options.now/);
});

test("a Mapping compiles each object mapping once and keeps them apart", () => {
  const m = esm.loadMapping("webex").mapping;
  const user = { userPrincipalName: "ada@contoso.com", givenName: "Ada", surname: "Lovelace", city: "London", objectId: "u1" };
  const group = { displayName: "Eng", objectId: "g1", mailNickname: "eng" };
  const u1 = m.apply(user, { now: NOW, object: "User" });
  const g1 = m.apply(group, { now: NOW, object: "Group" });
  const u2 = m.apply(user, { now: NOW, object: "User" });
  assert.deepEqual(u2, u1);
  // the trace is optional
  const bare = m.apply(user, { now: NOW, object: "User", steps: false });
  assert.deepEqual(bare, { ok: true, resource: u1.resource });
  assert.ok(u1.steps.length > 0);
  assert.deepEqual(JSON.parse(m.mapJson(JSON.stringify([user]), { now: NOW, steps: false })), [bare]);
  assert.deepEqual(u1, esm.applyMapping("webex", user, { now: NOW, object: "User" }));
  assert.deepEqual(g1, esm.applyMapping("webex", group, { now: NOW, object: "Group" }));
  assert.equal(g1.resource.displayName, "Eng");
  // a mapping that does not compile keeps failing the same way
  const bad = esm.loadMapping({ object: "User", mappings: { userName: "Join(" } }).mapping;
  assert.equal(bad.apply(user).ok, false);
  assert.deepEqual(bad.apply(user), bad.apply(user));
});

test("mappings: presets, load, lint findings, apply, simulate, batch", () => {
  const names = esm.presets().map((p) => p.name);
  assert.deepEqual(names, ["chatwork", "generic", "genesys", "timeclock365", "webex"]);
  assert.equal(esm.presets().find((p) => p.name === "webex").preset.displayName, "Cisco Webex");
  const user = { userPrincipalName: "ada@contoso.com", givenName: "Ada", surname: "Lovelace", city: "London", mail: "ada@contoso.com" };
  const l = esm.loadMapping("webex");
  assert.ok(l.ok);
  const rows = l.mapping.attributeMappings();
  assert.ok(rows.some((r) => r.target === 'addresses[type eq "work"].locality' && r.expression === "[city]"));
  const applied = l.mapping.apply(user, { now: NOW });
  assert.equal(applied.resource.addresses[0].locality, "London");
  const sim = esm.simulate("webex", user, { now: NOW });
  assert.equal(sim.report.action, "create");
  assert.equal(sim.report.requests[0].method, "POST");
  assert.equal(sim.report.scope.inScope, true);
  const upd = esm.simulate("webex", { ...user, city: "Paris" }, { now: NOW, current: { id: "42", ...applied.resource } });
  assert.equal(upd.report.action, "update");
  assert.equal(upd.report.requests[0].method, "PATCH");
  assert.match(JSON.stringify(upd.report.requests[0].body), /Paris/);
  const off = esm.simulate("webex", { ...user, IsSoftDeleted: true }, { now: NOW });
  assert.equal(off.report.action, "skip");
  // compact form with a broken expression: loads, lint locates it, apply reports it
  const compact = { object: "User", mappings: { userName: { expr: "[userPrincipalName]", matching: 1 }, displayName: 'Join(" ", [givenName]' } };
  const c = esm.loadMapping(compact);
  assert.ok(c.ok);
  const f = c.findings.find((x) => x.target === "displayName");
  assert.equal(f.field, "source");
  assert.equal(f.diagnostic.severity, "error");
  const bad = esm.applyMapping(compact, user);
  assert.equal(bad.ok, false);
  assert.equal(bad.target, "displayName");
  assert.ok(bad.diagnostics.length > 0);
  assert.equal(esm.loadMapping("nope").ok, false);
  assert.equal(esm.loadMapping(JSON.stringify(compact)).ok, true);
  // batch over JSON text: one call for many users
  const users = Array.from({ length: 500 }, (_, i) => ({ ...user, userPrincipalName: `u${i}@contoso.com` }));
  const t0 = performance.now();
  const out = JSON.parse(esm.mapUsersJson("webex", JSON.stringify(users), { now: NOW }));
  const ms = performance.now() - t0;
  assert.equal(out.length, 500);
  assert.equal(out[499].resource.userName, "u499@contoso.com");
  console.log(`  mapUsersJson: 500 users in ${ms.toFixed(1)} ms`);
});

test("functions(): the registry for autocomplete", () => {
  const fns = esm.functions();
  const join = fns.find((f) => f.name === "Join");
  assert.ok(join.doc.length > 0);
  assert.match(join.signature, /^Join\(/);
  assert.ok(fns.length >= 40);
});
