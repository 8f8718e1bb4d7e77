// What the browser tests share, so each test file states only its scenario: command-line options,
// pass/fail bookkeeping, Chromium through playwright-core (with the fix for each missing piece in
// the message), a `kwb serve --embedded` child on 127.0.0.1, JSON calls to its API, seeding
// AWS/Kinesis metrics into its emulator, and the failure report (screenshot + server log tail).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** --kwb, --web-dir, --out (default: a temp dir named after the test) and --chromium. */
export function browserTestOptions(testName) {
  return {
    repo,
    kwbBinary: resolve(arg("kwb", join(repo, "build/src/cli/kwb"))),
    webDir: resolve(arg("web-dir", join(repo, "web/dist"))),
    outDir: resolve(arg("out", join(tmpdir(), `kwb-${testName}`))),
    chromiumPath: arg("chromium", "/usr/bin/chromium"),
  };
}

/** check() prints "ok"/"FAIL" lines and counts them; finish() prints the tally and exits. */
export function createChecks(testName) {
  const counts = { passes: 0, failures: 0 };
  return {
    counts,
    check(condition, what, detail = "") {
      if (condition) {
        counts.passes += 1;
        console.log(`ok   ${what}`);
      } else {
        counts.failures += 1;
        console.log(`FAIL ${what}${detail ? `: ${detail}` : ""}`);
      }
    },
    fatal(message) {
      console.error(`${testName}: ${message}`);
      process.exit(1);
    },
    finish() {
      console.log(`${counts.passes} passed, ${counts.failures} failed`);
      // A run that checked nothing is a failure too: it proves nothing.
      process.exit(counts.failures === 0 && counts.passes > 0 ? 0 : 1);
    },
  };
}

/** Checks the binary, the built UI and Chromium are there; empties --out; returns playwright's chromium. */
export function loadChromium(options, fatal) {
  if (!existsSync(options.kwbBinary)) fatal(`no kwb binary at ${options.kwbBinary} (build the kwb target)`);
  if (!existsSync(join(options.webDir, "index.html"))) fatal(`no built UI at ${options.webDir}/index.html (run scripts/build_web.sh)`);
  if (!existsSync(options.chromiumPath)) fatal(`no Chromium at ${options.chromiumPath} (apt-get install chromium; scripts/bootstrap.sh does)`);
  let chromium;
  try {
    chromium = createRequire(join(repo, "web/package.json"))("playwright-core").chromium;
  } catch (e) {
    fatal(`playwright-core is not installed in web/node_modules (run scripts/build_web.sh): ${e.message}`);
  }
  // Fresh screenshots only: a stale failure.png from an earlier run would mislead.
  rmSync(options.outDir, { recursive: true, force: true });
  mkdirSync(options.outDir, { recursive: true });
  return chromium;
}

export function launchChromium(chromium, options) {
  return chromium.launch({ executablePath: options.chromiumPath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/**
 * Starts `kwb serve --embedded --port 0` on 127.0.0.1 with a fresh data dir, no AWS_/KWB_
 * variables of the caller (nor `dropEnv`), minimum password-hash cost and the given extra env.
 * Resolves to { base, log(), stop() } once it prints its address; rejects if it exits first.
 */
export async function startServe(options, { dataDirPrefix, jwtSecret, extraEnv = {}, dropEnv = [] }) {
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("KWB_") && !dropEnv.includes(k)),
  );
  Object.assign(env, {
    HOME: dataDir, // never the ~/.aws of the machine running the test
    KWB_JWT_SECRET: jwtSecret,
    KWB_PASSWORD_HASH_COST: "minimum",
    KWB_STREAM_WAIT_SECONDS: "20",
    KWB_WEB_DIR: options.webDir,
    ...extraEnv,
  });
  const child = spawn(options.kwbBinary, ["serve", "--embedded", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.on("exit", r)));
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const base = await new Promise((resolveBase, rejectBase) => {
    let out = "";
    const timer = setTimeout(() => rejectBase(new Error("kwb serve did not print its address within 30 s")), 30000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    child.on("exit", (code) => rejectBase(new Error(`kwb serve exited with ${code}:\n${out}\n${log.slice(-3000)}`)));
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  return { base, log: () => log, stop };
}

/** One JSON call: { status, json (null when the body is not JSON), text, headers }. */
export async function callApi(base, method, path, token, body) {
  const response = await fetch(base + path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, json, text, headers: response.headers };
}

/**
 * Seeds `minutes` of an overloaded, throttled 1-shard stream (2,200 records/s and 2.2 MiB/s
 * against 1,000 and 1 MiB) into the embedded emulator's CloudWatch, ending at this minute;
 * shape(i) scales minute i (default: flat). Returns the HTTP status.
 */
export async function seedOverload(kinesisEndpoint, stream, minutes, shape = () => 1) {
  const now = Math.floor(Date.now() / 60000) * 60000;
  const start = new Date(now - minutes * 60000).toISOString();
  const series = (metric, value) => ({
    namespace: "AWS/Kinesis",
    metric,
    dimensions: { StreamName: stream },
    start,
    period: 60,
    values: Array.from({ length: minutes }, (_, i) => value * shape(i)),
  });
  const body = {
    series: [
      series("IncomingRecords", 2200 * 60),
      series("IncomingBytes", 2.2 * 1024 * 1024 * 60),
      series("WriteProvisionedThroughputExceeded", 300 * 60),
      series("PutRecords.ThrottledRecords", 300 * 60),
    ],
  };
  const response = await fetch(`${kinesisEndpoint}/_kwb/metrics/seed`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return response.status;
}

/** After an unexpected exception: count it, screenshot the first page, print the server log's tail. */
export async function reportUnexpected(error, { checks, browser, outDir, serverLog }) {
  checks.counts.failures += 1;
  console.log(`FAIL unexpected: ${error?.stack ?? error}`);
  try {
    const pages = browser ? browser.contexts().flatMap((c) => c.pages()) : [];
    if (pages[0]) await pages[0].screenshot({ path: join(outDir, "failure.png"), fullPage: true });
  } catch {
    // the screenshot is a diagnostic; the failure is already counted
  }
  console.log(serverLog.split("\n").slice(-20).join("\n"));
}
