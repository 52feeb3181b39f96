// Keyboard and screen-reader use of the playground (issue 14, item 9): axe-core finds no
// serious or critical violation, and an import-fix-read session needs no mouse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useBrowser, open, axeViolations, ARTIFACTS, FIXTURES } from "./harness.mjs";

useBrowser();

const DISPLAY_NAME = "#rows tr[data-target='displayName'] td.c-expr textarea";

/** Presses Tab until `predicate` holds for the focused element; fails after `max` presses. */
async function tabUntil(page, predicate, arg, max = 80, key = "Tab") {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if (await page.evaluate(predicate, arg)) return i + 1;
  }
  throw new Error(`focus never reached the element after ${max} ${key} presses`);
}

test("axe-core: no serious or critical violation at rest, with a broken expression, on every result tab, at 390 px", async () => {
  const { context, page, errors } = await open();
  const found = {};
  found.rest = await axeViolations(page);
  await page.fill(DISPLAY_NAME, "Lower([displayName])");
  await page.waitForSelector(`${DISPLAY_NAME}[aria-invalid=true]`);
  found.broken = await axeViolations(page);
  await page.fill(DISPLAY_NAME, "[displayName]");
  await page.waitForFunction(() => /POST/.test(document.querySelector("#verdict").textContent));
  for (const pane of ["resource", "steps", "matching"]) {
    await page.click(`[data-pane=${pane}]`);
    found[pane] = await axeViolations(page);
  }
  await page.click("#tab-graph");
  found.graph = await axeViolations(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click("#tab-table");
  found.phone = await axeViolations(page);
  const counts = Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.length]));
  console.log(`  axe-core serious/critical violations: ${JSON.stringify(counts)}`);
  for (const [where, violations] of Object.entries(found)) assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations, null, 1)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("keyboard only: import a schema, fix the error it has, read the result", async () => {
  const { context, page, errors } = await open();
  // Import, by keyboard: the first Tab reaches the skip link, a few more the Import button.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
  await tabUntil(page, () => document.activeElement.id === "import", null, 10);
  // playwright turns on file-chooser interception asynchronously: let it land before Enter.
  const choosing = page.waitForEvent("filechooser");
  await page.evaluate(() => new Promise(requestAnimationFrame));
  await page.keyboard.press("Enter");
  const chooser = await choosing;
  await chooser.setFiles(join(FIXTURES, "broken-schema.json"));
  await page.waitForSelector(`${DISPLAY_NAME}[aria-invalid=true]`);

  // The error is announced with the field and written under it, with no hover.
  const described = await page.$eval(DISPLAY_NAME, (el) => {
    const msg = document.getElementById(el.getAttribute("aria-describedby"));
    const box = msg.getBoundingClientRect();
    return { text: msg.textContent, visible: box.height > 0 && getComputedStyle(msg).visibility === "visible" };
  });
  assert.match(described.text, /unknown function `Lower`/);
  assert.ok(described.visible, "the message is on screen without hovering");
  assert.match(await page.textContent("#verdict"), /Mapping error/);
  assert.equal(await page.getAttribute("#verdict", "aria-live"), "polite");
  await page.screenshot({ path: join(ARTIFACTS, "a11y-1-error-by-keyboard.png") });

  // Fix it, by keyboard.
  await tabUntil(page, (sel) => document.activeElement === document.querySelector(sel), DISPLAY_NAME, 40);
  await page.keyboard.press("Control+A");
  await page.keyboard.type("ToLower([displayName])");
  await page.waitForFunction((sel) => !document.querySelector(sel).hasAttribute("aria-invalid"), DISPLAY_NAME);
  await page.waitForFunction(() => /POST · Create/.test(document.querySelector("#verdict").textContent));

  // Read it, by keyboard: one tab stop for the result tabs, arrows between them.
  await tabUntil(page, () => document.activeElement.id === "tab-request", null, 60);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-steps");
  assert.equal(await page.getAttribute("#tab-steps", "aria-selected"), "true");
  assert.equal(await page.isVisible("#pane-steps"), true);
  assert.equal(await page.$eval("#steps tr[data-target='displayName'] td.value", (td) => td.textContent), '"ada lovelace"');
  await page.keyboard.press("End");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-matching");
  await page.keyboard.press("Home");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-request");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-matching");
  await page.screenshot({ path: join(ARTIFACTS, "a11y-2-fixed-by-keyboard.png") });
  assert.deepEqual(errors, []);
  await context.close();
});

test("the skip link jumps past every mapping row to the result", async () => {
  const { context, page, errors } = await open();
  await page.keyboard.press("Tab");
  assert.equal(await page.textContent(":focus"), "Skip to the result");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "result");
  // From there, the next stop is inside the result, not the first mapping row.
  await page.keyboard.press("Tab");
  assert.ok(await page.evaluate(() => document.getElementById("result").contains(document.activeElement)));
  assert.deepEqual(errors, []);
  await context.close();
});

test("delete buttons name their mapping; tabs have roles, panels and arrow keys", async () => {
  const { context, page, errors } = await open();
  const names = await page.$$eval("#rows td.c-del button", (bs) => bs.map((b) => b.getAttribute("aria-label")));
  assert.ok(names.length > 5);
  assert.ok(names.includes("Remove the mapping to displayName"), names.join("\n"));
  for (const list of await page.$$("[role=tablist]")) {
    const tabs = await list.$$eval("[role=tab]", (ts) =>
      ts.map((t) => ({ panel: document.getElementById(t.getAttribute("aria-controls"))?.getAttribute("role"), stop: t.tabIndex, selected: t.getAttribute("aria-selected") })),
    );
    assert.ok(tabs.every((t) => t.panel === "tabpanel"), JSON.stringify(tabs));
    assert.deepEqual(tabs.filter((t) => t.stop === 0).length, 1, "one tab stop per tab list");
  }
  await page.focus("#tab-table");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-graph");
  assert.equal(await page.isVisible("#graph"), true);
  assert.deepEqual(errors, []);
  await context.close();
});
