// The playground in Debian's Chromium via playwright-core, served from 127.0.0.1 under
// /playground/ (as the edge worker serves it), screenshots in test/artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, BASE, HERE, open, useBrowser } from "./harness.mjs";

const LOCALITY = 'addresses[type eq "work"].locality';

useBrowser();

const userCity = (page) => page.$eval("#user", (el) => JSON.parse(el.value).city);

async function setCity(page, city) {
  const text = await page.inputValue("#user");
  await page.fill("#user", JSON.stringify({ ...JSON.parse(text), city }, null, 2));
}

async function stepValue(page, target) {
  return page.$eval(`#steps tr[data-target='${target}'] td.value`, (td) => td.textContent);
}

let shared;

test("loads, picks Webex, a city edit changes addresses[type eq \"work\"].locality", async () => {
  const { context, page, errors } = await open();
  const firstMs = Number(await page.getAttribute("body", "data-first-result-ms"));
  console.log(`  time to first result after load: ${firstMs} ms`);
  await page.selectOption("#preset", "chatwork");
  await page.waitForFunction(() => document.querySelector("#preset-note")?.textContent.includes("Chatwork"));
  await page.selectOption("#preset", "webex");
  await page.waitForFunction(() => document.querySelector("#preset-note")?.textContent.includes("Webex"));
  await page.waitForSelector(`#rows tr[data-target='${LOCALITY}']`);
  assert.equal(await page.textContent("#verdict .badge"), "POST · Create");
  await page.click("[data-pane=steps]");
  assert.equal(await stepValue(page, LOCALITY), '"London"');
  await page.screenshot({ path: join(ARTIFACTS, "1-webex-loaded.png"), fullPage: true });

  await setCity(page, "Paris");
  await page.waitForFunction((t) => document.querySelector(`#steps tr[data-target='${t}'] td.value`)?.textContent === '"Paris"', LOCALITY);
  await page.click("[data-pane=request]");
  const body = await page.textContent("#pane-request pre.json");
  assert.match(body, /"locality": "Paris"/);
  assert.equal(await userCity(page), "Paris");
  await page.screenshot({ path: join(ARTIFACTS, "2-city-paris.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("a broken expression is underlined, with the message on hover; autocomplete offers functions", async () => {
  const { context, page, errors } = await open();
  const cell = "#rows tr[data-target='displayName'] td.c-expr textarea";
  await page.fill(cell, "");
  await page.type(cell, "ToLo");
  await page.waitForSelector("#complete:not([hidden]) .opt");
  const options = await page.$$eval("#complete .opt", (els) => els.map((e) => e.textContent));
  assert.ok(options.some((o) => o.startsWith("ToLower")), options.join("\n"));
  await page.screenshot({ path: join(ARTIFACTS, "3-autocomplete.png"), fullPage: false });
  await page.keyboard.press("Enter");
  assert.equal(await page.inputValue(cell), "ToLower(");
  await page.type(cell, '[displayName], "en-US"');
  const mark = "#rows tr[data-target='displayName'] td.c-expr mark.diag.error";
  const hoverUntil = async (re) => {
    for (let i = 0; i < 50; i++) {
      if (await page.$(mark)) {
        await page.hover(mark);
        const tip = await page.$eval("#tooltip", (t) => (t.hidden ? "" : t.textContent));
        if (re.test(tip)) return tip;
      }
      await page.waitForTimeout(100);
    }
    throw new Error(`no underline with a message matching ${re}`);
  };
  await hoverUntil(/expected `,` or `\)`/);
  assert.match(await page.textContent("#diag-summary"), /1 error/);
  assert.match(await page.textContent("#verdict"), /Mapping error/);
  await page.screenshot({ path: join(ARTIFACTS, "4-broken-expression.png"), fullPage: false });

  await page.fill(cell, "Lower([displayName])");
  assert.match(await hoverUntil(/unknown function `Lower`/), /ToLower/);
  await setCity(page, "Oslo");
  await page.waitForFunction(() => /Oslo/.test(document.querySelector("#user").value));
  await page.click("#share");
  await page.waitForSelector("body[data-share-url]");
  shared = await page.getAttribute("body", "data-share-url");
  assert.match(shared, /#s=[A-Za-z0-9_-]+$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a share link restores the same state", async () => {
  assert.ok(shared, "the previous test made a share link");
  const { context, page, errors } = await open(shared);
  assert.equal(await userCity(page), "Oslo");
  assert.equal(await page.inputValue("#rows tr[data-target='displayName'] td.c-expr textarea"), "Lower([displayName])");
  await page.waitForSelector("#rows tr[data-target='displayName'] td.c-expr mark.diag.error");
  assert.match(await page.textContent("#verdict"), /Mapping error|unknown function/);
  await page.screenshot({ path: join(ARTIFACTS, "5-shared-link.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("a simulated update shows a PATCH, and the page works offline once loaded", async () => {
  const { context, page, errors } = await open();
  await page.check("#exists");
  await page.waitForFunction(() => document.querySelector("#current").value.includes("London"));
  await setCity(page, "Berlin");
  await page.waitForFunction(() => /PATCH/.test(document.querySelector("#verdict").textContent));
  assert.match(await page.textContent("#pane-request"), /Berlin/);
  await page.screenshot({ path: join(ARTIFACTS, "6-patch.png"), fullPage: false });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  assert.match(await page.textContent("#verdict"), /POST/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("importing a Graph synchronizationSchema file replaces the mapping", async () => {
  const { context, page, errors } = await open();
  await page.setInputFiles("#import-file", join(HERE, "../../tests/fixtures/graph-schema-sample.json"));
  await page.waitForSelector("#rows tr[data-target='Username']");
  assert.equal(await page.inputValue("#preset"), "");
  assert.match(await page.textContent("#toast"), /Imported graph-schema-sample.json/);
  // The sample's scope keeps only directory-synced users: the verdict says why it skips.
  await page.waitForFunction(() => /Skipped/.test(document.querySelector("#verdict").textContent));
  assert.match(await page.textContent("#verdict"), /out of scope.*dirSyncEnabled/);
  await page.click("[data-pane=matching]");
  assert.match(await page.textContent("#pane-matching"), /Username eq/);
  await page.screenshot({ path: join(ARTIFACTS, "7-imported-schema.png"), fullPage: false });
  assert.deepEqual(errors, []);
  await context.close();
});

test("Stop terminates the engine worker and a fresh one takes over", async () => {
  const { context, page, errors } = await open();
  // The button shows only while an evaluation runs; click it programmatically to exercise
  // the same terminate-and-restart path a runaway evaluation takes on timeout.
  await page.$eval("#stop", (b) => b.click());
  await page.waitForFunction(() => /stopped by you; restarted/.test(document.querySelector("#status").textContent));
  await setCity(page, "Lisbon");
  await page.click("[data-pane=steps]");
  await page.waitForFunction((t) => document.querySelector(`#steps tr[data-target='${t}'] td.value`)?.textContent === '"Lisbon"', LOCALITY);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the Graph JSON view edits the same mapping", async () => {
  const { context, page, errors } = await open();
  await page.click("#tab-graph");
  const json = await page.inputValue("#graph");
  assert.match(json, /"synchronizationRules"/);
  const edited = JSON.parse(json);
  const om = edited.schema.synchronizationRules[0].objectMappings.find((o) => o.sourceObjectName === "User");
  const am = om.attributeMappings.find((a) => a.targetAttributeName === LOCALITY);
  am.source = { expression: 'Join(", ", [city], [country])', type: "Function" };
  await page.fill("#graph", JSON.stringify(edited, null, 2));
  await page.click("#graph-apply");
  await page.click("#tab-table");
  await page.waitForFunction((t) => document.querySelector(`#rows tr[data-target='${t}'] td.c-expr textarea`)?.value.startsWith("Join"), LOCALITY);
  await page.click("[data-pane=steps]");
  await page.waitForFunction((t) => document.querySelector(`#steps tr[data-target='${t}'] td.value`)?.textContent === '"London, United Kingdom"', LOCALITY);
  await page.click("#tab-graph");
  await page.screenshot({ path: join(ARTIFACTS, "8-graph-json.png"), fullPage: false });
  assert.deepEqual(errors, []);
  await context.close();
});
