#!/usr/bin/env node
// Builds the Worker with esbuild and serves it under Miniflare 3 with KV persisted
// where `wrangler dev` keeps it (.wrangler/state/v3/kv beside wrangler.toml), so
// arena-dev and this Worker share data. Used by arena-dev's tests; handy by hand:
//
//   ARENA_NODE_MODULES=../../../testenv/node/node_modules node scripts/serve-miniflare.mjs --port 8788
//
// Flags: --port N (8787), --host H (127.0.0.1), --persist-to DIR (.wrangler/state).
// Needs the packages miniflare@3 and esbuild: from $ARENA_NODE_MODULES, else from
// this folder's own node_modules. Prints "Ready on http://H:N" once serving; stops
// cleanly on SIGINT or SIGTERM.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const workerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) {
    console.error(`serve-miniflare: --${name} needs a value`);
    process.exit(2);
  }
  return v;
}

// The few wrangler.toml settings this needs; a full TOML parser is not worth a dependency.
function wranglerSettings() {
  const toml = readFileSync(join(workerDir, "wrangler.toml"), "utf8");
  const kv = toml.split(/^\[\[kv_namespaces\]\]/m)[1] ?? "";
  const pick = (text, k) => text.match(new RegExp(`^${k}\\s*=\\s*"([^"]*)"`, "m"))?.[1];
  const binding = pick(kv, "binding");
  const id = pick(kv, "preview_id") ?? pick(kv, "id") ?? binding;
  if (!binding) throw new Error("wrangler.toml: no [[kv_namespaces]] binding");
  return {
    compatibilityDate: pick(toml, "compatibility_date") ?? "2024-09-23",
    binding,
    namespaceId: id,
    corsOrigins: pick(toml, "CORS_ORIGINS"),
  };
}

const port = Number(flag("port", "8787"));
const host = flag("host", "127.0.0.1");
const persistRoot = resolve(flag("persist-to", join(workerDir, ".wrangler", "state")));
const modulesDir = process.env.ARENA_NODE_MODULES ? resolve(process.env.ARENA_NODE_MODULES) : join(workerDir, "node_modules");
const require = createRequire(join(modulesDir, "noop.js"));

let Miniflare, esbuild;
try {
  ({ Miniflare } = require("miniflare"));
  esbuild = require("esbuild");
} catch (e) {
  console.error(`serve-miniflare: cannot load miniflare and esbuild from ${modulesDir} (${e.message}); set ARENA_NODE_MODULES`);
  process.exit(1);
}

const settings = wranglerSettings();
const built = await esbuild.build({
  entryPoints: [join(workerDir, "src", "index.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  platform: "neutral",
  write: false,
  logLevel: "error",
});

const mf = new Miniflare({
  modules: true,
  script: built.outputFiles[0].text,
  compatibilityDate: settings.compatibilityDate,
  kvNamespaces: { [settings.binding]: settings.namespaceId },
  kvPersist: join(persistRoot, "v3", "kv"),
  bindings: settings.corsOrigins ? { CORS_ORIGINS: settings.corsOrigins } : {},
  host,
  port,
  cf: false, // never fetch workers.cloudflare.com/cf.json
});
try {
  await mf.ready;
} catch (e) {
  console.error(`serve-miniflare: could not serve on ${host}:${port}: ${e.message}`);
  process.exit(1);
}
console.log(`Ready on http://${host}:${port} (namespace ${settings.namespaceId}, state ${persistRoot})`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mf.dispose();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
