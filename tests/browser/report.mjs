// Opens an insider HTML report in headless Chromium and checks it works and is inert to
// injected markup. Usage: node report.mjs REPORT.html  (env CHROMIUM, PROFILE_DIR)
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const report = process.argv[2];
const profile = process.env.PROFILE_DIR || mkdtempSync(join(tmpdir(), "insider-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu",
    "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const failures = [];
function check(condition, message) { if (!condition) failures.push(message); }
try {
  const page = await context.newPage();
  const consoleErrors = [];
  const dialogs = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.goto(pathToFileURL(report).href);

  check(await page.locator("svg.chart").count() >= 1, "no bar chart");
  check(await page.locator("svg.chart rect.bar").count() >= 2, "chart has no bars");
  check(await page.locator("table.heatmap td.hm").count() >= 4, "no heatmap cells");
  const allRows = await page.locator("#transcript-list tbody tr").count();
  check(allRows > 0, "transcript list is empty");

  await page.selectOption("#filter-verdict", "harmful");
  const harmfulRows = page.locator("#transcript-list tbody tr");
  const count = await harmfulRows.count();
  check(count > 0 && count <= allRows, `harmful filter shows ${count} rows`);
  const labels = await page.locator("#transcript-list tbody tr td:nth-child(5)").allTextContents();
  check(labels.every((l) => l.startsWith("harmful")), "filter let non-harmful rows through: " + labels.join(","));
  const matchText = await page.locator("#match-count").textContent();
  check(/^21 of 42/.test(matchText), "unexpected match count: " + matchText);

  await harmfulRows.first().click();
  const detail = page.locator("#transcript-detail");
  await detail.locator("h3").first().waitFor();
  const detailText = await detail.textContent();
  check(detailText.includes("<script>window.__pwned = 1"), "reply payload not shown as text");
  check(detailText.includes("You are Alex <b>bold</b>"), "system prompt not shown as text");
  check(detailText.includes("The reply threatens disclosure"), "grader reasoning missing");
  check(await detail.locator("mark.action").count() >= 1, "tool call not highlighted");
  check(await detail.locator("script, img").count() === 0, "detail contains live script/img elements");
  await detail.locator("details summary").first().click();
  check((await detail.locator("details pre").textContent()).includes("choices"), "raw response missing");

  // Paging: next then prev keeps working.
  await page.selectOption("#filter-verdict", "");
  await page.waitForTimeout(200);
  const pwned = await page.evaluate(() => window.__pwned);
  check(pwned === undefined, "injected script ran: window.__pwned = " + pwned);
  check(dialogs.length === 0, "a dialog opened: " + dialogs.join(","));
  check(consoleErrors.length === 0, "console errors: " + consoleErrors.join(" | "));
} finally {
  await context.close();
}
if (failures.length) {
  console.error("browser check failed:\n- " + failures.join("\n- "));
  process.exit(1);
}
console.log("browser check passed");
