// The engine, off the UI thread: the page can terminate this worker to stop a runaway
// evaluation and start a fresh one.
import init, * as scimmap from "./engine/scimmap.js";

const ready = init({ module_or_path: new URL("./engine/scimmap_bg.wasm", import.meta.url) });

function parseJson(text, what) {
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { error: `${what} must be a JSON object` };
    }
    return { value };
  } catch (e) {
    return { error: `${what}: ${e.message}` };
  }
}

function getKey(obj, key) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const k = Object.keys(obj).find((n) => n.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

/**
 * The value at a SCIM attribute path (`name.givenName`, `emails[type eq "work"].value`,
 * `urn:…:enterprise:2.0:User:department`) in a resource; undefined when absent. Names
 * compare case-insensitively (RFC 7643 §2.1).
 */
function valueAt(resource, target) {
  let node = resource;
  let path = target;
  const urn = /^(urn:.*):([^:]+)$/i.exec(target);
  if (urn) {
    node = getKey(resource, urn[1]);
    path = urn[2];
  }
  for (const seg of path.split(/\.(?![^[]*\])/)) {
    const m = /^([^[\]]+)(?:\[(\w+) eq "([^"]*)"\])?$/.exec(seg);
    if (!m) return undefined;
    node = getKey(node, m[1]);
    if (m[2]) {
      if (!Array.isArray(node)) return undefined;
      node = node.find((e) => String(getKey(e, m[2]) ?? "").toLowerCase() === m[3].toLowerCase());
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Targets whose value the app already holds: an update does not send them. */
function unchangedTargets(report, current) {
  if (!current || report.action !== "update" && report.action !== "skip") return [];
  return report.steps
    .filter((s) => "value" in s && JSON.stringify(valueAt(current, s.target)) === JSON.stringify(s.value))
    .map((s) => s.target);
}

const ops = {
  boot() {
    return {
      version: scimmap.version(),
      functions: scimmap.functions(),
      presets: scimmap.presets(),
    };
  },

  /** The preset as an editable document: `{ preset, schema }` (the preset file shape). */
  preset({ name }) {
    const l = scimmap.loadMapping(name);
    if (!l.ok) return { error: l.message };
    const doc = { preset: l.mapping.preset, schema: l.mapping.toGraph() };
    l.mapping.free();
    return { doc };
  },

  /** A mapping document from imported text (Graph schema, preset file or compact form). */
  import({ text }) {
    const l = scimmap.loadMapping(text);
    if (!l.ok) return { error: l.message };
    const preset = l.mapping.preset;
    const doc = preset ? { preset, schema: l.mapping.toGraph() } : l.mapping.toGraph();
    l.mapping.free();
    return { doc };
  },

  run({ doc, object, userText, currentText, exists, aad }) {
    const t0 = performance.now();
    const l = scimmap.loadMapping(doc);
    if (!l.ok) return { loadError: l.message, ms: performance.now() - t0 };
    const mapping = l.mapping;
    try {
      const objects = mapping.objects();
      const rows = mapping.attributeMappings(object);
      const out = { objects, rows, findings: l.findings };
      const what = `source ${String(object).toLowerCase()}`;
      const user = parseJson(userText, what);
      if (user.error) return { ...out, userError: user.error, ms: performance.now() - t0 };
      let current;
      if (exists) {
        if (!currentText.trim()) {
          return { ...out, currentError: "app resource: empty. Paste the resource the app holds, or fix the mapping so the playground can derive it.", ms: performance.now() - t0 };
        }
        const c = parseJson(currentText, "app resource");
        if (c.error) return { ...out, currentError: c.error, ms: performance.now() - t0 };
        current = c.value;
      }
      const options = { object, current, aadOptScim062020: aad };
      out.simulation = mapping.simulate(user.value, options);
      out.applied = mapping.apply(user.value, { object, mode: exists ? "update" : "create" });
      if (out.simulation.ok) out.unchanged = unchangedTargets(out.simulation.report, current);
      out.ms = performance.now() - t0;
      return out;
    } finally {
      mapping.free();
    }
  },

  /** A users export under two versions of the mapping (the npm package's `impact`). */
  impact({ from, to, object, text }) {
    const t0 = performance.now();
    const r = scimmap.impact(from, to, text, { object });
    return { ...r, ms: performance.now() - t0 };
  },

  check({ source }) {
    return { diagnostics: scimmap.checkExpression(source) };
  },
};

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  try {
    await ready;
    const fn = ops[op];
    if (!fn) throw new Error(`unknown operation ${op}`);
    self.postMessage({ id, result: fn(args ?? {}) });
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e) });
  }
};
