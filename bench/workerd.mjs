// Prepares a Workers project (a directory with wrangler.toml) to run on
// Cloudflare's workerd: bundles its entry module into one ES module with
// esbuild, the way wrangler does, and writes a workerd capnp config next to it.
//
// CLI:  node bench/workerd.mjs prepare <exampleDir> <outDir> <port>
//       prints the path of the written config.capnp.
//       node bench/workerd.mjs bin
//       prints the path of the workerd executable.
// Lib:  import { prepare, workerdBin } from "./workerd.mjs";

import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { resolve, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));

// readWrangler reads the few top-level keys of wrangler.toml that matter here.
export function readWrangler(dir) {
  const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
  const get = (key) => {
    const m = toml.match(new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "m"));
    return m ? m[1] : undefined;
  };
  const flags = [];
  const fm = toml.match(/^\s*compatibility_flags\s*=\s*\[([^\]]*)\]/m);
  if (fm) for (const f of fm[1].matchAll(/"([^"]*)"/g)) flags.push(f[1]);
  return {
    name: get("name") ?? "worker",
    main: get("main") ?? "src/index.js",
    compatibilityDate: get("compatibility_date") ?? "2026-11-01",
    compatibilityFlags: flags,
  };
}

// readBindings reads the bindings workerd can serve locally from wrangler.toml's simple
// subset: string [vars], [[durable_objects.bindings]] (name, class_name) and the classes
// [[migrations]] create with SQLite (new_sqlite_classes).
export function readBindings(dir) {
  const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
  const vars = {}, objects = [], sqlite = new Set();
  let section = "";
  let current = null;
  for (const raw of toml.split("\n")) {
    const line = raw.trim();
    const header = line.match(/^\[\[?([^\]]+)\]\]?$/);
    if (header) {
      section = header[1];
      current = {};
      if (section === "durable_objects.bindings") objects.push(current);
      continue;
    }
    const kv = line.match(/^(\w+)\s*=\s*(.+)$/);
    if (!kv) continue;
    const value = kv[2].startsWith("[") ? [...kv[2].matchAll(/"([^"]*)"/g)].map((m) => m[1]) : kv[2].replace(/^"(.*)"$/, "$1");
    if (section === "vars") vars[kv[1]] = value;
    else if (section === "durable_objects.bindings") current[kv[1]] = value;
    else if (section === "migrations" && kv[1] === "new_sqlite_classes") for (const c of value) sqlite.add(c);
  }
  return { vars, objects, sqlite };
}

// workerdBin is the path of the workerd binary installed by bench/package.json:
// the platform package's executable itself (so a PID is workerd's own, not a
// node shim's), else the workerd package's bin/workerd.
export function workerdBin() {
  const require = createRequire(join(here, "package.json"));
  const pkg = require.resolve("workerd/package.json");
  const platform = { linux: "linux", darwin: "darwin", win32: "windows" }[process.platform];
  const arch = { x64: "64", arm64: "arm64" }[process.arch];
  try {
    const req = createRequire(pkg);
    const p = req.resolve(`@cloudflare/workerd-${platform}-${arch}/package.json`);
    const bin = join(dirname(p), "bin", process.platform === "win32" ? "workerd.exe" : "workerd");
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the wrapper
  }
  const bin = join(dirname(pkg), "bin", "workerd");
  if (!existsSync(bin)) throw new Error(`workerd binary not found at ${bin}; run npm ci in bench/`);
  return bin;
}

// prepare bundles exampleDir and writes outDir/{worker.js,config.capnp}.
export async function prepare(exampleDir, outDir, port) {
  exampleDir = resolve(exampleDir);
  outDir = resolve(outDir);
  mkdirSync(outDir, { recursive: true });
  const w = readWrangler(exampleDir);
  await build({
    entryPoints: [join(exampleDir, w.main)],
    outfile: join(outDir, "worker.js"),
    absWorkingDir: exampleDir,
    bundle: true,
    format: "esm",
    target: "es2022",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*"],
    logLevel: "warning",
  });
  const flags = w.compatibilityFlags.map((f) => JSON.stringify(f)).join(", ");
  const b = readBindings(exampleDir);
  const bindings = [
    ...Object.entries(b.vars).map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`),
    ...b.objects.map((o) => `(name = ${JSON.stringify(o.name)}, durableObjectNamespace = ${JSON.stringify(o.class_name)})`),
  ];
  const classes = [...new Set(b.objects.map((o) => o.class_name))];
  const namespaces = classes.map((c) => `(className = ${JSON.stringify(c)}, uniqueKey = ${JSON.stringify(w.name + "-" + c)}${b.sqlite.has(c) ? ", enableSql = true" : ""})`);
  const objectConfig = classes.length === 0 ? "" : `
  bindings = [ ${bindings.join(", ")} ],
  durableObjectNamespaces = [ ${namespaces.join(", ")} ],
  durableObjectStorage = (localDisk = "do-disk"),`;
  // Fresh object storage on every run, as molt's spec test gets.
  const storage = join(outDir, "do-storage");
  rmSync(storage, { recursive: true, force: true });
  if (classes.length > 0) mkdirSync(storage, { recursive: true });
  const diskService = classes.length === 0 ? "" : `, (name = "do-disk", disk = (path = ${JSON.stringify(storage)}, writable = true))`;
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker)${diskService} ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${w.compatibilityDate}",
  compatibilityFlags = [ ${flags} ],${objectConfig}
);
`;
  const configPath = join(outDir, "config.capnp");
  writeFileSync(configPath, config);
  return configPath;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, exampleDir, outDir, port] = process.argv.slice(2);
  if (cmd === "bin") {
    console.log(workerdBin());
    process.exit(0);
  }
  if (cmd !== "prepare" || !exampleDir || !outDir || !port) {
    console.error("usage: node bench/workerd.mjs prepare <exampleDir> <outDir> <port> | bin");
    process.exit(2);
  }
  prepare(exampleDir, outDir, Number(port)).then(
    (p) => console.log(p),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
