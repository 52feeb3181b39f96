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
      const user = parseJson(userText, "source user");
      if (user.error) return { ...out, userError: user.error, ms: performance.now() - t0 };
      let current;
      if (exists) {
        const c = parseJson(currentText, "app resource");
        if (c.error) return { ...out, currentError: c.error, ms: performance.now() - t0 };
        current = c.value;
      }
      const options = { object, current, aadOptScim062020: aad };
      out.simulation = mapping.simulate(user.value, options);
      out.applied = mapping.apply(user.value, { object, mode: exists ? "update" : "create" });
      out.ms = performance.now() - t0;
      return out;
    } finally {
      mapping.free();
    }
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
