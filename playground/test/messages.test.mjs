// Messages say what is wrong and stay (issue 14, item 11).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useBrowser, open, BASE, ARTIFACTS } from "./harness.mjs";

useBrowser();

const banner = (page) => page.$eval("#banner", (b) => (b.hidden ? "" : b.textContent));

test("an empty import file says it is empty, and the message stays past 4 s", async () => {
  const { context, page, errors } = await open();
  await page.setInputFiles("#import-file", { name: "empty.json", mimeType: "application/json", buffer: Buffer.alloc(0) });
  await page.waitForSelector("#banner:not([hidden])");
  const text = await banner(page);
  assert.match(text, /empty\.json is empty/);
  assert.match(text, /synchronizationSchema/);
  assert.doesNotMatch(text, /unknown preset/);
  assert.equal(await page.getAttribute("#banner", "role"), "alert");
  await page.waitForTimeout(4500);
  assert.match(await banner(page), /empty\.json is empty/, "still visible after 4.5 s");
  await page.screenshot({ path: join(ARTIFACTS, "messages-empty-import.png") });
  // Dismissed by the user, or replaced by a successful import.
  await page.click("#banner-close");
  assert.equal(await banner(page), "");
  assert.deepEqual(errors, []);
  await context.close();
});

test("an import the engine rejects names the file and the reason, and stays", async () => {
  const { context, page, errors } = await open();
  await page.setInputFiles("#import-file", { name: "notes.json", mimeType: "application/json", buffer: Buffer.from('{"hello": "world"}') });
  await page.waitForSelector("#banner:not([hidden])");
  assert.match(await banner(page), /^notes\.json cannot be imported: ./);
  await page.setInputFiles("#import-file", { name: "list.json", mimeType: "application/json", buffer: Buffer.from("[1, 2]") });
  await page.waitForFunction(() => /list\.json is not a JSON object/.test(document.querySelector("#banner").textContent));
  await page.waitForTimeout(4500);
  assert.match(await banner(page), /list\.json is not a JSON object/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a corrupted share link says it is damaged, not 'Failed to fetch', and stays", async () => {
  const { context, page, errors } = await open(`${BASE}#s=q1YqLi1KTUlVslLKzSxRslIqS8wpTVUCAA`);
  await page.waitForSelector("#banner:not([hidden])");
  const text = await banner(page);
  assert.match(text, /share link is damaged/);
  assert.match(text, /default preset/);
  assert.doesNotMatch(text, /Failed to fetch/);
  assert.match(await page.textContent("#verdict"), /POST · Create/, "the default preset still runs");
  await page.waitForTimeout(4500);
  assert.match(await banner(page), /share link is damaged/);
  // A link whose hash is not even base64url gets the same message.
  const again = await open(`${BASE}#s=not*base64`);
  await again.page.waitForSelector("#banner:not([hidden])");
  assert.match(await banner(again.page), /share link is damaged/);
  await again.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});
