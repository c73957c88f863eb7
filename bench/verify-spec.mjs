// Checks examples/*/spec.json against Cloudflare's workerd: each example is
// bundled (bench/workerd.mjs), served by workerd on 127.0.0.1, and every spec
// case is sent over loopback HTTP and compared with the expected response.
// A spec that passes here describes what workerd really does, which is what
// molt's Go conformance test then holds molt to.
//
// usage: node bench/verify-spec.mjs [--dump] [examples/NAME ...]
//   --dump   also print every response's status line and all its headers
// Exit status 0 only if every case of every example passed.

import { spawn } from "node:child_process";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, resolve, basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { isDeepStrictEqual } from "node:util";
import { prepare, workerdBin } from "./workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

let dump = false;
let dirs = [];
for (const a of process.argv.slice(2)) {
  if (a === "--dump") dump = true;
  else dirs.push(resolve(a));
}
if (dirs.length === 0) {
  const ex = join(root, "examples");
  dirs = readdirSync(ex)
    .map((d) => join(ex, d))
    .filter((d) => existsSync(join(d, "spec.json")))
    .sort();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// send performs one HTTP/1.1 request and resolves with status, raw headers and body.
function send(port, req) {
  return new Promise((resolveP, reject) => {
    const headers = { ...(req.headers ?? {}) };
    let body;
    if (req.body !== undefined) {
      body = Buffer.from(req.body, "utf8");
      headers["content-length"] = String(body.length);
    }
    const r = http.request(
      { host: "127.0.0.1", port, method: req.method ?? "GET", path: req.path ?? "/", headers, agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolveP({
            status: res.statusCode,
            statusMessage: res.statusMessage,
            httpVersion: res.httpVersion,
            rawHeaders: res.rawHeaders,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    r.setTimeout(10000, () => r.destroy(new Error("timeout")));
    if (body) r.write(body);
    r.end();
  });
}

// headerValue returns all values of a header (case-insensitive), joined by ", ".
function headerValue(rawHeaders, name) {
  const vals = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name.toLowerCase()) vals.push(rawHeaders[i + 1]);
  }
  return vals.length ? vals.join(", ") : undefined;
}

async function waitReady(port, proc) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`workerd exited with ${proc.exitCode}`);
    try {
      await send(port, { method: "GET", path: "/" });
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error("workerd did not answer within 15 s");
}

function check(c, res) {
  const want = c.response ?? {};
  const errs = [];
  if (want.status !== undefined && res.status !== want.status) {
    errs.push(`status: got ${res.status}, want ${want.status}`);
  }
  for (const [name, v] of Object.entries(want.headers ?? {})) {
    const got = headerValue(res.rawHeaders, name);
    if (got !== v) errs.push(`header ${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(v)}`);
  }
  if (want.body !== undefined && res.body !== want.body) {
    errs.push(`body: got ${JSON.stringify(res.body)}, want ${JSON.stringify(want.body)}`);
  }
  if (want.bodyPattern !== undefined && !new RegExp(want.bodyPattern).test(res.body)) {
    errs.push(`body ${JSON.stringify(res.body)} does not match /${want.bodyPattern}/`);
  }
  if (want.json !== undefined) {
    let parsed;
    try {
      parsed = JSON.parse(res.body);
      if (!isDeepStrictEqual(parsed, want.json)) {
        errs.push(`json: got ${JSON.stringify(parsed)}, want ${JSON.stringify(want.json)}`);
      }
    } catch (e) {
      errs.push(`json: body ${JSON.stringify(res.body)} is not JSON (${e.message})`);
    }
  }
  return errs;
}

let passed = 0;
let failed = 0;
const bin = workerdBin();
let port = 18710;

for (const dir of dirs) {
  const name = basename(dir);
  const spec = JSON.parse(readFileSync(join(dir, "spec.json"), "utf8"));
  const config = await prepare(dir, join(here, "out", "verify", name), port);
  const proc = spawn(bin, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  try {
    await waitReady(port, proc);
    console.log(`# ${name} (workerd on 127.0.0.1:${port})`);
    for (const c of spec.cases) {
      let res;
      let errs;
      try {
        res = await send(port, c.request);
        errs = check(c, res);
      } catch (e) {
        errs = [`request failed: ${e.message}`];
      }
      if (errs.length === 0) {
        passed++;
        console.log(`ok   ${name}: ${c.name}`);
      } else {
        failed++;
        console.log(`FAIL ${name}: ${c.name}`);
        for (const e of errs) console.log(`     ${e}`);
      }
      if (dump && res) {
        console.log(`     HTTP/${res.httpVersion} ${res.status} ${res.statusMessage}`);
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          console.log(`     ${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        console.log(`     body: ${JSON.stringify(res.body)}`);
      }
    }
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}\n${stderr}`);
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r)));
  }
  port++;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
