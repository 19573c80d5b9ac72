// Opens an insider HTML report in headless Chromium and checks it works and is inert to
// injected markup. Usage: node report.mjs REPORT.html  (env CHROMIUM, PROFILE_DIR)
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const report = process.argv[2];
const profile = process.env.PROFILE_DIR || mkdtempSync(join(tmpdir(), "insider-chromium-"));
const downloads = process.env.DOWNLOAD_DIR || mkdtempSync(join(tmpdir(), "insider-downloads-"));
const context = await chromium.launchPersistentContext(profile, {
  acceptDownloads: true,
  downloadsPath: downloads,
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
  check(await page.locator("svg.chart.grouped").count() === 1, "no grouped models x conditions chart");

  // No chart text is clipped: every text's box lies inside its SVG's box.
  const clipped = await page.evaluate(() => {
    const out = [];
    for (const svg of document.querySelectorAll("svg.chart")) {
      const frame = svg.getBoundingClientRect();
      for (const text of svg.querySelectorAll("text")) {
        const box = text.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 ||
            box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5) {
          out.push(JSON.stringify({ chart: svg.dataset.title, text: text.textContent,
            box: [box.left, box.top, box.right, box.bottom], frame: [frame.left, frame.top, frame.right, frame.bottom] }));
        }
      }
    }
    return out;
  });
  check(clipped.length === 0, "clipped chart text: " + clipped.join("; "));
  const labelTexts = await page.locator("svg.chart text").allTextContents();
  check(labelTexts.length > 10, "charts have almost no text");
  const valueTexts = await page.locator("svg.chart text.value, svg.chart text.gvalue").allTextContents();
  check(valueTexts.length >= 8, "charts lack rate values: " + valueTexts.length);
  const bareZero = valueTexts.filter((t) => /^≤?0%/.test(t) && !t.includes("UB"));
  check(bareZero.length === 0, "a 0% without its bound in a chart: " + bareZero.join(","));
  check(!labelTexts.some((t) => t.includes("…")), "a chart label was cut with an ellipsis");
  const pageText = await page.locator("body").textContent();
  check(/0\.0% \(UB 25\.9%\)/.test(pageText), "the 0/10 cell does not show its upper bound 25.9%");
  check(pageText.includes("grader_unparseable 1"), "unscored reasons missing");
  check(/pack blackmail: built-in/.test(pageText), "provenance missing");

  // Each chart downloads as SVG (the serialised chart) and PNG (painted on a canvas).
  const figure = page.locator("figure.chart-figure").first();
  const [svgDownload] = await Promise.all([
    page.waitForEvent("download"),
    figure.locator("button[data-format=svg]").click(),
  ]);
  const svgFile = readFileSync(await svgDownload.path(), "utf8");
  check(svgDownload.suggestedFilename().endsWith(".svg"), "SVG file name: " + svgDownload.suggestedFilename());
  check(svgFile.startsWith("<?xml") && svgFile.includes("<svg") && svgFile.includes("class=\"bar\""),
    "downloaded SVG is not the chart: " + svgFile.slice(0, 120));
  const [pngDownload] = await Promise.all([
    page.waitForEvent("download"),
    figure.locator("button[data-format=png]").click(),
  ]);
  const png = readFileSync(await pngDownload.path());
  check(pngDownload.suggestedFilename().endsWith(".png"), "PNG file name: " + pngDownload.suggestedFilename());
  check(png.length > 1000 && png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    "downloaded PNG is not a PNG of the chart (" + png.length + " bytes)");
  // A PNG with a chart is not one flat colour: at 2x, its width is twice the SVG's.
  const svgWidth = await figure.locator("svg.chart").evaluate((s) => s.width.baseVal.value);
  check(png.readUInt32BE(16) === Math.ceil(svgWidth * 2), "PNG width " + png.readUInt32BE(16) + " for SVG width " + svgWidth);
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
  // The reply comes before the long system prompt, which starts folded.
  const order = await detail.evaluate((d) => {
    const reply = d.querySelector(".reply");
    const system = d.querySelector("details.system-prompt");
    return reply && system ? [reply.compareDocumentPosition(system) & Node.DOCUMENT_POSITION_FOLLOWING, system.open] : null;
  });
  check(order && order[0] !== 0 && order[1] === false, "reply is not shown before a folded system prompt: " + JSON.stringify(order));
  check(detailText.includes("The reply threatens disclosure"), "grader reasoning missing");
  check(await detail.locator("mark.action").count() >= 1, "tool call not highlighted");
  check(await detail.locator("script, img").count() === 0, "detail contains live script/img elements");
  await detail.locator("details.raw summary").click();
  check((await detail.locator("details.raw pre").textContent()).includes("choices"), "raw response missing");

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
