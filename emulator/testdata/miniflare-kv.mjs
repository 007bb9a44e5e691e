// A Miniflare 3 KV session for the Go interop tests. Run from testenv/node (so
// `miniflare` resolves) as: node miniflare-kv.mjs <persist root> <namespace id> <port>
// It reads one JSON command per line on stdin and answers one JSON line on stdout:
//   {"op":"put","key":K,"value":S|null,"base64":B|null,"expiration":N?,"expirationTtl":N?,"metadata":M?}
//   {"op":"get","key":K}            -> {"found":bool,"base64":S,"metadata":M}
//   {"op":"delete","key":K}
//   {"op":"list","prefix":P?,"limit":N?,"cursor":C?} -> the raw list result
//   {"op":"listAll","prefix":P?,"limit":N?} -> {"pages":[raw list results]}
//   {"op":"quit"}
// Errors answer {"error": message}. The first line out is {"ready":true}.
import { createRequire } from "node:module";

// Resolve miniflare from the working directory (testenv/node), not this file's.
const { Miniflare } = createRequire(process.cwd() + "/")("miniflare");

const [root, namespaceId, port] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
  kvNamespaces: { NS: namespaceId },
  kvPersist: `${root}/v3/kv`,
  host: "127.0.0.1",
  port: Number(port),
});
await mf.ready;
const kv = await mf.getKVNamespace("NS");

// Node Buffers fail Miniflare's serialiser; a fresh ArrayBuffer works.
function toArrayBuffer(b64) {
  const buf = Buffer.from(b64, "base64");
  const ab = new ArrayBuffer(buf.length);
  new Uint8Array(ab).set(buf);
  return ab;
}

async function run(cmd) {
  switch (cmd.op) {
    case "put": {
      const value = cmd.base64 != null ? toArrayBuffer(cmd.base64) : cmd.value;
      const opts = {};
      if (cmd.expiration != null) opts.expiration = cmd.expiration;
      if (cmd.expirationTtl != null) opts.expirationTtl = cmd.expirationTtl;
      if (cmd.metadata !== undefined) opts.metadata = cmd.metadata;
      await kv.put(cmd.key, value, opts);
      return { ok: true };
    }
    case "get": {
      const { value, metadata } = await kv.getWithMetadata(cmd.key, "arrayBuffer");
      if (value === null) return { found: false };
      return { found: true, base64: Buffer.from(value).toString("base64"), metadata };
    }
    case "delete":
      await kv.delete(cmd.key);
      return { ok: true };
    case "list":
      return await kv.list(listOpts(cmd));
    case "listAll": {
      const pages = [];
      let cursor;
      do {
        const page = await kv.list({ ...listOpts(cmd), cursor });
        pages.push(page);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return { pages };
    }
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

function listOpts(cmd) {
  const o = {};
  if (cmd.prefix != null) o.prefix = cmd.prefix;
  if (cmd.limit != null) o.limit = cmd.limit;
  if (cmd.cursor != null) o.cursor = cmd.cursor;
  return o;
}

process.stdout.write(JSON.stringify({ ready: true }) + "\n");
let buffered = "";
let chain = Promise.resolve();
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (!line.trim()) continue;
    chain = chain.then(async () => {
      const cmd = JSON.parse(line);
      if (cmd.op === "quit") {
        await mf.dispose();
        process.stdout.write(JSON.stringify({ ok: true }) + "\n");
        process.exit(0);
      }
      let out;
      try {
        out = await run(cmd);
      } catch (e) {
        out = { error: String(e && e.message ? e.message : e) };
      }
      process.stdout.write(JSON.stringify(out) + "\n");
    });
  }
});
process.stdin.on("end", () => chain.then(() => mf.dispose()).then(() => process.exit(0)));
