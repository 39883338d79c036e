// Lighthouse's accessibility score and the cumulative layout shift of one patient page, in Debian's
// chromium (CHROME_PATH), signed in through the page's sessionStorage when a session is given.
// Usage: node scripts/lighthouse.mjs URL [SESSION_JSON] → one JSON line on stdout.
// Run by `make a11y` (tests/e2e/test_patient_lighthouse.py); too slow for `make test`.
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [url, session] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
try {
  const page = await browser.newPage();
  if (session) {
    await page.evaluateOnNewDocument((value) => sessionStorage.setItem("teleconsult.session", value), session);
  }
  const result = await lighthouse(
    url,
    { output: "json", logLevel: "error", onlyCategories: ["accessibility", "performance"], disableStorageReset: true },
    undefined,
    page,
  );
  if (!result) throw new Error("Lighthouse returned nothing");
  const { lhr } = result;
  const refs = lhr.categories.accessibility.auditRefs.filter((ref) => ref.weight > 0).map((ref) => ref.id);
  const failed = refs.filter((id) => lhr.audits[id].score !== null && lhr.audits[id].score < 1);
  const line = {
    url,
    accessibility: Math.round((lhr.categories.accessibility.score ?? 0) * 100),
    cls: lhr.audits["cumulative-layout-shift"].numericValue,
    failed,
    runtimeError: lhr.runtimeError ? lhr.runtimeError.message : null,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
} finally {
  await browser.close();
}
