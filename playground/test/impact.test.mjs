// The Impact view (issue 16): an admin drops a 5 000-user export in the Entra portal's CSV
// format, edits the mapping, and the table follows, the dangerous rows first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useBrowser, open, axeViolations, ARTIFACTS, HERE } from "./harness.mjs";

useBrowser();

const USERS = 5000;
// The portal's header row, as the native suite's fixture has it (tests/impact).
const HEADER = readFileSync(join(HERE, "..", "..", "tests", "impact", "portal-users.csv"), "utf8").split(/\r?\n/)[0];
const COLUMNS = HEADER.replace(/^\uFEFF/, "").split(",");

/** Mail differs from the UPN for every 10th user and is blank for every 50th from 5. */
function portalCsv() {
  const rows = [HEADER];
  for (let i = 0; i < USERS; i++) {
    const upn = `user${i}@contoso.com`;
    const mail = i % 10 === 0 ? `u${i}@mail.contoso.com` : i % 50 === 5 ? "" : upn;
    const cells = {
      userPrincipalName: upn,
      displayName: `User ${i}`,
      surname: `Surname${i}`,
      mail,
      givenName: `Given${i}`,
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      userType: "Member",
      jobTitle: i % 3 === 0 ? "Engineer" : "Analyst, Research",
      department: "Research",
      accountEnabled: "True",
      city: "London",
    };
    rows.push(COLUMNS.map((c) => (cells[c] === undefined ? "" : /[",]/.test(cells[c]) ? `"${cells[c].replace(/"/g, '""')}"` : cells[c])).join(","));
  }
  return `${rows.join("\r\n")}\r\n`;
}
const CHANGED_MATCH = USERS / 10 + USERS / 50;

const status = (page) => page.textContent("#impact-status");
const firstKind = (page) => page.$eval("#impact-findings tbody tr", (tr) => tr.dataset.kind ?? "");

test(`a ${USERS}-user portal CSV, then userName ← [mail]: the matching change is the first row, with its count`, async () => {
  const { context, page, errors } = await open();
  await page.setInputFiles("#impact-file", { name: "users.csv", mimeType: "text/csv", buffer: Buffer.from(portalCsv()) });
  await page.waitForFunction((n) => document.querySelector("#impact-status").textContent.includes(`${n} users`), USERS.toLocaleString("en-US"), { timeout: 60000 });
  assert.match(await status(page), /5,000 unchanged, 0 changed/);
  assert.match(await page.textContent("#impact-findings tbody"), /No user's requests change/);

  await page.fill("#rows tr[data-target='userName'] td.c-expr textarea", "[mail]");
  await page.waitForFunction(() => document.querySelector("#impact-findings tbody tr")?.dataset.kind === "matchingChanged", null, { timeout: 60000 });
  assert.equal(await firstKind(page), "matchingChanged");
  const row = "#impact-findings tr[data-kind=matchingChanged]";
  assert.equal(await page.$eval(row, (tr) => tr.className), "s-dangerous");
  assert.equal(await page.textContent(`${row} td.num`), CHANGED_MATCH.toLocaleString("en-US"));
  assert.match(await page.textContent(`${row} ul`), /user0@contoso\.com/);
  assert.match(await status(page), new RegExp(`${CHANGED_MATCH} would be created again`));
  const userName = "#impact-attrs tr[data-target=userName]";
  assert.equal(await page.textContent(`${userName} td:nth-child(2)`), CHANGED_MATCH.toLocaleString("en-US"));

  // Every later row is less severe than the one before it.
  const severities = await page.$$eval("#impact-findings tbody tr", (trs) => trs.map((tr) => tr.className));
  const rank = { "s-dangerous": 0, "s-warning": 1, "s-info": 2 };
  assert.deepEqual([...severities].sort((a, b) => rank[a] - rank[b]), severities);

  // Back to the UPN: the table empties again.
  await page.fill("#rows tr[data-target='userName'] td.c-expr textarea", "[userPrincipalName]");
  await page.waitForFunction(() => /No user's requests change/.test(document.querySelector("#impact-findings tbody").textContent), null, { timeout: 60000 });

  await page.fill("#rows tr[data-target='userName'] td.c-expr textarea", "[mail]");
  await page.waitForFunction(() => document.querySelector("#impact-findings tbody tr")?.dataset.kind === "matchingChanged", null, { timeout: 60000 });
  await page.locator("#impact").scrollIntoViewIfNeeded();
  await page.locator("#impact").screenshot({ path: join(ARTIFACTS, "impact-1440.png") });
  assert.deepEqual(await axeViolations(page), []);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator("#impact").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "impact-390x844.png") });
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("an empty export and a file that is not a users export say what is wrong", async () => {
  const { context, page, errors } = await open();
  await page.setInputFiles("#impact-file", { name: "empty.csv", mimeType: "text/csv", buffer: Buffer.from("  \n") });
  await page.waitForFunction(() => /empty\.csv is empty/.test(document.querySelector("#impact-error").textContent));
  await page.setInputFiles("#impact-file", { name: "broken.json", mimeType: "application/json", buffer: Buffer.from('[{"userPrincipalName": "a@b"}, 42]') });
  await page.waitForFunction(() => /Cannot compare: .*record 2/.test(document.querySelector("#impact-error").textContent), null, { timeout: 20000 });
  assert.equal(await page.isHidden("#impact-body"), true);
  assert.deepEqual(errors, []);
  await context.close();
});
