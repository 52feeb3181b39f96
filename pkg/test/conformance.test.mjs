// The Rust conformance vectors (tests/conformance/**) through the JS API of the packed
// package, with the same pass rule as the Rust runners: every case passes unless it is in
// known-failures.txt, and a listed case must fail. Prints per-file parity counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { ROOT, importFromScratch } from "./scratch.mjs";

const m = await importFromScratch();
const DEFAULT_NOW = "2021-08-25T17:41:18Z";
const DEFAULT_SEED = 42;
let bigIntCases = 0;

function known(dir) {
  return new Set(
    readFileSync(join(dir, "known-failures.txt"), "utf8")
      .split("\n")
      .map((l) => l.split("#")[0].trim())
      .filter(Boolean),
  );
}

// Integers beyond 2^53 stay BigInt: they go through the JSON-text batch API, which keeps
// them exact (a JS object cannot).
function tomlToJson(v) {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(tomlToJson);
  if (v && typeof v === "object" && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tomlToJson(x)]));
  }
  return v;
}

const show = (v) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
const hasBigInt = (v) => show(v).match(/"-?\d+n"/) !== null;
// JSON text with BigInts written as plain integers, and back (reviver with source text).
const toJsonText = (v) => show(v).replace(/"(-?\d+)n"/g, "$1");
const fromJsonText = (t) =>
  JSON.parse(t, (_, v, ctx) => (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) ? BigInt(ctx.source) : v));

function runEntra(c, seedOffset = 0) {
  const opts = {
    now: c.now ?? DEFAULT_NOW,
    seed: Number(c.seed ?? DEFAULT_SEED) + seedOffset,
    exists: c.exists ?? [],
  };
  const input = tomlToJson(c.input ?? {});
  let r;
  if (hasBigInt(input) || hasBigInt(tomlToJson(c.expect ?? null))) {
    r = fromJsonText(m.evaluateJson(c.expr, `[${toJsonText(input)}]`, opts));
    r = Array.isArray(r) ? r[0] : r;
    bigIntCases++;
  } else {
    r = m.evaluate(c.expr, input, opts);
  }
  if (!r.ok) return { error: r.diagnostics[0]?.code ?? "parse-error" };
  if (r.ignoreFlow) return { ignoreFlow: true };
  return { value: r.value };
}

function checkEntra(c) {
  const got = runEntra(c);
  if ("expect" in c) return assertEq(got, { value: tomlToJson(c.expect) });
  if (c.expect_null) return assertEq(got, { value: null });
  if (c.ignore_flow) return assertEq(got, { ignoreFlow: true });
  if (c.error) return assertEq(got, { error: c.error });
  if (c.check) {
    const s = got.value;
    if (typeof s !== "string") return `expected a string, got ${JSON.stringify(got)}`;
    if (show(runEntra(c)) !== show(got)) return "not deterministic";
    const spec = c.check;
    if (spec.regex && !new RegExp(spec.regex, "u").test(s)) return `${s} !~ ${spec.regex}`;
    if (spec.length !== undefined && [...s].length !== Number(spec.length)) return `${s} length`;
    for (const [cls, n] of Object.entries(spec.min ?? {})) {
      if ((s.match(new RegExp(cls, "gu")) ?? []).length < Number(n)) return `${s} has too few ${cls}`;
    }
    if (spec.excludes && [...s].some((ch) => spec.excludes.includes(ch))) return `${s} contains excluded`;
    if (spec.differs_with_seed && show(runEntra(c, 1)) === show(got)) return "same output for another seed";
    return null;
  }
  return "no expectation";
}

function assertEq(got, want) {
  try {
    assert.deepStrictEqual(got, want);
    return null;
  } catch {
    return `expected ${show(want)}, got ${show(got)}`;
  }
}

test("entra expression vectors: JS results equal the Rust runner's", () => {
  const dir = join(ROOT, "tests/conformance/entra");
  const knownFailures = known(dir);
  const problems = [];
  let pass = 0;
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".toml")).sort()) {
    const cases = parseToml(readFileSync(join(dir, file), "utf8"), { integersAsBigInt: true }).case ?? [];
    let filePass = 0;
    for (const c of cases) {
      const why = checkEntra(c);
      if (why === null) {
        filePass++;
        if (knownFailures.has(c.name)) problems.push(`${file}::${c.name} passes but is a known failure`);
      } else if (!knownFailures.has(c.name)) {
        problems.push(`${file}::${c.name}: ${why}`);
      }
    }
    console.log(`  entra ${file}: ${filePass}/${cases.length}`);
    pass += filePass;
    total += cases.length;
  }
  console.log(`  entra total (JS): ${pass}/${total}, known failures: ${knownFailures.size}, via evaluateJson (integers > 2^53): ${bigIntCases}`);
  assert.deepEqual(problems, []);
  assert.ok(total > 100, `only ${total} entra vectors found`);
});

function sexpr(n) {
  const flat = (node, op, out) => {
    if (node.op === op) node.operands.forEach((o) => flat(o, op, out));
    else out.push(node);
    return out;
  };
  switch (n.op) {
    case "pr":
      return `(pr ${n.path})`;
    case "and":
    case "or":
      return `(${n.op} ${flat(n, n.op, []).map(sexpr).join(" ")})`;
    case "not":
      return `(not ${sexpr(n.filter)})`;
    case "valuePath":
      return n.tail ? `(vp ${n.path} ${sexpr(n.filter)} ${sexpr(n.tail)})` : `(vp ${n.path} ${sexpr(n.filter)})`;
    default:
      return `(${n.op} ${n.path} ${n.value === null ? "null" : JSON.stringify(n.value)})`;
  }
}

function runScim(kind, c, resources) {
  switch (kind) {
    case "parse": {
      const r = m.parseFilter(c.filter);
      if (c.expect === "parse" ? r.ok : !r.ok) return null;
      return r.ok ? `parsed as ${sexpr(r.tree)}` : `did not parse: ${r.diagnostics[0].message}`;
    }
    case "tree": {
      const r = m.parseFilter(c.filter);
      if (!r.ok) return c.expect_tree === "error" ? null : `did not parse: ${r.diagnostics[0].message}`;
      const got = sexpr(r.tree);
      if (got !== c.expect_tree) return `tree ${got}`;
      const printed = m.printFilter(c.filter);
      const again = m.parseFilter(printed.text);
      if (!again.ok || JSON.stringify(again.tree) !== JSON.stringify(r.tree)) return `print round trip changed the tree: ${printed.text}`;
      return null;
    }
    case "match": {
      const p = m.parseFilter(c.filter);
      if (!p.ok) return c.expect_error !== undefined ? null : `did not parse: ${p.diagnostics[0].message}`;
      const ids = [];
      for (const res of resources) {
        const r = p.filter.matches(res);
        if (!r.ok) return r.error.scimType === c.expect_error ? null : `error ${JSON.stringify(r.error)}`;
        if (r.matches) ids.push(res.id);
      }
      if (c.expect_error !== undefined) return `expected an error, matched ${JSON.stringify(ids)}`;
      return assertEq(ids, c.expect_ids);
    }
    case "patch": {
      const body = c.body ?? { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: c.ops };
      const r = m.applyPatch(c.before, body, { compat: c.compat === "entra" ? "entra" : "strict" });
      if (!r.ok) return r.error.scimType === c.expect_error ? null : `error ${JSON.stringify(r.error)}`;
      if (c.expect_error !== undefined) return `expected ${c.expect_error}, got a resource`;
      return assertEq(r.resource, c.after);
    }
  }
  return `unknown kind ${kind}`;
}

test("SCIM filter and PATCH vectors: JS results equal the Rust runner's", () => {
  const dir = join(ROOT, "tests/conformance/scim");
  const knownFailures = known(dir);
  const problems = [];
  let pass = 0;
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const doc = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const isPatch = (doc.cases ?? []).some((c) => "before" in c);
    const groups = [];
    for (const [key, kind] of [["parse", "parse"], ["trees", "tree"], ["match", "match"]]) {
      if (doc[key]) groups.push([kind, doc[key]]);
    }
    if (doc.cases) groups.push([isPatch ? "patch" : "tree", doc.cases]);
    let filePass = 0;
    let fileTotal = 0;
    for (const [kind, cases] of groups) {
      cases.forEach((c, i) => {
        fileTotal++;
        const id = `${file}::${c.name ?? `${kind}-${i}`}`;
        const why = runScim(kind, c, doc.resources ?? []);
        if (why === null) {
          filePass++;
          if (knownFailures.has(id)) problems.push(`${id} passes but is a known failure`);
        } else if (!knownFailures.has(id)) {
          problems.push(`${id}: ${why}`);
        }
      });
    }
    console.log(`  scim ${file}: ${filePass}/${fileTotal}`);
    pass += filePass;
    total += fileTotal;
  }
  console.log(`  scim total (JS): ${pass}/${total}, known failures: ${knownFailures.size}`);
  assert.deepEqual(problems, []);
  assert.ok(total > 100, `only ${total} SCIM vectors found`);
});
