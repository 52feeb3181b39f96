// Shared set-up for the Chromium suites: the built playground served from 127.0.0.1 under
// /playground/ (as the edge worker serves it), Debian's Chromium via playwright-core,
// screenshots in test/artifacts/, and axe-core injected from node_modules.
import { before, after } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, symlinkSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(HERE, "artifacts");
export const FIXTURES = join(HERE, "fixtures");
const DIST = process.env.PLAYGROUND_DIST ?? join(HERE, "..", "dist");
const PORT = Number(process.env.PLAYGROUND_PORT ?? 19084);
export const BASE = `http://127.0.0.1:${PORT}/playground/`;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let server;
let root;
let browser;

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(BASE);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no server on ${BASE}`);
}

/** Registers the suite's before/after hooks: one server and one browser per file. */
export function useBrowser() {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(join(tmpdir(), "scimmap-playground-"));
    symlinkSync(DIST, join(root, "playground"));
    server = spawn("python3", ["-m", "http.server", String(PORT), "--bind", "127.0.0.1", "--directory", root], {
      stdio: "ignore",
      detached: true,
    });
    await waitForServer();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  after(async () => {
    await browser?.close();
    if (server?.pid) process.kill(-server.pid, "SIGTERM");
    rmSync(root, { recursive: true, force: true });
  });
}

/** A fresh context at `url`, waiting for the first result; page errors are collected. */
export async function open(url = BASE, { width = 1440, height = 1000 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  return { context, page, errors };
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
}

/** Replaces the source JSON editor's text the way typing would. */
export async function setSource(page, value) {
  await page.fill("#user", typeof value === "string" ? value : JSON.stringify(value, null, 2));
}
