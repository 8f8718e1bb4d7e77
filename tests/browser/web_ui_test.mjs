// Browser test of the web UI (ctest label "browser"): a real `kwb serve --embedded --port 0` on
// 127.0.0.1 serving web/dist, driven by Debian's headless Chromium through playwright-core.
//
//   node tests/browser/web_ui_test.mjs --kwb build/src/cli/kwb --web-dir web/dist --out <dir>
//
// Flow: sign in as admin (default-password banner shown), create a stream through the dialog and
// see it in the table, open its page (four metric charts drawn), run a bulk analysis over every
// stream and wait for the progress to reach 100%, then check the results page against the API's
// own report (same counts, one card per stream, the seeded stream's findings with evidence). A
// reload keeps the session; a bad token sends the user back to the login page. Screenshots go to
// --out. Any broken step fails the test: there is no skip.
import { join } from "node:path";
import { browserTestOptions, callApi, createChecks, launchChromium, loadChromium, reportUnexpected, seedOverload, startServe } from "./harness.mjs";

const options = browserTestOptions("web-ui-test");
const { outDir } = options;
const STREAM = "web-ui-orders";
const checks = createChecks("web_ui_test");
const { check, fatal } = checks;
const chromium = loadChromium(options, fatal);

// ---- the server ----
const server = await startServe(options, { dataDirPrefix: "kwb-web-ui-", jwtSecret: "web-ui-browser-test-jwt-secret-0123456789abcdef" }).catch((e) =>
  fatal(e.message),
);
const { base } = server;
console.log(`kwb serve at ${base}, screenshots in ${outDir}`);
const api = (method, path, token, body) => callApi(base, method, path, token, body);

// One throttled, over-the-limit stream for two hours, so the analysis has a real problem to report.
const seedMetrics = (kinesisEndpoint) => seedOverload(kinesisEndpoint, STREAM, 120, (i) => 0.8 + 0.4 * Math.abs(Math.sin(i / 9)));

let browser;
const timeout = 60000;
try {
  // ---- static serving (the UI's part of the contract) ----
  const root = await fetch(`${base}/`, { headers: { Accept: "text/html" } });
  const rootHtml = await root.text();
  check(root.status === 200 && /<div id="root">/.test(rootHtml), "GET / serves the built index.html", `${root.status} ${rootHtml.slice(0, 120)}`);
  const deep = await fetch(`${base}/streams/anything`, { headers: { Accept: "text/html" } });
  check(deep.status === 200 && (await deep.text()).includes('<div id="root">'), "a deep link falls back to index.html", String(deep.status));
  const asset = rootHtml.match(/\/assets\/[^"]+\.js/);
  if (asset) {
    const js = await fetch(base + asset[0]);
    check(js.status === 200 && /javascript/.test(js.headers.get("content-type") ?? ""), "hashed JS asset served with a JavaScript type", `${js.status} ${js.headers.get("content-type")}`);
    check(/immutable/.test(js.headers.get("cache-control") ?? ""), "hashed assets are Cache-Control: immutable", js.headers.get("cache-control") ?? "none");
  } else check(false, "index.html references a hashed /assets/*.js");

  browser = await launchChromium(chromium, options);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && !/the server responded with a status of 4\d\d/.test(m.text()) && consoleErrors.push(m.text()));
  const shot = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0)); // a sticky header would otherwise land mid-page
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
  };

  // ---- sign in ----
  await page.goto(`${base}/`);
  await page.locator('input[name="username"]').waitFor();
  await shot("01-login");
  await page.fill('input[name="username"]', "admin");
  await page.fill('input[name="password"]', "wrong-password");
  await page.click('button[type="submit"]');
  await page.locator(".error-box").waitFor();
  check((await page.locator(".error-box").textContent()).includes("HTTP 401"), "a wrong password shows the server's error with its status");
  await page.fill('input[name="password"]', "admin123");
  await page.click('button[type="submit"]');
  await page.locator("text=Bulk analysis").first().waitFor();
  check(new URL(page.url()).pathname === "/analysis", "signing in lands on the bulk-analysis page", page.url());
  await page.locator('[data-testid="default-password-warning"]').waitFor();
  check(await page.locator('[data-testid="default-password-warning"]').isVisible(), "the default-password warning is shown");
  const token = await page.evaluate(() => sessionStorage.getItem("kwb.token"));
  check(typeof token === "string" && token.split(".").length === 3, "the session token is kept in sessionStorage");

  // ---- create a stream through the dialog ----
  await page.click('nav >> text=Streams');
  await page.click("text=Create stream");
  await page.fill('input[name="stream-name"]', STREAM);
  await page.fill('input[name="shard-count"]', "2");
  await page.fill('input[name="tags"]', "team=web, env=test");
  await page.click('.modal button[type="submit"]');
  const row = page.locator(`tr[data-stream="${STREAM}"]`);
  await row.waitFor();
  const rowText = await row.textContent();
  check(/ACTIVE|CREATING/.test(rowText) && rowText.includes("team=web"), "the new stream is in the table with its status and tags", rowText);
  check((await row.locator("td.num").first().textContent()).trim() === "2", "the table shows 2 shards");
  // A validation error comes back with the server's field.
  await page.click("text=Create stream");
  await page.fill('input[name="stream-name"]', "bad-retention");
  await page.fill('input[name="retention"]', "1");
  await page.evaluate(() => document.querySelector(".modal form").setAttribute("novalidate", ""));
  await page.click('.modal button[type="submit"]');
  await page.locator(".modal .error-box").waitFor();
  const validation = await page.locator(".modal .error-box").textContent();
  check(/HTTP 400/.test(validation) && /retention/.test(validation), "a rejected create shows the server's code and field", validation);
  await page.keyboard.press("Escape");
  await shot("02-streams");

  // ---- seed metrics, then the stream page with its charts ----
  const system = await api("GET", "/api/system", token);
  const seeded = await seedMetrics(system.json.aws_target.kinesis_endpoint);
  check(seeded === 200, "metrics seeded into the embedded emulator", String(seeded));
  // A second, untagged and quiet stream: the all-streams analysis must show it, the by-tag one must not.
  const quiet = await api("POST", "/api/streams", token, { name: "web-ui-quiet", shard_count: 1 });
  check([200, 201, 202].includes(quiet.status), "a second stream is created through the API", `${quiet.status} ${quiet.text.slice(0, 200)}`);
  await row.locator("a").first().click();
  await page.locator('[data-testid="stream-charts"] svg').first().waitFor();
  const charts = await page.locator('[data-testid="stream-charts"] svg').evaluateAll((svgs) => svgs.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, paths: s.querySelectorAll("path.series").length, d: [...s.querySelectorAll("path.series")].map((p) => p.getAttribute("d") ?? "").join("") })));
  check(charts.length === 4, "the stream page draws four metric charts", JSON.stringify(charts.map((c) => [c.w, c.h])));
  check(charts.every((c) => c.w > 300 && c.h > 100), "every chart has a non-trivial size", JSON.stringify(charts.map((c) => [c.w, c.h])));
  check((charts[0]?.d.match(/L/g) ?? []).length > 50, "the records/s chart draws the seeded series", `${(charts[0]?.d.match(/L/g) ?? []).length} segments`);
  check((await page.locator('[data-testid="chart-records"] .limit').count()) === 1, "the records/s chart shows the shard limit line");
  await shot("03-stream-detail");

  // ---- bulk analysis over every stream ----
  await page.click('nav >> text=Bulk analysis');
  await page.selectOption('select[name="window"]', "3h");
  await page.selectOption('select[name="analyzer"]', "rules");
  await page.click('[data-testid="start-analysis"]');
  await page.locator('[data-testid="analysis-view"]').waitFor();
  const analysisId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
  check(analysisId.length > 0 && new URL(page.url()).pathname.startsWith("/analysis/"), "starting an analysis opens its page", page.url());
  await page.locator('[data-testid="analysis-view"][data-status="succeeded"], [data-testid="analysis-view"][data-status="failed"]').waitFor({ timeout: 90000 });
  const status = await page.locator('[data-testid="analysis-view"]').getAttribute("data-status");
  check(status === "succeeded", "the analysis succeeds", status);
  const progress = await page.locator('[data-testid="analysis-progress"]').first().getAttribute("aria-valuenow");
  check(progress === "100", "the progress bar reaches 100%", progress);
  await page.locator('[data-testid="analysis-results"]').waitFor();

  const fromApi = await api("GET", `/api/analyses/${encodeURIComponent(analysisId)}`, token);
  const report = fromApi.json?.report;
  check(fromApi.status === 200 && report && Array.isArray(report.streams), "the API returns the report", fromApi.text.slice(0, 200));
  if (report) {
    const expected = { critical: 0, warning: 0, info: 0 };
    for (const s of report.streams) for (const f of s.findings) expected[f.severity] += 1;
    const shown = await page.locator('[data-testid="summary-strip"] .summary-count').evaluateAll((els) => els.map((e) => e.textContent));
    check(JSON.stringify(shown) === JSON.stringify([`${expected.critical}critical`, `${expected.warning}warning`, `${expected.info}info`]), "the summary strip shows the report's severity counts", `${JSON.stringify(shown)} vs ${JSON.stringify(expected)}`);
    const cards = await page.locator('[data-testid="stream-card"]').count();
    check(cards === report.streams.length && cards >= 2, "one card per analysed stream", `${cards} cards, ${report.streams.length} streams`);
    const ours = report.streams.find((s) => s.stream === STREAM);
    check(Boolean(ours), "the new stream is in the report");
    if (ours) {
      const card = page.locator(`[data-testid="stream-card"][data-stream="${STREAM}"]`);
      const findingsShown = await card.locator('[data-testid="finding"]').count();
      check(findingsShown === ours.findings.length, "the stream's card lists every finding of the report", `${findingsShown} vs ${ours.findings.length}`);
      check(ours.findings.some((f) => f.category === "throughput" && f.severity !== "info"), "the seeded overload is reported as a throughput problem", JSON.stringify(ours.findings.map((f) => f.id)));
      const evidenceRows = await card.locator(".evidence tbody tr").count();
      check(evidenceRows >= 1, "findings show their evidence table", String(evidenceRows));
      check((await card.locator('[data-testid="sizing"]').count()) === 1, "the card shows the sizing with costs");
      // The recommended alarms, replayed over the window: the throttling alarm would have caught
      // the seeded overload, and the page says so for exactly the alarms the report says.
      const replays = await card.locator('[data-testid="alarm-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-metric"), r.getAttribute("data-replay")]));
      const expectedReplays = (ours.alarms ?? []).map((a) => [a.metric_name, a.backtest?.would_fire ? "fired" : a.backtest?.evaluated ? "quiet" : "unknown"]);
      check(JSON.stringify(replays) === JSON.stringify(expectedReplays), "the card lists every recommended alarm with its replay", `${JSON.stringify(replays)} vs ${JSON.stringify(expectedReplays)}`);
      check(replays.some(([metric, tone]) => metric === "WriteProvisionedThroughputExceeded" && tone === "fired"), "the throttling alarm would have fired on the seeded overload", JSON.stringify(replays));
      const worst = ["critical", "warning", "info"].find((s) => ours.findings.some((f) => f.severity === s));
      const firstCard = await page.locator('[data-testid="stream-card"]').first().getAttribute("data-stream");
      const firstReport = report.streams.find((s) => s.stream === firstCard);
      check(firstReport && firstReport.findings.some((f) => f.severity === worst || worst === undefined), "streams are sorted worst first", firstCard);
    }
    const noFindings = report.streams.every((s) => s.findings.length === 0);
    check((await page.locator('[data-testid="no-findings"]').count()) === (noFindings ? 1 : 0), "the no-findings state matches the report");
  }
  check((await page.locator('[data-testid="analysis-history"] li').count()) >= 1, "the history lists the analysis");
  await shot("04-analysis-results");

  // ---- a reload keeps the session and the deep link ----
  await page.reload();
  await page.locator('[data-testid="analysis-results"]').waitFor();
  check(true, "a reload of /analysis/<id> keeps the session and shows the results");

  // ---- an operator applies the first scaling step from the analysis ----
  const ourCard = page.locator(`[data-testid="stream-card"][data-stream="${STREAM}"]`);
  const scaleButton = ourCard.locator("button", { hasText: "Apply scale step" });
  await scaleButton.waitFor({ timeout: 10000 }).catch(() => undefined);
  if ((await scaleButton.count()) === 1) {
    const label = await scaleButton.textContent();
    const target = Number(label.match(/→ (\d+)/)?.[1]);
    await scaleButton.click();
    await ourCard.locator(".apply .ok-text, .error-box").first().waitFor();
    const applyError = await ourCard.locator(".error-box").allTextContents();
    check(applyError.length === 0, "the scale step is applied without an error", applyError.join(" | "));
    const after = await api("GET", `/api/streams/${STREAM}`, token);
    check(after.json?.shard_count === target, "applying the scale step scales the stream", `${label}: now ${after.json?.shard_count}`);
  } else check(false, "the overloaded stream offers a scale step", (await ourCard.innerHTML().catch((e) => String(e))).slice(-600));

  // ---- the streams table links each stream to its last analysis ----
  await page.click("nav >> text=Streams");
  await row.locator(".badges .sev").first().waitFor();
  check((await row.locator(".badges .sev").count()) >= 1, "the streams table shows the stream's findings from the last analysis");
  await shot("05-streams-after-analysis");

  // ---- recommended alarms: dry run, then apply, then their state ----
  await row.locator("a").first().click();
  await page.click("text=Create recommended alarms…");
  await page.locator(".preview tbody tr").first().waitFor();
  const proposed = await page.locator(".preview tbody tr").count();
  check(proposed >= 1, "the dry run previews the recommended alarms", String(proposed));
  await page.click(".preview button.primary");
  await page.locator('[data-testid="alarms-table"] tbody tr').first().waitFor();
  const listed = await page.locator('[data-testid="alarms-table"] tbody tr').count();
  check(listed === proposed, "the applied alarms are listed with their state", `${listed} listed, ${proposed} proposed`);
  await shot("06-stream-alarms");

  // ---- an analysis by tag covers only the tagged streams ----
  await page.click("nav >> text=Bulk analysis");
  await page.click("button:has-text('By tag')");
  await page.fill('input[list="kwb-tags"]', "team=web");
  await page.selectOption('select[name="analyzer"]', "rules");
  const before = new URL(page.url()).pathname;
  await page.click('[data-testid="start-analysis"]');
  await page.waitForURL((url) => url.pathname.startsWith("/analysis/") && url.pathname !== before);
  await page.locator('[data-testid="analysis-view"][data-status="succeeded"], [data-testid="analysis-view"][data-status="failed"]').waitFor({ timeout: 90000 });
  await page.locator('[data-testid="analysis-results"]').waitFor();
  const tagged = await page.locator('[data-testid="stream-card"]').evaluateAll((cards) => cards.map((c) => c.getAttribute("data-stream")));
  check(JSON.stringify(tagged) === JSON.stringify([STREAM]), "an analysis by tag covers exactly the tagged stream", JSON.stringify(tagged));
  await page.locator('[data-testid="analysis-history"] li >> nth=1').waitFor();
  check((await page.locator('[data-testid="analysis-history"] li').count()) === 2, "the history lists both analyses");

  // ---- users page (admin) ----
  await page.click('nav >> text=Users');
  await page.locator('[data-testid="users-table"] tbody tr').first().waitFor();
  check((await page.locator('[data-testid="users-table"]').textContent()).includes("admin"), "the users page lists admin");
  await shot("07-users");

  // ---- a viewer sees no write actions (the server still enforces them) ----
  const created = await api("POST", "/api/users", token, { username: "web-viewer", password: "viewer-password-1", role: "viewer" });
  check(created.status === 201, "an admin creates a viewer", `${created.status} ${created.text.slice(0, 200)}`);
  const viewerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const viewer = await viewerContext.newPage();
  viewer.setDefaultTimeout(timeout);
  await viewer.goto(`${base}/streams`);
  await viewer.fill('input[name="username"]', "web-viewer");
  await viewer.fill('input[name="password"]', "viewer-password-1");
  await viewer.click('button[type="submit"]');
  await viewer.locator(`tr[data-stream="${STREAM}"]`).waitFor();
  check(new URL(viewer.url()).pathname === "/streams", "after signing in, the user is back on the page they asked for", viewer.url());
  check((await viewer.locator("text=Create stream").count()) === 0 && (await viewer.locator("button:has-text('Delete')").count()) === 0, "a viewer sees no create or delete buttons");
  check((await viewer.locator("nav >> text=Users").count()) === 0, "a viewer has no Users page");
  await viewer.click("nav >> text=Bulk analysis");
  check(await viewer.locator('[data-testid="start-analysis"]').isDisabled(), "a viewer cannot start an analysis from the UI");
  await viewerContext.close();

  // ---- admin changes the default password: the warning goes away ----
  await page.click("text=Change it now");
  await page.locator("text=Change password").first().waitFor();
  const passwords = page.locator('form input[type="password"]');
  await passwords.nth(0).fill("admin123");
  await passwords.nth(1).fill("a-much-better-password");
  await passwords.nth(2).fill("a-much-better-password");
  await page.click('form button[type="submit"]');
  await page.locator("text=Password changed.").waitFor();
  await page.locator('[data-testid="default-password-warning"]').waitFor({ state: "detached" });
  check(true, "changing the admin password removes the default-password warning");

  // ---- a rejected token goes back to the login page ----
  await page.evaluate(() => sessionStorage.setItem("kwb.token", "not.a.token"));
  await page.goto(`${base}/streams`);
  await page.locator('input[name="username"]').waitFor();
  check(true, "a rejected token sends the user to the login page");

  check(consoleErrors.length === 0, "no JavaScript errors in the page", consoleErrors.join(" | ").slice(0, 500));
} catch (e) {
  await reportUnexpected(e, { checks, browser, outDir, serverLog: server.log() });
} finally {
  if (browser) await browser.close();
  await server.stop();
}

checks.finish();
