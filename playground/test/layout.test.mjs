// Phones and narrow windows (issue 14, item 8): from 360 px up every column has room,
// the header does not overlap itself, and the result is on the first screen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useBrowser, open, ARTIFACTS } from "./harness.mjs";

useBrowser();

/** Page geometry: boxes in document coordinates. */
function measure(page) {
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY, width: r.width, height: r.height };
    };
    const q = (s) => document.querySelector(s);
    return {
      scrollWidth: document.documentElement.scrollWidth,
      header: ["h1", ".brand p", "#preset", "#import", "#share"].map((s) => ({ s, ...box(q(s)) })),
      targets: [...document.querySelectorAll("#rows td.c-target textarea")].map(box),
      exprs: [...document.querySelectorAll("#rows td.c-expr textarea")].map(box),
      rows: [...document.querySelectorAll("#rows tbody tr")].map((tr) => ({
        target: box(tr.querySelector("td.c-target")),
        expr: box(tr.querySelector("td.c-expr")),
        del: box(tr.querySelector("td.c-del button")),
      })),
      result: box(q("#result")),
      verdict: box(q("#verdict")),
      firstRow: box(q("#rows tbody tr")),
    };
  });
}

const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

function assertSane(m, width, height) {
  assert.ok(m.scrollWidth <= width, `no sideways scrolling: page is ${m.scrollWidth} px wide in a ${width} px window`);
  for (let i = 0; i < m.header.length; i++) {
    const a = m.header[i];
    assert.ok(a.width > 0 && a.right <= width + 0.5, `${a.s} is on screen: ${JSON.stringify(a)}`);
    for (const b of m.header.slice(i + 1)) assert.ok(!overlap(a, b), `${a.s} overlaps ${b.s}: ${JSON.stringify([a, b])}`);
  }
  const minExpr = Math.min(...m.exprs.map((b) => b.width));
  const minTarget = Math.min(...m.targets.map((b) => b.width));
  assert.ok(minExpr >= 150, `every expression editor is usable: the narrowest is ${minExpr} px`);
  assert.ok(minTarget >= 100, `every target editor is usable: the narrowest is ${minTarget} px`);
  for (const r of m.rows) assert.ok(!overlap(r.expr, r.target) && !overlap(r.del, r.expr), `cells overlap: ${JSON.stringify(r)}`);
  assert.ok(m.verdict.bottom <= height, `the verdict is on the first screen: its bottom is at ${m.verdict.bottom} px of ${height}`);
}

for (const [width, height] of [
  [390, 844],
  [360, 740],
  [1440, 900],
]) {
  test(`at ${width} × ${height}: every column has room, the header does not overlap, the verdict is on the first screen`, async () => {
    const { context, page, errors } = await open(undefined, { width, height });
    await page.waitForSelector("#verdict .badge");
    const m = await measure(page);
    await page.screenshot({ path: join(ARTIFACTS, `layout-${width}x${height}.png`) });
    assertSane(m, width, height);
    if (width < 760) {
      // Rows are cards: the expression sits under its target, at nearly the card's width.
      for (const r of m.rows) assert.ok(r.expr.top >= r.target.bottom, `expression under target: ${JSON.stringify(r)}`);
      assert.ok(m.exprs[0].width > width * 0.6, `expression spans the card: ${m.exprs[0].width} px`);
      assert.ok(m.result.top < m.firstRow.top, "the result comes before the mapping rows");
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("at 390 × 844 a broken expression's message fits under it and the verdict says so on the first screen", async () => {
  const { context, page, errors } = await open(undefined, { width: 390, height: 844 });
  const cell = "#rows tr[data-target='displayName'] td.c-expr";
  await page.fill(`${cell} textarea`, "Lower([displayName])");
  await page.waitForSelector(`${cell} .cell-msg:not([hidden])`);
  const msg = await page.$eval(`${cell} .cell-msg`, (el) => ({ text: el.textContent, width: el.getBoundingClientRect().width, right: el.getBoundingClientRect().right }));
  assert.match(msg.text, /unknown function `Lower`/);
  assert.ok(msg.width > 200 && msg.right <= 390, JSON.stringify(msg));
  await page.waitForFunction(() => /Mapping error/.test(document.querySelector("#verdict").textContent));
  const verdict = await page.$eval("#verdict", (el) => el.getBoundingClientRect().bottom + scrollY);
  assert.ok(verdict <= 844, `verdict bottom at ${verdict}`);
  await page.locator(cell).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "layout-390x844-error.png") });
  assert.deepEqual(errors, []);
  await context.close();
});
