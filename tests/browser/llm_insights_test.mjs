// Browser test of the LLM insights block (ctest label "browser"): `kwb serve --embedded` on
// 127.0.0.1 with KWB_LLM_BASE_URL pointing at a fake OpenAI-compatible chat-completions server that
// this script runs on 127.0.0.1, driven by Debian's headless Chromium through playwright-core.
//
//   node tests/browser/llm_insights_test.mjs --kwb build/src/cli/kwb --web-dir web/dist --out <dir>
//
// Case 1: the fake answers with insights in the schema src/analysis/llm.h asks for (citing the
// finding ids and the masked stream token it was sent). A bulk analysis with analyzer "llm" shows
// analyzer llm, the model's summary (the token restored to the stream's name), its action and
// hypothesis, and the model name. Case 2: the fake answers HTTP 500 with a non-JSON body; the next
// analysis shows analyzer rules "(requested llm)", the fallback reason, and no insights block.
// The fake records every request: each case asserts it was called, with the configured model and
// without the real stream name (names are masked before they leave the server). The whole run is
// bounded by a 55 s deadline. Screenshots go to --out. Any broken step fails: there is no skip.
import { createServer } from "node:http";
import { join } from "node:path";
import { browserTestOptions, callApi, createChecks, launchChromium, loadChromium, reportUnexpected, seedOverload, startServe } from "./harness.mjs";

const options = browserTestOptions("llm-insights-test");
const { outDir } = options;
const STREAM = "llm-ui-orders";
const SECOND_STREAM = "llm-ui-quiet";
const MODEL = "kwb-browser-fake-model";
const SUMMARY_MARK = "Fake model summary 7f3a";
const ACTION_MARK = "Fake model action 7f3a";
const HYPOTHESIS_MARK = "Fake model hypothesis 7f3a";
const DEADLINE_MS = 55000;
const checks = createChecks("llm_insights_test");
const { check, fatal } = checks;
const chromium = loadChromium(options, fatal);

// ---- the fake chat-completions server ----
// mode "ok": a valid answer built from the request (finding ids and stream token it was sent);
// mode "fail": HTTP 500 with a body that is not JSON.
const llmCalls = [];
let llmMode = "ok";
function answerFor(request) {
  const userContent = request?.messages?.find((m) => m.role === "user")?.content ?? "";
  let input = null;
  try {
    input = JSON.parse(userContent);
  } catch {
    input = null;
  }
  const ids = (input?.findings ?? []).map((f) => f.id).filter((id) => typeof id === "string");
  const token = userContent.match(/STREAM-\d{4}/)?.[0] ?? "no-stream-token";
  return {
    summary: `${SUMMARY_MARK}: ${token} needs attention.`,
    actions: [{ priority: 1, action: `${ACTION_MARK} for ${token}`, finding_ids: ids.slice(0, 1) }],
    hypotheses: ids.length > 0 ? [{ hypothesis: HYPOTHESIS_MARK, finding_ids: [ids[0]] }] : [],
  };
}
const llm = createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    let request = null;
    try {
      request = JSON.parse(body);
    } catch {
      request = null;
    }
    llmCalls.push({ method: req.method, url: req.url, mode: llmMode, body, request });
    if (llmMode === "fail") {
      res.writeHead(500, { "Content-Type": "text/html" });
      res.end("<html><body>upstream model crashed {{{ not json</body></html>");
      return;
    }
    const envelope = {
      id: `chatcmpl-fake-${llmCalls.length}`,
      object: "chat.completion",
      model: request?.model ?? "unknown",
      choices: [{ index: 0, message: { role: "assistant", content: JSON.stringify(answerFor(request)) }, finish_reason: "stop" }],
    };
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(envelope));
  });
});
await new Promise((r) => llm.listen(0, "127.0.0.1", r));
const llmBase = `http://127.0.0.1:${llm.address().port}/v1`;

// ---- kwb serve, with the LLM router pointed at the fake ----
let browser;
let server;
async function shutdown() {
  if (browser) await browser.close().catch(() => undefined);
  if (server) await server.stop();
  await new Promise((r) => llm.close(r));
  llm.closeAllConnections?.();
}
// A hard bound on the whole run: a hung step fails the test instead of waiting for ctest's timeout.
const deadline = setTimeout(async () => {
  console.log(`FAIL the test did not finish within ${DEADLINE_MS / 1000} s`);
  if (server) console.log(server.log().split("\n").slice(-20).join("\n"));
  await shutdown().catch(() => undefined);
  process.exit(1);
}, DEADLINE_MS);

server = await startServe(options, {
  dataDirPrefix: "kwb-llm-ui-",
  jwtSecret: "llm-insights-browser-test-jwt-secret-0123456789",
  extraEnv: { KWB_LLM_BASE_URL: llmBase, KWB_LLM_MODEL: MODEL, KWB_LLM_TIMEOUT_MS: "5000" },
  dropEnv: ["OPENAI_API_KEY"],
}).catch(async (e) => {
  await new Promise((r) => llm.close(r));
  fatal(e.message);
});
const { base } = server;
console.log(`kwb serve at ${base}, fake LLM at ${llmBase}, screenshots in ${outDir}`);
const api = (method, path, token, body) => callApi(base, method, path, token, body);

// An overloaded, throttled stream: the rules report findings for the model to cite.
const seedMetrics = (kinesisEndpoint) => seedOverload(kinesisEndpoint, STREAM, 60);

try {
  const login = await api("POST", "/api/auth/login", null, { username: "admin", password: "admin123" });
  const token = login.json?.token;
  check(login.status === 200 && typeof token === "string", "admin signs in through the API", `${login.status} ${login.text.slice(0, 200)}`);
  const created = await api("POST", "/api/streams", token, { name: STREAM, shard_count: 1 });
  check([200, 201, 202].includes(created.status), "a stream is created", `${created.status} ${created.text.slice(0, 200)}`);
  const system = await api("GET", "/api/system", token);
  check((await seedMetrics(system.json?.aws_target?.kinesis_endpoint)) === 200, "metrics seeded into the embedded emulator");

  browser = await launchChromium(chromium, options);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/`);
  await page.fill('input[name="username"]', "admin");
  await page.fill('input[name="password"]', "admin123");
  await page.click('button[type="submit"]');
  await page.locator('[data-testid="start-analysis"]').waitFor();

  // Starts an analysis with analyzer "llm" from the bulk-analysis page; resolves when it finished.
  const runLlmAnalysis = async () => {
    await page.click("nav >> text=Bulk analysis");
    const before = new URL(page.url()).pathname;
    await page.selectOption('select[name="window"]', "1h");
    await page.selectOption('select[name="analyzer"]', "llm");
    await page.click('[data-testid="start-analysis"]');
    await page.waitForURL((url) => url.pathname.startsWith("/analysis/") && url.pathname !== before);
    await page.locator('[data-testid="analysis-view"][data-status="succeeded"], [data-testid="analysis-view"][data-status="failed"]').waitFor({ timeout: 30000 });
    check((await page.locator('[data-testid="analysis-view"]').getAttribute("data-status")) === "succeeded", "the analysis succeeds");
    await page.locator('[data-testid="analysis-results"]').waitFor();
  };

  // ---- case 1: the model answers; its insights are shown ----
  await runLlmAnalysis();
  check(llmCalls.length === 1, "the fake LLM was called once", String(llmCalls.length));
  const first = llmCalls[0];
  check(first?.method === "POST" && first.url === "/v1/chat/completions", "the call is a POST to /v1/chat/completions", `${first?.method} ${first?.url}`);
  check(first?.request?.model === MODEL, "the call names the configured model", first?.request?.model);
  check(Array.isArray(first?.request?.messages) && first.request.messages.some((m) => m.role === "user"), "the call carries chat messages");
  check(first && !first.body.includes(STREAM) && /STREAM-\d{4}/.test(first.body), "the stream name is masked in what the model is sent");
  await page.locator('[data-testid="insights"]').waitFor();
  const insights = await page.locator('[data-testid="insights"]').innerText();
  check(insights.includes(SUMMARY_MARK), "the insights block shows the model's summary", insights.slice(0, 300));
  check(insights.includes(`${SUMMARY_MARK}: ${STREAM} needs attention.`) && !/STREAM-\d{4}/.test(insights), "the masked token is shown as the stream's name", insights.slice(0, 300));
  check(insights.includes(ACTION_MARK) && insights.includes(HYPOTHESIS_MARK), "the model's action and hypothesis are listed", insights.slice(0, 500));
  check((await page.locator('[data-testid="insights-model"]').innerText()).includes(MODEL), "the insights name the model");
  check((await page.locator('[data-testid="analyzer-used"]').innerText()) === "llm", "the report says analyzer llm");
  check((await page.locator('[data-testid="fallback-reason"]').count()) === 0, "no fallback is reported");
  await page.screenshot({ path: join(outDir, "01-llm-insights.png"), fullPage: true });

  // ---- case 2: the model fails (HTTP 500, not JSON); the rules answer and the UI says so ----
  llmMode = "fail";
  // A second stream changes the model's input, so the analyzer's answer cache cannot serve it.
  const second = await api("POST", "/api/streams", token, { name: SECOND_STREAM, shard_count: 1 });
  check([200, 201, 202].includes(second.status), "a second stream is created", `${second.status} ${second.text.slice(0, 200)}`);
  await runLlmAnalysis();
  check(llmCalls.length === 2 && llmCalls[1].mode === "fail", "the fake LLM was called again and answered 500", String(llmCalls.length));
  check((await page.locator('[data-testid="analyzer-used"]').innerText()) === "rules", "the report says analyzer rules");
  const meta = await page.locator(".summary-meta").innerText();
  check(meta.includes("(requested llm)"), "the UI shows that llm was requested", meta);
  await page.locator('[data-testid="fallback-reason"]').waitFor();
  const reason = await page.locator('[data-testid="fallback-reason"]').innerText();
  check(/fell back to rules: http_error/.test(reason) && reason.includes("500"), "the fallback reason names the HTTP 500", reason);
  check((await page.locator('[data-testid="insights"]').count()) === 0, "no insights block after a fallback");
  check((await page.locator('[data-testid="stream-card"]').count()) === 2, "the rules' findings are still shown for every stream");
  await page.screenshot({ path: join(outDir, "02-llm-fallback.png"), fullPage: true });

  check(consoleErrors.length === 0, "no JavaScript errors in the page", consoleErrors.join(" | ").slice(0, 500));
} catch (e) {
  await reportUnexpected(e, { checks, browser, outDir, serverLog: server.log() });
} finally {
  clearTimeout(deadline);
  await shutdown();
}

checks.finish();
