// "Impact on your directory": a users export, simulated under a baseline mapping and under
// the mapping being edited (the npm package's `impact()`, in the engine worker); the table
// follows every edit, the dangerous findings first.
const $ = (id) => document.getElementById(id);

const TITLES = {
  matchingChanged: "Matching value changes",
  newError: "New errors",
  leavingScope: "Leaving scope",
  enteringScope: "Entering scope",
  attributesChanged: "Attributes change",
  errorFixed: "Errors fixed",
  errorChanged: "Errors changed",
};

const LIMIT_BYTES = 64 * 1024 * 1024;

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function short(value) {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function example(e) {
  const values = e.before !== undefined || e.after !== undefined
    ? ` <code>${esc(short(e.before) || "—")}</code> → <code>${esc(short(e.after) || "—")}</code>`
    : "";
  // Details quote SCIM filters and values in backticks, as the command line prints them.
  const detail = e.detail ? ` ${esc(e.detail).replace(/`([^`]+)`/g, "<code>$1</code>")}` : "";
  return `<li><strong>${esc(e.user)}</strong>:${detail}${values}</li>`;
}

function findingRow(f) {
  return `<tr class="s-${esc(f.severity)}" data-kind="${esc(f.kind)}">
    <td data-label="Finding">${esc(TITLES[f.kind] ?? f.kind)}</td>
    <td class="num" data-label="Users">${f.count.toLocaleString("en-US")}</td>
    <td data-label="In the app">${esc(f.meaning)}</td>
    <td data-label="Examples"><ul>${f.examples.map(example).join("")}</ul></td>
  </tr>`;
}

function attributeRow(a) {
  const n = (v) => v.toLocaleString("en-US");
  const first = a.examples[0];
  return `<tr data-target="${esc(a.target)}">
    <td data-label="Target"><code>${esc(a.target)}</code></td>
    <td class="num" data-label="Users">${n(a.users)}</td>
    <td class="num" data-label="Changed">${n(a.changed)}</td>
    <td class="num" data-label="Added">${n(a.added)}</td>
    <td class="num" data-label="Dropped">${n(a.dropped)}</td>
    <td data-label="Example">${first ? `<ul>${example(first)}</ul>` : ""}</td>
  </tr>`;
}

export function createImpact({ engine, current }) {
  const s = { text: null, name: "", baseline: null, timer: null, running: false, again: false };

  function status(html) {
    $("impact-status").innerHTML = html;
  }

  function error(text) {
    $("impact-error").textContent = text;
  }

  function render(report, ms) {
    const shown = report.findings.filter((f) => f.count > 0);
    $("impact-findings").tBodies[0].innerHTML = shown.length
      ? shown.map(findingRow).join("")
      : `<tr><td colspan="4">No user's requests change: the edited mapping sends what the baseline sends.</td></tr>`;
    $("impact-attrs").tBodies[0].innerHTML = report.attributes.length
      ? report.attributes.map(attributeRow).join("")
      : `<tr><td colspan="6">None.</td></tr>`;
    const n = (v) => v.toLocaleString("en-US");
    const dangerous = report.findings.filter((f) => f.severity === "dangerous").reduce((a, f) => a + f.count, 0);
    status(
      `<strong>${n(report.users)} users</strong> from ${esc(s.name)}: ${n(report.unchanged)} unchanged, ${n(report.changed)} changed` +
        (dangerous ? `, <strong class="danger-text">${n(dangerous)} would be created again</strong>` : "") +
        ` · ${ms.toFixed(0)} ms` +
        (report.notes.length ? `<br><span class="note-inline">${report.notes.map(esc).join("<br>")}</span>` : ""),
    );
    $("impact-body").hidden = false;
  }

  async function compute() {
    const now = current();
    if (!s.text || !now.doc) return;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    status(`Simulating ${esc(s.name)}…`);
    try {
      const out = await engine.call("impact", { from: s.baseline, to: now.doc, object: now.object, text: s.text }, { timeoutMs: 60000 });
      if (out.ok) {
        error("");
        render(out.report, out.ms);
      } else {
        $("impact-body").hidden = true;
        status("");
        error(`Cannot compare: ${out.message}`);
      }
    } catch (e) {
      status("");
      error(e.stopped ? `The comparison was stopped: ${e.message}.` : `Engine error: ${e.message}`);
    } finally {
      s.running = false;
      if (s.again) {
        s.again = false;
        update(0);
      }
    }
  }

  /** Re-runs the comparison after an edit (debounced). */
  function update(delay = 400) {
    if (!s.text) return;
    clearTimeout(s.timer);
    s.timer = setTimeout(compute, delay);
  }

  function setBaseline() {
    s.baseline = structuredClone(current().doc);
    $("impact-baseline-note").textContent = `Baseline: the mapping as it was at ${new Date().toLocaleTimeString("en-GB")}`;
  }

  async function load(file) {
    if (!file) return;
    if (file.size > LIMIT_BYTES) {
      error(`${file.name} is ${(file.size / 1048576).toFixed(0)} MB; the playground takes up to 64 MB (the command line streams any size: scimmap impact).`);
      return;
    }
    const text = await file.text();
    if (!text.trim()) {
      error(`${file.name} is empty: export the users again from the Entra portal (Users › Download users).`);
      return;
    }
    s.text = text;
    s.name = file.name;
    error("");
    if (!s.baseline) setBaseline();
    $("impact-baseline").disabled = false;
    update(0);
  }

  const drop = $("impact-drop");
  drop.addEventListener("click", () => $("impact-file").click());
  $("impact-file").addEventListener("change", (e) => {
    load(e.target.files[0]);
    e.target.value = "";
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    load(e.dataTransfer.files[0]);
  });
  $("impact-baseline").addEventListener("click", () => {
    setBaseline();
    update(0);
  });

  return { update };
}
