// Wrong JS types never reach WebAssembly: every export and every class method, called with
// every wrong JS type in each parameter, throws a TypeError naming the parameter and what
// it expected. The exports are enumerated from the module, so a new export without an
// entry here (and so without checks) fails the first test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { importFromScratch } from "./scratch.mjs";

const m = await importFromScratch();
const NOW = "2021-08-25T17:41:18Z";

// One value of each JS type; a parameter kind lists the ones it accepts.
const VALUES = {
  number: 42,
  bigint: 10n,
  symbol: Symbol("s"),
  null: null,
  undefined: undefined,
  boolean: true,
  string: "text",
  object: { a: 1 },
  array: [1],
  function: () => 1,
};
const KINDS = {
  string: ["string"],
  "string?": ["string", "undefined", "null"],
  object: ["object"],
  "object?": ["object", "undefined"],
  options: ["object", "undefined", "null"],
  mapping: ["string", "object"],
  users: ["string", "array"],
  array: ["array"],
};

const PATCH = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "title", value: "T" }] };
const USER = { userPrincipalName: "ada@contoso.com", givenName: "Ada" };

// [parameter name, kind, a valid value]
const EXPORTS = {
  version: [],
  functions: [],
  presets: [],
  start: [],
  parseExpression: [["source", "string", "[a]"]],
  checkExpression: [["source", "string", "[a]"]],
  attributes: [["source", "string", "[a]"]],
  formatExpression: [["source", "string", "[a]"]],
  toGraph: [["source", "string", "[a]"]],
  fromGraph: [["graph", "object", { type: "Attribute", name: "a" }]],
  evaluate: [["source", "string", "[a]"], ["input", "object?", { a: "x" }], ["options", "options", { now: NOW }]],
  evaluateJson: [["source", "string", "[a]"], ["inputs", "string", "[]"], ["options", "options", {}]],
  parseFilter: [["source", "string", 'a eq "b"'], ["options", "options", {}]],
  matchFilter: [["filter", "string", 'a eq "b"'], ["resource", "object?", { a: "b" }], ["options", "options", {}]],
  filterJson: [["filter", "string", 'a eq "b"'], ["resources", "string", "[]"], ["options", "options", {}]],
  printFilter: [["filter", "string", 'a eq "b"'], ["options", "options", {}]],
  rewriteFilter: [["filter", "string", 'a eq "b"'], ["renames", "object", { a: "c" }], ["options", "options", {}]],
  applyPatch: [["resource", "object", { title: "A" }], ["body", "object", PATCH], ["options", "options", {}]],
  applyPatchJson: [["resource", "string", "{}"], ["body", "string", JSON.stringify(PATCH)], ["options", "options", {}]],
  applyPatchManyJson: [["resources", "string", "[{}]"], ["body", "string", JSON.stringify(PATCH)], ["options", "options", {}]],
  diff: [["old", "object", {}], ["new", "object", { a: 1 }], ["options", "options", {}]],
  loadMapping: [["input", "mapping", "webex"]],
  applyMapping: [["mapping", "mapping", "webex"], ["source", "object?", USER], ["options", "options", { now: NOW }]],
  simulate: [["mapping", "mapping", "webex"], ["source", "object?", USER], ["options", "options", { now: NOW }]],
  mapUsersJson: [["mapping", "mapping", "webex"], ["users", "string", "[]"], ["options", "options", { now: NOW }]],
  test: [["cases", "mapping", { preset: "webex", cases: [{ name: "c", source: USER }] }], ["options", "options", {}]],
  impact: [["from", "mapping", "webex"], ["to", "mapping", "webex"], ["users", "users", [USER]], ["options", "options", { now: NOW }]],
};

// Class methods, called on a live instance; getters and free/dispose take no arguments.
const INSTANCES = {
  Expression: () => m.parseExpression("[a]").expression,
  Filter: () => m.parseFilter('a eq "b"').filter,
  Mapping: () => m.loadMapping("webex").mapping,
};
const METHODS = {
  Expression: {
    evaluate: [["input", "object?", { a: "x" }], ["options", "options", { now: NOW }]],
    evaluateMany: [["inputs", "array", [{ a: "x" }]], ["options", "options", { now: NOW }]],
    evaluateJson: [["inputs", "string", "[]"], ["options", "options", { now: NOW }]],
    attributes: [],
    format: [],
    toGraph: [],
  },
  Filter: { matches: [["resource", "object?", { a: "b" }]], toString: [], tree: [], attributePaths: [] },
  Mapping: {
    objects: [],
    attributeMappings: [["object", "string?", "User"]],
    toGraph: [],
    findings: [],
    apply: [["source", "object?", USER], ["options", "options", { now: NOW }]],
    simulate: [["source", "object?", USER], ["options", "options", { now: NOW }]],
    mapJson: [["sources", "string", "[]"], ["options", "options", { now: NOW }]],
  },
};

// Members of each options object, with one wrong value each and the expected word.
const EVAL_MEMBERS = { now: [42, "RFC 3339"], seed: ["7", "integer"], exists: [["a", 1], "array of strings"] };
const OPTION_MEMBERS = {
  evaluate: EVAL_MEMBERS,
  evaluateJson: EVAL_MEMBERS,
  parseFilter: { bareValues: ["yes", "boolean"] },
  matchFilter: { bareValues: [1, "boolean"] },
  filterJson: { bareValues: [1, "boolean"] },
  printFilter: { bareValues: [1, "boolean"] },
  rewriteFilter: { bareValues: [1, "boolean"] },
  applyPatch: { compat: [true, "string"] },
  applyPatchJson: { compat: [1, "string"] },
  applyPatchManyJson: { compat: [1, "string"] },
  diff: { shape: [{}, "string"] },
  applyMapping: { ...EVAL_MEMBERS, object: [1, "string"], mode: [1, "string"], steps: ["no", "boolean"] },
  simulate: {
    ...EVAL_MEMBERS,
    object: [1, "string"],
    current: ["x", "object"],
    aadOptScim062020: [1, "boolean"],
    deleted: ["yes", "boolean"],
  },
  mapUsersJson: { ...EVAL_MEMBERS, object: [1, "string"], steps: [0, "boolean"] },
  impact: {
    now: [42, "RFC 3339"],
    object: [1, "string"],
    format: [1, "string"],
    examples: ["3", "integer"],
    aadOptScim062020: [1, "boolean"],
  },
};

const functionNames = (o) => Object.keys(o).filter((k) => typeof o[k] === "function" && k !== "default");
const classes = Object.keys(INSTANCES);

function methodNames(cls) {
  const proto = m[cls].prototype;
  return Object.getOwnPropertyNames(proto).filter((k) => {
    const d = Object.getOwnPropertyDescriptor(proto, k);
    return typeof d.value === "function" && !["constructor", "free", "__destroy_into_raw"].includes(k);
  });
}

/** Calls `f` with each wrong type in each parameter; returns the number of calls checked. */
function checkEveryWrongType(label, params, call) {
  let checked = 0;
  params.forEach(([name, kind], i) => {
    const accepted = KINDS[kind];
    assert.ok(accepted, `${label}: unknown kind ${kind}`);
    for (const [type, bad] of Object.entries(VALUES)) {
      if (accepted.includes(type)) continue;
      const args = params.map(([, , valid]) => valid);
      args[i] = bad;
      assert.throws(
        () => call(args),
        (e) => e instanceof TypeError && e.message.startsWith(`${name}: expected `),
        `${label}(${name} = ${type}) must throw a TypeError naming \`${name}\``,
      );
      checked++;
    }
    // and a valid call still works
    call(params.map(([, , valid]) => valid));
  });
  return checked;
}

test("every export and class method is listed, so none escapes the checks", () => {
  const exported = functionNames(m).filter((k) => !classes.includes(k)).sort();
  assert.deepEqual(exported, Object.keys(EXPORTS).sort(), "a new export needs an entry in EXPORTS");
  for (const cls of classes) {
    assert.deepEqual(methodNames(cls).sort(), Object.keys(METHODS[cls]).sort(), `${cls}: a new method needs an entry in METHODS`);
  }
});

test("every export throws a TypeError naming the parameter for every wrong JS type", () => {
  let checked = 0;
  for (const [name, params] of Object.entries(EXPORTS)) {
    checked += checkEveryWrongType(name, params, (args) => m[name](...args));
  }
  for (const cls of classes) {
    const instance = INSTANCES[cls]();
    for (const [name, params] of Object.entries(METHODS[cls])) {
      checked += checkEveryWrongType(`${cls}.${name}`, params, (args) => instance[name](...args));
    }
  }
  assert.ok(checked > 300, `only ${checked} wrong calls checked`);
});

test("every option member of the wrong JS type throws a TypeError naming it", () => {
  for (const [name, members] of Object.entries(OPTION_MEMBERS)) {
    const params = EXPORTS[name];
    const at = params.findIndex(([p]) => p === "options");
    for (const [member, [bad, expected]] of Object.entries(members)) {
      const args = params.map(([, , valid]) => valid);
      args[at] = { ...args[at], [member]: bad };
      assert.throws(
        () => m[name](...args),
        (e) => e instanceof TypeError && e.message.startsWith(`options.${member}: expected `) && e.message.includes(expected),
        `${name}({ ${member}: ${String(bad)} })`,
      );
    }
  }
});

test("the cases from the issue: no memory fault, no silent success", () => {
  const typeError = (f, re) => assert.throws(f, (e) => e instanceof TypeError && re.test(e.message));
  typeError(() => m.evaluate(42, {}), /^source: expected a string, got a number$/);
  typeError(() => m.checkExpression({}), /^source: expected a string, got an object$/);
  typeError(() => m.parseFilter(10n), /^source: expected a string, got a bigint$/);
  typeError(() => m.evaluate(Symbol("x"), {}), /^source: expected a string, got a symbol$/);
  typeError(() => m.checkExpression(null), /^source: expected a string, got null$/);
  typeError(() => m.checkExpression(undefined), /^source: expected a string, got undefined$/);
  typeError(() => m.evaluate("[a]", 42), /^input: expected an object, got a number$/);
  typeError(() => m.simulate("webex", 42), /^source: expected an object, got a number$/);
  typeError(() => m.simulate("webex", USER, { current: "x" }), /^options.current: expected an object, got a string$/);
  // a BigInt or a cycle deep inside an object cannot become JSON: also a TypeError
  typeError(() => m.applyPatch({ n: 1n }, PATCH), /^resource: not JSON data/);
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  typeError(() => m.diff(cyclic, {}), /^old: not JSON data/);
  // the module still works after all of that
  assert.deepEqual(m.evaluate("[a]", { a: "x" }, { now: NOW }), { ok: true, value: "x", ignoreFlow: false });
});

test("a value of the right type that cannot be used throws a RangeError saying what is expected", () => {
  const rangeError = (f, re) => assert.throws(f, (e) => e instanceof RangeError && re.test(e.message));
  rangeError(() => m.applyMapping("webex", USER, { mode: "upsert" }), /^options.mode: /);
  rangeError(() => m.applyPatch({}, PATCH, { compat: "lax" }), /^options.compat: expected "strict" or "entra", got "lax"$/);
  rangeError(() => m.evaluate("Now()", {}, { now: new Date("not a date") }), /^options.now: the Date is invalid/);
});

test("a bad `now` says which format is expected", () => {
  for (const now of ["yesterday", "2021-08-25", "2021-08-25 17:41:18", "2021-08-25T17:41:18"]) {
    assert.throws(
      () => m.evaluate("Now()", {}, { now }),
      (e) =>
        e instanceof RangeError &&
        e.message.startsWith("options.now: expected an RFC 3339 date-time such as \"2021-08-25T17:41:18Z\"") &&
        e.message.includes("or a Date") &&
        e.message.endsWith(`got "${now}"`) &&
        !/premature end of input/.test(e.message),
      now,
    );
  }
  // the same message from every entry point that takes `now`
  assert.throws(() => m.simulate("webex", USER, { now: "yesterday" }), /RFC 3339/);
  assert.throws(() => m.mapUsersJson("webex", "[]", { now: "yesterday" }), /RFC 3339/);
  assert.equal(m.evaluate("Now()", {}, { now: "2021-08-25T19:41:18+02:00" }).ok, true);
});
