// A one-expression code editor: a textarea with an overlay that draws diagnostics as
// wavy underlines (hover for details), the messages written under the cell (so they need
// no hover and screen readers reach them through aria-describedby), and function-name
// autocomplete.

const tooltip = () => document.getElementById("tooltip");
const popup = () => document.getElementById("complete");

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

let anchor = null; // the mark the tooltip describes
let nextId = 1;

export function showTooltip(target, html) {
  anchor = target;
  const t = tooltip();
  t.innerHTML = html;
  t.hidden = false;
  const r = target.getBoundingClientRect();
  const top = r.bottom + window.scrollY + 6;
  const left = Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - t.offsetWidth - 12);
  t.style.top = `${top}px`;
  t.style.left = `${Math.max(8, left)}px`;
}

export function hideTooltip() {
  anchor = null;
  tooltip().hidden = true;
}

/** Hides the tooltip when the mark it described has left the page (its row was rebuilt). */
export function hideStaleTooltip() {
  if (anchor && !anchor.isConnected) hideTooltip();
}

export function diagnosticHtml(d) {
  const kind = d.severity === "warning" ? "Warning" : "Error";
  const help = d.help ? `<div class="tip-help">${escapeHtml(d.help)}</div>` : "";
  return `<div class="tip-kind ${d.severity}">${kind} <code>${escapeHtml(d.code)}</code></div><div class="tip-msg">${escapeHtml(d.message)}</div>${help}`;
}

export class CodeCell {
  /**
   * @param {{ value: string, placeholder?: string, functions?: () => {name: string, signature: string, doc: string}[], onInput: (v: string) => void, label: string }} o
   */
  constructor(o) {
    this.functions = o.functions ?? (() => []);
    this.onInput = o.onInput;
    this.el = document.createElement("div");
    this.el.className = "code-cell";
    this.area = document.createElement("textarea");
    this.area.className = "code";
    this.area.rows = 1;
    this.area.spellcheck = false;
    this.area.value = o.value;
    this.area.placeholder = o.placeholder ?? "";
    this.area.setAttribute("aria-label", o.label);
    this.overlay = document.createElement("div");
    this.overlay.className = "overlay";
    this.overlay.setAttribute("aria-hidden", "true");
    this.messages = document.createElement("div");
    this.messages.className = "cell-msg";
    this.messages.id = `cell-msg-${nextId++}`;
    this.messages.hidden = true;
    this.el.append(this.area, this.overlay, this.messages);
    this.diagnostics = [];
    this.area.addEventListener("input", () => {
      this.fit();
      this.render();
      this.complete();
      this.onInput(this.area.value);
    });
    this.area.addEventListener("keydown", (e) => this.keydown(e));
    this.area.addEventListener("blur", () => setTimeout(() => this.closeComplete(), 120));
    requestAnimationFrame(() => this.fit());
  }

  get value() {
    return this.area.value;
  }

  fit() {
    this.area.style.height = "auto";
    this.area.style.height = `${this.area.scrollHeight}px`;
    this.overlay.style.height = this.area.style.height; // the messages below are not covered
  }

  /** Diagnostics located by UTF-16 offsets into this cell's text. */
  setDiagnostics(list) {
    this.diagnostics = list;
    this.el.classList.toggle("has-error", list.some((d) => d.severity === "error"));
    this.el.classList.toggle("has-warning", list.length > 0 && list.every((d) => d.severity === "warning"));
    const invalid = list.some((d) => d.severity === "error");
    if (invalid) this.area.setAttribute("aria-invalid", "true");
    else this.area.removeAttribute("aria-invalid");
    this.messages.innerHTML = list
      .map((d) => `<div class="msg ${d.severity}"><span class="msg-kind">${d.severity === "warning" ? "Warning" : "Error"}:</span> ${escapeHtml(d.message)}${d.help ? ` <span class="msg-help">${escapeHtml(d.help)}</span>` : ""}</div>`)
      .join("");
    this.messages.hidden = list.length === 0;
    if (list.length) this.area.setAttribute("aria-describedby", this.messages.id);
    else this.area.removeAttribute("aria-describedby");
    this.render();
  }

  render() {
    const text = this.area.value;
    const marks = this.diagnostics
      .map((d) => {
        let s = Math.min(d.start.offset, text.length);
        let e = Math.min(Math.max(d.end.offset, s), text.length);
        if (e === s && s > 0 && s === text.length) s -= 1; // point past the end: mark the last character
        else if (e === s) e = Math.min(s + 1, text.length);
        return { s, e, d };
      })
      .sort((a, b) => a.s - b.s);
    let html = "";
    let pos = 0;
    for (const m of marks) {
      if (m.s < pos) continue;
      html += escapeHtml(text.slice(pos, m.s));
      const inner = text.slice(m.s, m.e) || "\u00a0";
      html += `<mark class="diag ${m.d.severity}" data-i="${this.diagnostics.indexOf(m.d)}">${escapeHtml(inner)}</mark>`;
      pos = m.e;
    }
    html += escapeHtml(text.slice(pos)) + "\u200b";
    const shown = anchor && this.overlay.contains(anchor) ? anchor.dataset.key : null;
    this.overlay.innerHTML = html;
    for (const mark of this.overlay.querySelectorAll("mark")) {
      const d = this.diagnostics[Number(mark.dataset.i)];
      mark.dataset.key = `${d.code}:${d.start.offset}:${d.end.offset}:${d.message}`;
      mark.addEventListener("mouseenter", () => showTooltip(mark, diagnosticHtml(d)));
      mark.addEventListener("mouseleave", hideTooltip);
      mark.addEventListener("mousedown", (e) => {
        e.preventDefault();
        this.area.focus();
        this.area.setSelectionRange(d.start.offset, d.start.offset);
      });
    }
    // The tooltip follows its diagnostic across re-renders and goes with it.
    if (shown) {
      const same = [...this.overlay.querySelectorAll("mark")].find((m) => m.dataset.key === shown);
      if (same) anchor = same;
      else hideTooltip();
    }
  }

  // ---- autocomplete ----------------------------------------------------------------

  /** The function-name prefix before the caret, outside string literals and [attributes]. */
  prefix() {
    const before = this.area.value.slice(0, this.area.selectionStart);
    let inString = false;
    let inAttr = false;
    for (let i = 0; i < before.length; i++) {
      const c = before[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (inAttr) {
        if (c === "]") inAttr = false;
      } else if (c === '"') inString = true;
      else if (c === "[") inAttr = true;
    }
    if (inString || inAttr) return null;
    const m = /[A-Za-z][A-Za-z0-9]*$/.exec(before);
    return m ? m[0] : null;
  }

  complete() {
    const p = this.prefix();
    if (!p) return this.closeComplete();
    const lower = p.toLowerCase();
    const items = this.functions()
      .filter((f) => f.name.toLowerCase().startsWith(lower) && f.name !== p)
      .slice(0, 8);
    if (items.length === 0) return this.closeComplete();
    this.items = items;
    this.active = 0;
    this.prefixLen = p.length;
    const box = popup();
    box.innerHTML = items
      .map(
        (f, i) =>
          `<div class="opt" role="option" data-i="${i}" aria-selected="${i === 0}"><div><code class="fn">${escapeHtml(f.name)}</code> <code class="sig">${escapeHtml(f.signature.slice(f.name.length))}</code></div><div class="doc">${escapeHtml(f.doc)}</div></div>`,
      )
      .join("");
    for (const opt of box.querySelectorAll(".opt")) {
      opt.addEventListener("mousedown", (e) => {
        e.preventDefault();
        this.accept(Number(opt.dataset.i));
      });
    }
    const r = this.el.getBoundingClientRect();
    box.style.top = `${r.bottom + window.scrollY + 4}px`;
    box.style.left = `${r.left + window.scrollX}px`;
    box.style.minWidth = `${Math.max(r.width, 320)}px`;
    box.hidden = false;
    this.open = true;
  }

  closeComplete() {
    if (!this.open) return;
    popup().hidden = true;
    this.open = false;
  }

  keydown(e) {
    if (!this.open) {
      if (e.key === "Enter") e.preventDefault(); // one expression, one line
      return;
    }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = this.items.length;
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      for (const opt of popup().querySelectorAll(".opt")) {
        opt.setAttribute("aria-selected", String(Number(opt.dataset.i) === this.active));
      }
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      this.accept(this.active);
    } else if (e.key === "Escape") {
      this.closeComplete();
    }
  }

  accept(i) {
    const f = this.items[i];
    const a = this.area;
    const end = a.selectionStart;
    const start = end - this.prefixLen;
    a.setRangeText(`${f.name}(`, start, end, "end");
    this.closeComplete();
    a.dispatchEvent(new Event("input"));
  }
}
