// A result is never stale or misleading (issue 14, item 10): each case the issue lists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useBrowser, open, setSource, ARTIFACTS } from "./harness.mjs";

useBrowser();

const LOCALITY = 'addresses[type eq "work"].locality';
const expr = (target) => `#rows tr[data-target='${target}'] td.c-expr textarea`;
const verdictMatches = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector("#verdict").textContent), re.source);
const stepOutcome = (page, target) => page.$eval(`#steps tr[data-target='${target}'] td.outcome`, (td) => td.textContent);

test("invalid source JSON empties the result panes instead of keeping the previous POST", async () => {
  const { context, page, errors } = await open();
  await verdictMatches(page, /POST · Create/);
  await setSource(page, '{ "displayName": "Ada", ');
  await verdictMatches(page, /Cannot run/);
  assert.equal(await page.$("#pane-request pre"), null, "no request body next to Cannot run");
  assert.match(await page.textContent("#pane-request"), /Fix the source user JSON/);
  assert.equal(await page.$$eval("#steps tbody tr", (trs) => trs.length), 0);
  assert.equal(await page.textContent("#resource"), "");
  assert.equal(await page.getAttribute("#user", "aria-invalid"), "true");
  assert.match(await page.textContent("#user-error"), /source user/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a runtime mapping error is counted in the summary, not 'No problems found'", async () => {
  const { context, page, errors } = await open();
  await page.fill(expr("displayName"), 'FormatDateTime([city], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")');
  await verdictMatches(page, /Mapping error/);
  const summary = await page.textContent("#diag-summary");
  assert.doesNotMatch(summary, /No problems found/);
  assert.match(summary, /1 error/);
  assert.match(summary, /displayName/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a target typo is an error, and no request is shown with it", async () => {
  const { context, page, errors } = await open();
  const target = "#rows tr[data-target='phoneNumbers[type eq \"work\"].value'] td.c-target textarea";
  await page.fill(target, 'phoneNumberss[type eq "work"].value');
  await page.waitForFunction(() => /[1-9] errors?/.test(document.querySelector("#diag-summary").textContent));
  await verdictMatches(page, /Mapping error/);
  assert.doesNotMatch(await page.textContent("#verdict"), /POST/);
  assert.match(await page.textContent("#verdict"), /phoneNumberss/);
  assert.doesNotMatch(await page.textContent("#pane-request"), /phoneNumberss/);
  assert.equal(await page.$("#pane-request pre"), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test("with Object = Group the source is a group", async () => {
  const { context, page, errors } = await open();
  await page.selectOption("#object", "Group");
  await page.waitForFunction(() => /Source group/.test(document.querySelector("#source-title").textContent));
  const source = JSON.parse(await page.inputValue("#user"));
  assert.equal(source.displayName, "Engineering");
  assert.equal(source.userPrincipalName, undefined);
  await verdictMatches(page, /POST · Create/);
  const body = await page.textContent("#pane-request");
  assert.match(body, /\/Groups/);
  assert.match(body, /Engineering/);
  assert.doesNotMatch(body, /Ada Lovelace|ada\.lovelace/);
  // Back to User: the user's own source comes back.
  await page.selectOption("#object", "User");
  await page.waitForFunction(() => /Source user/.test(document.querySelector("#source-title").textContent));
  assert.equal(JSON.parse(await page.inputValue("#user")).displayName, "Ada Lovelace");
  assert.deepEqual(errors, []);
  await context.close();
});

test("in update mode, attributes the app already holds are 'Unchanged: not sent'", async () => {
  const { context, page, errors } = await open();
  await page.check("#exists");
  await page.waitForFunction(() => document.querySelector("#current").value.includes("London"));
  await page.click("[data-pane=steps]");
  await page.waitForFunction(() => /Unchanged/.test(document.querySelector("#steps").textContent));
  assert.equal(await stepOutcome(page, "displayName"), "Unchanged: not sent");
  const source = JSON.parse(await page.inputValue("#user"));
  await setSource(page, { ...source, city: "Berlin" });
  await page.waitForFunction((t) => /Berlin/.test(document.querySelector(`#steps tr[data-target='${t}']`)?.textContent), LOCALITY);
  assert.equal(await stepOutcome(page, LOCALITY), "Sent");
  assert.equal(await stepOutcome(page, "displayName"), "Unchanged: not sent");
  await page.screenshot({ path: join(ARTIFACTS, "results-unchanged.png") });
  assert.deepEqual(errors, []);
  await context.close();
});

test("'Already in the app' with a broken mapping says why instead of filling {}", async () => {
  const { context, page, errors } = await open();
  await page.fill(expr("displayName"), "Lower([displayName])");
  await verdictMatches(page, /Mapping error/);
  await page.check("#exists");
  await page.waitForFunction(() => document.querySelector("#current-error").textContent !== "");
  assert.equal((await page.inputValue("#current")).trim(), "");
  assert.match(await page.textContent("#current-error"), /fix the mapping/);
  await page.fill(expr("displayName"), "ToLower([displayName])");
  await page.waitForFunction(() => document.querySelector("#current").value.includes("London"));
  await verdictMatches(page, /Skipped|PATCH/);
  assert.equal(await page.textContent("#current-error"), "");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the hover tooltip goes away with the error it described", async () => {
  const { context, page, errors } = await open();
  const cell = expr("displayName");
  await page.fill(cell, "Lower([displayName])");
  const mark = "#rows tr[data-target='displayName'] td.c-expr mark.diag.error";
  await page.waitForSelector(mark);
  await page.hover(mark);
  await page.waitForSelector("#tooltip:not([hidden])");
  assert.match(await page.textContent("#tooltip"), /unknown function `Lower`/);
  await page.fill(cell, "ToLower([displayName])");
  await page.waitForFunction((m) => !document.querySelector(m), mark);
  await page.waitForTimeout(300);
  assert.equal(await page.$eval("#tooltip", (t) => t.hidden), true, "no tooltip for an error that is gone");
  assert.deepEqual(errors, []);
  await context.close();
});
