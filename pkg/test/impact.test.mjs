// impact(): what a mapping change would do to a population, from the packed tarball, on
// the fixtures of the native suite (tests/impact): the portal's CSV, a Graph /users page,
// a JSON array, JSON Lines and plain objects give the same report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, importFromScratch } from "./scratch.mjs";

const m = await importFromScratch();
const FIXTURES = join(ROOT, "tests", "impact");
const read = (name) => readFileSync(join(FIXTURES, name), "utf8");
const NOW = "2021-08-25T17:41:18Z";

/** The webex preset's Graph schema with userName taken from `[mail]` instead of the UPN. */
function userNameFromMail() {
  const graph = m.loadMapping("webex").mapping.toGraph();
  const user = graph.synchronizationRules[0].objectMappings.find((o) => o.sourceObjectName === "User");
  const userName = user.attributeMappings.find((a) => a.targetAttributeName === "userName");
  userName.source = { expression: "[mail]", name: "mail", type: "Attribute", parameters: [] };
  return graph;
}

test("portal CSV, Graph page, JSON array, JSON Lines and objects: the same report, the matching change first", () => {
  const to = userNameFromMail();
  const inputs = {
    "portal-users.csv": read("portal-users.csv"),
    "graph-users.json": read("graph-users.json"),
    "users.json": read("users.json"),
    "users.jsonl": read("users.jsonl"),
    objects: JSON.parse(read("users.json")),
  };
  const reports = Object.entries(inputs).map(([name, users]) => {
    const r = m.impact("webex", to, users, { now: NOW });
    assert.equal(r.ok, true, `${name}: ${r.message}`);
    return [name, r.report];
  });
  for (const [name, report] of reports) {
    assert.equal(report.users, 7, name);
    assert.deepEqual([report.changed, report.unchanged], [2, 5], name);
    const [first] = report.findings;
    assert.equal(first.kind, "matchingChanged", name);
    assert.equal(first.severity, "dangerous");
    assert.equal(first.count, 2);
    assert.equal(first.examples[0].user, "alan.turing@contoso.com");
    assert.equal(first.examples[0].before, 'userName eq "alan.turing@contoso.com"');
    assert.equal(first.examples[0].after, 'userName eq "aturing@mail.contoso.com"');
    const userName = report.attributes.find((a) => a.target === "userName");
    assert.deepEqual([userName.users, userName.changed, userName.dropped], [2, 1, 1], name);
    assert.equal(report.from, "preset:webex");
    assert.equal(report.to, "the new mapping");
    assert.deepEqual(report, reports[0][1], `${name} gives the portal CSV's report`);
  }
});

test("the same mapping on both sides changes nothing; options.examples and options.format apply", () => {
  const r = m.impact("webex", "webex", read("portal-users.csv"), { now: NOW, format: "csv" });
  assert.equal(r.ok, true, r.message);
  assert.deepEqual([r.report.users, r.report.changed, r.report.unchanged], [7, 0, 7]);
  assert.ok(r.report.findings.every((f) => f.count === 0), JSON.stringify(r.report.findings));
  const one = m.impact("webex", userNameFromMail(), read("users.jsonl"), { now: new Date(NOW), examples: 1 });
  assert.equal(one.report.findings[0].examples.length, 1);
});

test("a broken mapping, unreadable users and a bad format are failures that say which", () => {
  const broken = m.impact("webex", "nope", "[]");
  assert.equal(broken.ok, false);
  assert.equal(broken.code, "unknown-preset");
  assert.match(broken.message, /^to: /);

  const csv = m.impact("webex", "webex", '[{"userPrincipalName": "a@b"}, 42]', { now: NOW });
  assert.equal(csv.ok, false);
  assert.equal(csv.code, "invalid-users");
  assert.match(csv.message, /record 2/);

  const objects = m.impact("webex", "webex", [{ userPrincipalName: "a@b" }, "x"], { now: NOW });
  assert.equal(objects.code, "invalid-users");
  assert.match(objects.message, /record 2/);

  assert.throws(() => m.impact("webex", "webex", "[]", { format: "xml" }), (e) => e instanceof RangeError && /options\.format/.test(e.message));
});
