import { Engine } from "./engine.js";
import { CodeCell, hideTooltip, hideStaleTooltip } from "./editor.js";
import { encodeState, decodeState } from "./share.js";
import { createImpact } from "./impact.js";

const $ = (id) => document.getElementById(id);
const t0 = performance.now();

const SAMPLE_USER = {
  userPrincipalName: "ada.lovelace@contoso.com",
  mailNickname: "ada.lovelace",
  mail: "ada.lovelace@contoso.com",
  displayName: "Ada Lovelace",
  givenName: "Ada",
  surname: "Lovelace",
  jobTitle: "Principal Analyst",
  department: "Engineering",
  companyName: "Contoso",
  employeeId: "1815",
  city: "London",
  streetAddress: "12 St James's Square",
  state: "England",
  postalCode: "SW1Y 4JH",
  country: "United Kingdom",
  usageLocation: "GB",
  telephoneNumber: "+44 20 7946 0000",
  mobile: "+44 7700 900123",
  preferredLanguage: "en-GB",
  objectId: "0b7a3c1e-5d2f-4c8a-9e61-2f4d8b7c9a10",
  IsSoftDeleted: false,
  accountEnabled: true,
};

const SAMPLE_GROUP = {
  displayName: "Engineering",
  mailNickname: "engineering",
  mail: "engineering@contoso.com",
  description: "Everyone in Engineering",
  objectId: "6c1e2f4a-8b3d-4e5f-9a70-1b2c3d4e5f60",
  securityEnabled: true,
  mailEnabled: true,
};

/** The sample source for an object type: a user, a group, or an empty object. */
function sampleFor(object) {
  const o = (object ?? "").toLowerCase();
  const sample = o === "user" ? SAMPLE_USER : o === "group" ? SAMPLE_GROUP : {};
  return JSON.stringify(sample, null, 2);
}

const PRESET_ORDER = ["webex", "chatwork", "timeclock365", "genesys", "generic"];

const state = {
  preset: "webex",
  doc: null, // mapping document: a preset file { preset, schema } or a Graph schema
  modified: false,
  object: "User",
  userText: JSON.stringify(SAMPLE_USER, null, 2),
  currentText: "",
  exists: false,
  aad: false,
  // Source texts of the objects not on screen, so switching User/Group/User keeps edits.
  sources: {},
  // "Already in the app" was ticked while the mapping could not derive the app's copy.
  currentPending: false,
};

let functions = [];
let cells = []; // per row: { target: CodeCell, expr: CodeCell }
let firstResult = true;

const engine = new Engine({
  timeoutMs: 4000,
  onRestart: (reason) => {
    setStatus(`Engine ${reason}; restarted`, "warn");
    $("stop").hidden = true;
  },
});

const impact = createImpact({ engine, current: () => ({ doc: state.doc, object: state.object }) });

// ---- the mapping document ------------------------------------------------------------

function schemaOf(doc) {
  return doc?.schema ?? doc;
}

/** The object mapping the core picks for `object` (first enabled, by source then target name). */
function objectMapping(doc, object) {
  const all = (schemaOf(doc)?.synchronizationRules ?? []).flatMap((r) => r.objectMappings ?? []).filter((m) => m.enabled !== false);
  const eq = (a, b) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
  return all.find((m) => eq(m.sourceObjectName, object)) ?? all.find((m) => eq(m.targetObjectName, object)) ?? all[0];
}

function editRow(i, change) {
  const om = objectMapping(state.doc, state.object);
  const am = om?.attributeMappings?.[i];
  if (!am) return;
  change(am);
  state.modified = true;
  schedule();
}

function setExpression(am, text) {
  // `expression` is authoritative over the tree (Graph), so the tree can be dropped.
  am.source = text.trim() === "" ? null : { expression: text, name: null, parameters: [], type: "Function" };
}

// ---- rendering -----------------------------------------------------------------------

function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind}`;
}

function renderRows(rows) {
  const body = $("rows").querySelector("tbody");
  const focused = document.activeElement;
  const same = cells.length === rows.length && rows.every((r, i) => cells[i].target.value === r.target && cells[i].expr.value === (r.expression ?? ""));
  if (same) return; // keep the editors (and the caret) while typing
  if (focused && body.contains(focused)) return;
  body.textContent = "";
  cells = rows.map((row, i) => {
    const tr = document.createElement("tr");
    tr.dataset.target = row.target;
    const target = new CodeCell({
      value: row.target,
      label: `Target attribute ${i + 1}`,
      onInput: (v) => {
        tr.dataset.target = v;
        editRow(i, (am) => (am.targetAttributeName = v));
      },
    });
    const expr = new CodeCell({
      value: row.expression ?? "",
      placeholder: "None: only the default value flows, on create",
      label: `Source expression for ${row.target}`,
      functions: () => functions,
      onInput: (v) => editRow(i, (am) => setExpression(am, v)),
    });
    const def = document.createElement("input");
    def.className = "plain";
    def.value = row.defaultValue ?? "";
    def.setAttribute("aria-label", `Default value for ${row.target}`);
    def.addEventListener("input", () => editRow(i, (am) => (am.defaultValue = def.value === "" ? null : def.value)));
    const match = document.createElement("input");
    match.className = "plain num";
    match.type = "number";
    match.min = "0";
    match.value = String(row.matchingPriority);
    match.setAttribute("aria-label", `Matching precedence for ${row.target}`);
    match.addEventListener("input", () => editRow(i, (am) => (am.matchingPriority = Number(match.value) || 0)));
    const flow = document.createElement("select");
    flow.className = "plain";
    flow.setAttribute("aria-label", `When to apply ${row.target}`);
    for (const [v, label] of [["Always", "Always"], ["ObjectAddOnly", "On create"]]) {
      flow.append(new Option(label, v, false, row.flowType === v));
    }
    if (!["Always", "ObjectAddOnly"].includes(row.flowType)) flow.append(new Option(row.flowType, row.flowType, true, true));
    flow.addEventListener("change", () => editRow(i, (am) => (am.flowType = flow.value)));
    const del = document.createElement("button");
    del.className = "icon-button";
    del.type = "button";
    del.title = `Remove ${row.target || "this mapping"}`;
    del.setAttribute("aria-label", `Remove the mapping to ${row.target || `row ${i + 1}`}`);
    del.textContent = "×";
    del.addEventListener("click", () => {
      const om = objectMapping(state.doc, state.object);
      om.attributeMappings.splice(i, 1);
      state.modified = true;
      cells = [];
      schedule(0);
    });
    const tds = [target.el, expr.el, def, match, flow, del].map((el, k) => {
      const td = document.createElement("td");
      td.className = ["c-target", "c-expr", "c-default", "c-match", "c-flow", "c-del"][k];
      td.dataset.label = ["Target", "Source expression", "Default", "Match", "Apply", ""][k];
      td.append(el);
      return td;
    });
    tr.append(...tds);
    body.append(tr);
    return { target, expr, tr };
  });
}

/** A runtime failure of the simulation as a finding, unless the lint already reported it. */
function failureFinding(findings, failure) {
  if (!failure) return null;
  const diagnostic = failure.diagnostics?.[0] ?? { severity: "error", code: failure.code ?? "error", message: failure.message };
  const known = findings.some((f) => f.target === failure.target && f.diagnostic.code === diagnostic.code && f.diagnostic.severity === "error");
  if (known) return null;
  return { object: state.object, target: failure.target ?? "", field: "source", text: failure.expression, diagnostic: { ...diagnostic, severity: "error" } };
}

function renderDiagnostics(lint, failure) {
  const extra = failureFinding(lint, failure);
  const findings = extra ? [...lint, extra] : lint;
  const perRow = cells.map(() => ({ target: [], source: [] }));
  // A result can be older than the text being typed: only place a diagnostic in a cell
  // that still holds the text it was computed for.
  for (const f of findings) {
    const i = cells.findIndex((c) => c.target.value === f.target);
    const cell = i >= 0 && (f.field === "source" ? cells[i].expr : f.field === "target" ? cells[i].target : null);
    if (cell && cell.value === f.text) perRow[i][f.field].push(f.diagnostic);
  }
  if (failure?.target && failure.diagnostics?.length) {
    const i = cells.findIndex((c) => c.target.value === failure.target);
    if (i >= 0 && cells[i].expr.value === failure.expression && !perRow[i].source.some((d) => d.code === failure.diagnostics[0].code)) {
      perRow[i].source.push(...failure.diagnostics);
    }
  }
  cells.forEach((c, i) => {
    c.target.setDiagnostics(perRow[i].target);
    c.expr.setDiagnostics(perRow[i].source);
  });
  hideStaleTooltip();
  const all = findings.map((f) => f.diagnostic);
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = all.length - errors;
  const box = $("diag-summary");
  if (all.length === 0) {
    box.innerHTML = `<span class="ok-dot"></span> No problems found in this mapping.`;
    return;
  }
  const items = findings
    .slice(0, 12)
    .map(
      (f) =>
        `<li class="${f.diagnostic.severity}"><span class="where">${esc(f.object)} › ${esc(f.target)}</span> ${esc(f.diagnostic.message)}${
          f.diagnostic.help ? ` <span class="help">(${esc(f.diagnostic.help)})</span>` : ""
        }</li>`,
    )
    .join("");
  box.innerHTML = `<div class="counts">${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}</div><ul>${items}</ul>${
    findings.length > 12 ? `<div class="more">and ${findings.length - 12} more</div>` : ""
  }`;
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/** JSON with light syntax colouring. */
function jsonHtml(value) {
  const text = JSON.stringify(value, null, 2);
  return esc(text).replace(/(&quot;(?:\\&quot;|\\[^&]|[^\\&]|&(?!quot;))*&quot;)(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, (m, str, colon, lit, num) => {
    if (str) return colon ? `<span class="j-key">${str}</span>${colon}` : `<span class="j-str">${str}</span>`;
    if (lit) return `<span class="j-lit">${lit}</span>`;
    return `<span class="j-num">${num}</span>`;
  });
}

function renderRequest(req) {
  const body = req.body ? `<pre class="json" tabindex="0" aria-label="${req.method} body">${jsonHtml(req.body)}</pre>` : "";
  return `<div class="request"><div class="req-line"><span class="method m-${req.method.toLowerCase()}">${req.method}</span> <code>${esc(decodeURIComponent(req.path))}</code></div>${body}</div>`;
}

const ACTIONS = {
  create: ["POST", "Create", "The user is created in the app."],
  update: ["PATCH", "Update", "The app's resource is updated."],
  disable: ["PATCH", "Disable", "The app's resource is disabled."],
  delete: ["DELETE", "Delete", "The app's resource is deleted."],
  skip: ["SKIP", "Skipped", "Nothing is sent."],
};

/** Empties every result pane, so nothing from an earlier run is shown beside a failure. */
function clearResult(message) {
  $("pane-request").innerHTML = `<p class="empty">${esc(message)}</p>`;
  $("resource").textContent = "";
  $("steps").querySelector("tbody").textContent = "";
  $("pane-matching").innerHTML = `<p class="empty">${esc(message)}</p>`;
}

function setVerdict(badge, kind, reason) {
  $("verdict").innerHTML = `<span class="badge b-${kind}"${kind === "error" ? "" : ` data-action="${kind}"`}>${esc(badge)}</span><span class="reason">${esc(reason)}</span>`;
}

function setFieldError(id, message) {
  $(`${id}-error`).textContent = message ?? "";
  if (message) $(id).setAttribute("aria-invalid", "true");
  else $(id).removeAttribute("aria-invalid");
}

/** Error findings of the object being simulated: Entra would not save such a mapping. */
function mappingErrors(findings) {
  const om = objectMapping(state.doc, state.object);
  const names = [state.object, om?.sourceObjectName, om?.targetObjectName].filter(Boolean).map((n) => n.toLowerCase());
  return findings.filter((f) => f.diagnostic.severity === "error" && names.includes(String(f.object).toLowerCase()));
}

function sourceName() {
  return state.object.toLowerCase() === "user" ? "source user" : `source ${state.object.toLowerCase()}`;
}

function renderResult(out) {
  setFieldError("user", out.userError);
  setFieldError("current", out.currentError);
  if (out.loadError || out.userError || out.currentError) {
    const msg = out.loadError ?? out.userError ?? out.currentError;
    setVerdict("Cannot run", "error", msg);
    const what = out.loadError ? "mapping" : out.userError ? `${sourceName()} JSON` : "app resource JSON";
    clearResult(`Fix the ${what} to see the request.`);
    return;
  }
  const sim = out.simulation;
  if (!sim.ok) {
    const why = sim.target && sim.diagnostics?.length ? `${sim.target}: ${sim.diagnostics[0].message}` : sim.target ? `${sim.target}: ${sim.message}` : sim.message;
    setVerdict("Mapping error", "error", why);
    clearResult("Fix the highlighted expression to see the request.");
    return;
  }
  const errors = mappingErrors(out.findings ?? []);
  if (errors.length) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length === 2 ? "" : "s"})` : "";
    setVerdict("Mapping error", "error", `${first.target}: ${first.diagnostic.message}${more}`);
    clearResult("Entra would not save this mapping: fix the errors listed under the mappings to see the request.");
    return;
  }
  const r = sim.report;
  const [method, label] = ACTIONS[r.action];
  setVerdict(method === "SKIP" ? label : `${method} · ${label}`, r.action, r.reason);
  $("pane-request").innerHTML = r.requests.length ? r.requests.map(renderRequest).join("") : `<p class="empty">No request: ${esc(r.reason)}.</p>`;
  $("resource").innerHTML = out.applied.ok ? jsonHtml(out.applied.resource) : esc(out.applied.message);
  $("steps").querySelector("tbody").innerHTML = r.steps.map((s) => renderStep(s, out.unchanged ?? [])).join("");
  const scope = r.scope.inScope ? "In scope" : "Out of scope";
  $("pane-matching").innerHTML =
    `<p class="scope ${r.scope.inScope ? "in" : "out"}"><strong>${scope}.</strong> ${esc(r.scope.reason.replace(/^(out of scope|in scope):\s*/i, ""))}</p>` +
    (r.matching.length
      ? `<p class="hint">Entra first looks the ${esc(state.object.toLowerCase())} up in the app, in this order:</p>${r.matching.map(renderRequest).join("")}`
      : `<p class="empty">No matching attribute: Entra cannot look the ${esc(state.object.toLowerCase())} up.</p>`);
}

const OUTCOMES = {
  sent: "Sent",
  default: "Default value",
  null: "Null: not sent",
  ignored: "Ignored (IgnoreFlowIfNullOrEmpty)",
  createOnly: "Create only: not sent",
};

function renderStep(s, unchanged) {
  const same = unchanged.includes(s.target);
  const outcome = same ? "Unchanged: not sent" : (OUTCOMES[s.outcome] ?? s.outcome);
  const value = "value" in s ? `<code>${esc(JSON.stringify(s.value))}</code>` : "";
  return `<tr data-target="${esc(s.target)}" class="o-${same ? "unchanged" : s.outcome}"><td><code>${esc(s.target)}</code></td><td class="outcome">${outcome}</td><td class="value">${value}</td></tr>`;
}

// ---- running -------------------------------------------------------------------------

let timer = null;
let running = false;
let again = false;

function schedule(delay = 150) {
  clearTimeout(timer);
  timer = setTimeout(run, delay);
}

async function run() {
  if (!state.doc) return;
  if (running) {
    again = true;
    return;
  }
  running = true;
  if (state.exists && state.currentPending) await fillCurrent();
  const slow = setTimeout(() => {
    setStatus("Evaluating…", "busy");
    $("stop").hidden = false;
  }, 300);
  try {
    const out = await engine.call("run", {
      doc: state.doc,
      object: state.object,
      userText: state.userText,
      currentText: state.currentText,
      exists: state.exists,
      aad: state.aad,
    });
    if (out.objects) renderObjects(out.objects);
    if (out.rows) renderRows(out.rows);
    renderDiagnostics(out.findings ?? [], out.simulation && !out.simulation.ok ? out.simulation : null);
    renderSourceTitle();
    renderResult(out);
    impact.update();
    setStatus(`Up to date · ${out.ms.toFixed(1)} ms`, "ok");
    if ($("tab-graph").getAttribute("aria-selected") === "true" && document.activeElement !== $("graph")) showGraph();
    if (firstResult) {
      firstResult = false;
      const ms = performance.now() - t0;
      document.body.dataset.firstResultMs = ms.toFixed(0);
      $("timing").textContent = `First result ${ms.toFixed(0)} ms after load.`;
    }
    document.body.dataset.ready = "true";
  } catch (e) {
    if (!e.stopped) setStatus(`Engine error: ${e.message}`, "warn");
  } finally {
    clearTimeout(slow);
    $("stop").hidden = true;
    running = false;
    if (again) {
      again = false;
      schedule(0);
    }
  }
}

function renderObjects(objects) {
  const sel = $("object");
  const names = [...new Set(objects.filter((o) => o.enabled).map((o) => o.sourceObject))];
  const current = [...sel.options].map((o) => o.value);
  if (names.join() !== current.join()) {
    sel.textContent = "";
    for (const n of names) sel.append(new Option(n, n, false, n === state.object));
  }
  if (!names.includes(state.object) && names.length) {
    switchObject(names[0]);
    sel.value = names[0];
  }
}

/** Shows `object`'s source (a user for User, a group for Group), keeping the other's edits. */
function switchObject(object) {
  if (object === state.object) return;
  state.sources[state.object] = state.userText;
  state.object = object;
  state.userText = state.sources[object] ?? sampleFor(object);
  $("user").value = state.userText;
  if (state.exists) {
    state.currentText = "";
    state.currentPending = true;
    $("current").value = "";
  }
  cells = [];
  renderSourceTitle();
  schedule(0);
}

function renderSourceTitle() {
  const noun = state.object.toLowerCase() === "user" ? "user" : state.object.toLowerCase();
  $("source-title").textContent = `Source ${noun} (Entra ID)`;
  $("user").setAttribute("aria-label", `Source ${noun} JSON`);
}

/**
 * Fills "Resource currently in the app" with what a create would have left there, so edits
 * show as a PATCH. A mapping that cannot run leaves it empty, with the reason, rather than
 * inventing an empty resource.
 */
async function fillCurrent() {
  const out = await engine.call("run", { doc: state.doc, object: state.object, userText: state.userText, currentText: "", exists: false, aad: state.aad });
  if (!out.applied?.ok) {
    state.currentPending = true;
    return false;
  }
  state.currentPending = false;
  state.currentText = JSON.stringify({ id: "2819c223-7f76-453a-919d-413861904646", ...out.applied.resource }, null, 2);
  $("current").value = state.currentText;
  return true;
}

async function loadPreset(name, { keepUser = true } = {}) {
  const r = await engine.call("preset", { name });
  if (r.error) return showError(r.error);
  hideError();
  state.preset = name;
  state.doc = r.doc;
  state.modified = false;
  cells = [];
  if (!keepUser) state.userText = JSON.stringify(SAMPLE_USER, null, 2);
  renderPresetNote();
  run();
}

function renderPresetNote() {
  const meta = state.doc?.preset;
  const note = $("preset-note");
  if (!meta) {
    note.textContent = state.preset ? "" : "Imported schema.";
    return;
  }
  const caps = meta.capabilities?.Group;
  const groups = caps && caps.create === false ? " Groups must already exist in the app." : "";
  note.innerHTML = `<strong>${esc(meta.displayName)}</strong>${meta.tenantUrl ? ` · tenant URL <code>${esc(meta.tenantUrl)}</code>` : ""}.${groups}`;
}

function showGraph() {
  $("graph").value = JSON.stringify(state.doc, null, 2);
  $("graph-error").textContent = "";
}

// ---- share links ---------------------------------------------------------------------

async function shareUrl() {
  const s = {
    v: 1,
    preset: state.preset,
    object: state.object,
    user: state.userText,
    exists: state.exists,
    aad: state.aad,
  };
  if (state.modified || !state.preset) s.doc = state.doc;
  if (state.exists) s.current = state.currentText;
  const url = new URL(location.href);
  url.hash = `s=${await encodeState(s)}`;
  return url.toString();
}

async function restore(hash) {
  if (!hash.startsWith("#s=")) return false;
  try {
    const m = /^#s=([A-Za-z0-9_-]+)$/.exec(hash);
    if (!m) throw new Error("not base64url");
    const s = await decodeState(m[1]);
    state.preset = s.preset ?? null;
    state.object = s.object ?? "User";
    state.userText = s.user ?? state.userText;
    state.exists = !!s.exists;
    state.aad = !!s.aad;
    state.currentText = s.current ?? "";
    if (s.doc) {
      state.doc = s.doc;
      state.modified = true;
    } else {
      const r = await engine.call("preset", { name: s.preset });
      if (r.error) {
        showError(`This share link names the app preset "${s.preset}", which this playground does not have; showing the default preset instead.`);
        return false;
      }
      state.doc = r.doc;
      state.modified = false;
    }
    return true;
  } catch {
    showError(
      "This share link is damaged: its data could not be decoded, most likely because the link was cut short when it was copied. Showing the default preset instead; ask for the whole link.",
    );
    return false;
  }
}

/** A problem the user must read: stays until dismissed or replaced by a success. */
function showError(text) {
  $("banner-text").textContent = text;
  $("banner").hidden = false;
  $("toast").hidden = true;
}

function hideError() {
  $("banner").hidden = true;
}

/** Confirmation of a success: brief, as nothing needs to be done about it. */
function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 4000);
}

// ---- wiring --------------------------------------------------------------------------

function syncInputs() {
  $("preset").value = state.preset ?? "";
  $("user").value = state.userText;
  $("exists").checked = state.exists;
  $("aad").checked = state.aad;
  $("current").value = state.currentText;
  $("current-wrap").hidden = !state.exists;
}

function wire() {
  $("preset").addEventListener("change", (e) => loadPreset(e.target.value));
  $("object").addEventListener("change", (e) => switchObject(e.target.value));
  $("user").addEventListener("input", (e) => {
    state.userText = e.target.value;
    schedule();
  });
  $("current").addEventListener("input", (e) => {
    state.currentText = e.target.value;
    schedule();
  });
  $("exists").addEventListener("change", (e) => {
    state.exists = e.target.checked;
    $("current-wrap").hidden = !state.exists;
    if (state.exists && !state.currentText.trim()) state.currentPending = true;
    schedule(0);
  });
  $("aad").addEventListener("change", (e) => {
    state.aad = e.target.checked;
    schedule(0);
  });
  $("add-row").addEventListener("click", () => {
    const om = objectMapping(state.doc, state.object);
    om.attributeMappings.push({ defaultValue: null, flowType: "Always", matchingPriority: 0, source: null, targetAttributeName: "" });
    state.modified = true;
    cells = [];
    schedule(0);
  });
  $("stop").addEventListener("click", () => engine.restart("stopped by you"));
  wireTabs(document.querySelector(".mapping .tabs"), (tab) => {
    const graph = tab.dataset.view === "graph";
    $("view-graph").hidden = !graph;
    $("view-table").hidden = graph;
    if (graph) showGraph();
  });
  wireTabs(document.querySelector(".result-tabs"), (tab) => {
    for (const p of document.querySelectorAll(".result .pane")) p.hidden = p.id !== `pane-${tab.dataset.pane}`;
  });
  $("import").addEventListener("click", () => $("import-file").click());
  $("banner-close").addEventListener("click", hideError);
  $("graph-apply").addEventListener("click", async () => {
    const r = await engine.call("import", { text: $("graph").value });
    if (r.error) {
      $("graph-error").textContent = r.error;
      return;
    }
    state.doc = JSON.parse($("graph").value);
    state.modified = true;
    cells = [];
    renderPresetNote();
    schedule(0);
  });
  $("import-file").addEventListener("change", async (e) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    e.target.value = "";
    const problem = importProblem(file.name, text);
    if (problem) return showError(problem);
    const r = await engine.call("import", { text });
    if (r.error) return showError(`${file.name} cannot be imported: ${r.error}`);
    hideError();
    state.doc = r.doc;
    state.preset = null;
    state.modified = true;
    cells = [];
    $("preset").value = "";
    renderPresetNote();
    toast(`Imported ${file.name}`);
    schedule(0);
  });
  $("share").addEventListener("click", async () => {
    const url = await shareUrl();
    history.replaceState(null, "", url);
    try {
      await navigator.clipboard.writeText(url);
      toast("Share link copied. It carries the whole state; nothing is uploaded.");
    } catch {
      toast("Share link is in the address bar.");
    }
    document.body.dataset.shareUrl = url;
  });
  window.addEventListener("hashchange", async () => {
    if (await restore(location.hash)) {
      cells = [];
      syncInputs();
      renderPresetNote();
      schedule(0);
    }
  });
  document.addEventListener("scroll", hideTooltip, { passive: true });
}

const GRAPH_HINT = "Import the synchronizationSchema JSON that Microsoft Graph returns for GET /servicePrincipals/{id}/synchronization/jobs/{jobId}/schema.";

/** What is wrong with an import file before the engine sees it: it would take text that is not JSON for a preset name. */
function importProblem(name, text) {
  const t = text.trim();
  if (t === "") return `${name} is empty. ${GRAPH_HINT}`;
  if (!t.startsWith("{")) return `${name} is not a JSON object (it starts with "${t.slice(0, 20)}"). ${GRAPH_HINT}`;
  return null;
}

/** Tabs per the ARIA tabs pattern: one tab stop, arrows and Home/End move and select. */
function wireTabs(list, onSelect) {
  const tabs = [...list.querySelectorAll("[role=tab]")];
  const select = (tab, focus) => {
    for (const t of tabs) {
      t.setAttribute("aria-selected", String(t === tab));
      t.tabIndex = t === tab ? 0 : -1;
    }
    if (focus) tab.focus();
    onSelect(tab);
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  }
}

async function main() {
  wire();
  const boot = await engine.call("boot", {}, { timeoutMs: 20000 });
  functions = boot.functions;
  $("version").textContent = `v${boot.version}`;
  const sel = $("preset");
  const byName = Object.fromEntries(boot.presets.map((p) => [p.name, p]));
  for (const name of PRESET_ORDER.filter((n) => byName[n])) {
    sel.append(new Option(byName[name].preset?.displayName ?? name, name));
  }
  sel.append(new Option("Imported / custom schema", ""));
  sel.options[sel.options.length - 1].disabled = true;
  if (!(await restore(location.hash))) {
    const r = await engine.call("preset", { name: state.preset });
    state.doc = r.doc;
  }
  syncInputs();
  renderPresetNote();
  renderSourceTitle();
  await run();
}

main();

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker.register("./sw.js").catch(() => {});
}
