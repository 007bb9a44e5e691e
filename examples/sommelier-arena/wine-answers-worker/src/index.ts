// The reference wine-answers Worker: a stateless REST API over one KV namespace,
// each category one key ("answers:color", ...) holding a JSON array, every write a
// read-modify-write of that key (the race the design record accepts). arena-dev
// serves the same API in Go (package answers); docs/api.md documents both.
import {
  ApiError, CATEGORIES, MAX_BODY_BYTES, decodeLabelRequest, decodeList, decodeListRequest, isCategory,
  validateLabel, type Category, type Entry,
} from "./answers";

// The slice of the Workers KV API this Worker uses (no @cloudflare/workers-types needed).
interface KVNamespace {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

export interface Env {
  ANSWERS: KVNamespace;
  CORS_ORIGINS?: string;
}

const CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
const CORS_HEADERS = "Content-Type, If-Match, If-None-Match";

function json(status: number, body: unknown, headers: Headers): Response {
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}

function errorResponse(e: ApiError, headers: Headers): Response {
  return json(e.status, { error: { code: e.code, message: e.message } }, headers);
}

const key = (cat: Category) => `answers:${cat}`;
const now = () => new Date();
const timestamp = () => now().toISOString().replace(/\.\d{3}Z$/, "Z");

async function readList(env: Env, cat: Category): Promise<Entry[]> {
  const text = await env.ANSWERS.get(key(cat));
  return text === null ? [] : decodeList(key(cat), text);
}

async function writeList(env: Env, cat: Category, list: Entry[]): Promise<void> {
  await env.ANSWERS.put(key(cat), JSON.stringify(list));
}

async function readBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get("Content-Length") ?? "0");
  // Read the body even when it is too large: answering before the client has sent
  // it makes the runtime reset the connection, and the client never sees the 413.
  const buf = await req.arrayBuffer();
  if (declared > MAX_BODY_BYTES) {
    throw new ApiError(413, "body_too_large", `request body has ${declared} bytes; the limit is ${MAX_BODY_BYTES} (64 KiB)`);
  }
  if (buf.byteLength > MAX_BODY_BYTES) {
    throw new ApiError(413, "body_too_large", `request body is over the limit of ${MAX_BODY_BYTES} bytes (64 KiB)`);
  }
  return new TextDecoder().decode(buf);
}

function methodNotAllowed(req: Request, path: string, allowed: string[], headers: Headers): Response {
  headers.set("Allow", allowed.join(", "));
  return errorResponse(new ApiError(405, "method_not_allowed",
    `${req.method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`), headers);
}

function allows(method: string, allowed: string[]): boolean {
  return allowed.includes(method) || (method === "HEAD" && allowed.includes("GET"));
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// cors sets the CORS headers; it returns a response when the request is answered
// here (a preflight, or a write from an origin that is not allowed).
function cors(req: Request, env: Env, headers: Headers): Response | null {
  const origins = (env.CORS_ORIGINS ?? "http://localhost:4321,http://127.0.0.1:4321")
    .split(",").map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean);
  const any = origins.includes("*");
  headers.append("Vary", "Origin");
  const origin = req.headers.get("Origin");
  const allowed = origin !== null && origin !== "" && (any || origins.includes(origin));
  if (allowed) {
    headers.set("Access-Control-Allow-Origin", any ? "*" : origin!);
    headers.set("Access-Control-Expose-Headers", "ETag, Location");
  }
  if (req.method === "OPTIONS") {
    if (origin && !allowed) {
      return errorResponse(new ApiError(403, "origin_not_allowed", `origin "${origin}" is not in the CORS allow-list`), headers);
    }
    if (allowed) {
      headers.set("Access-Control-Allow-Methods", CORS_METHODS);
      headers.set("Access-Control-Allow-Headers", CORS_HEADERS);
      headers.set("Access-Control-Max-Age", "600");
    }
    headers.set("Allow", CORS_METHODS);
    return new Response(null, { status: 204, headers });
  }
  if (origin && !allowed && req.method !== "GET" && req.method !== "HEAD") {
    return errorResponse(new ApiError(403, "origin_not_allowed",
      `origin "${origin}" is not in the CORS allow-list; nothing was written`), headers);
  }
  return null;
}

async function route(req: Request, env: Env, headers: Headers): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname;
  const parts = path.replace(/^\//, "").split("/").map(decodeSegment);
  if (path === "/healthz") {
    if (!allows(req.method, ["GET"])) return methodNotAllowed(req, path, ["GET"], headers);
    return json(200, { ok: true, service: "wine-answers" }, headers);
  }
  if (parts[0] === "answers" && parts.length === 1) {
    if (!allows(req.method, ["GET"])) return methodNotAllowed(req, path, ["GET"], headers);
    const all: Record<string, Entry[]> = {};
    for (const cat of CATEGORIES) all[cat] = await readList(env, cat);
    return json(200, all, headers);
  }
  if (parts[0] === "answers" && (parts.length === 2 || (parts.length === 3 && parts[2] !== ""))) {
    const cat = parts[1];
    if (!isCategory(cat)) {
      throw new ApiError(404, "unknown_category",
        `unknown category ${JSON.stringify(cat)}; the categories are color, country, grape, vintage and wine`);
    }
    if (parts.length === 2) {
      const allowed = ["GET", "POST", "PUT"];
      if (!allows(req.method, allowed)) return methodNotAllowed(req, path, allowed, headers);
      if (req.method === "POST") return post(req, env, cat, headers);
      if (req.method === "PUT") return putList(req, env, cat, headers);
      return json(200, await readList(env, cat), headers);
    }
    const allowed = ["PUT", "DELETE"];
    if (!allows(req.method, allowed)) return methodNotAllowed(req, path, allowed, headers);
    return req.method === "PUT" ? putEntry(req, env, cat, parts[2], headers) : deleteEntry(env, cat, parts[2], headers);
  }
  throw new ApiError(404, "not_found", `no route for ${req.method} ${path}`);
}

async function post(req: Request, env: Env, cat: Category, headers: Headers): Promise<Response> {
  const body = decodeLabelRequest(await readBody(req));
  const { label, id } = validateLabel(cat, body.label, now());
  const list = await readList(env, cat);
  const existing = list.find((e) => e.id === id);
  if (existing) throw new ApiError(409, "duplicate", `${cat} already has ${JSON.stringify(existing.label)} (id "${id}")`);
  const entry: Entry = { id, label, custom: body.custom ?? true, createdAt: timestamp() };
  list.push(entry);
  await writeList(env, cat, list);
  headers.set("Location", `/answers/${cat}/${encodeURIComponent(id)}`);
  return json(201, entry, headers);
}

async function putEntry(req: Request, env: Env, cat: Category, id: string, headers: Headers): Promise<Response> {
  const body = decodeLabelRequest(await readBody(req));
  const { label, id: newId } = validateLabel(cat, body.label, now());
  if (newId !== id) {
    throw new ApiError(422, "id_mismatch", `label ${JSON.stringify(label)} has the id "${newId}", not "${id}"`);
  }
  const list = await readList(env, cat);
  const i = list.findIndex((e) => e.id === id);
  let entry: Entry;
  let status = 200;
  if (i < 0) {
    entry = { id, label, custom: body.custom ?? true, createdAt: timestamp() };
    list.push(entry);
    status = 201;
    headers.set("Location", `/answers/${cat}/${encodeURIComponent(id)}`);
  } else {
    entry = { ...list[i], label, custom: body.custom ?? list[i].custom };
    list[i] = entry;
  }
  await writeList(env, cat, list);
  return json(status, entry, headers);
}

async function deleteEntry(env: Env, cat: Category, id: string, headers: Headers): Promise<Response> {
  const list = await readList(env, cat);
  const i = list.findIndex((e) => e.id === id);
  if (i < 0) throw new ApiError(404, "answer_not_found", `${cat} has no answer with id "${id}"`);
  list.splice(i, 1);
  await writeList(env, cat, list);
  return new Response(null, { status: 204, headers });
}

async function putList(req: Request, env: Env, cat: Category, headers: Headers): Promise<Response> {
  const reqs = decodeListRequest(await readBody(req));
  const at = now();
  const seen = new Map<string, number>();
  const next: Entry[] = reqs.map((r, i) => {
    let v: { label: string; id: string };
    try {
      v = validateLabel(cat, r.label, at);
    } catch (e) {
      if (e instanceof ApiError) e.message = `answer ${i}: ${e.message}`;
      throw e;
    }
    const j = seen.get(v.id);
    if (j !== undefined) throw new ApiError(409, "duplicate", `answers ${j} and ${i} both have the id "${v.id}"`);
    seen.set(v.id, i);
    return { id: v.id, label: v.label, custom: r.custom ?? false, createdAt: timestamp() };
  });
  const cur = await readList(env, cat);
  for (const e of next) {
    const old = cur.find((c) => c.id === e.id);
    if (old) e.createdAt = old.createdAt;
  }
  await writeList(env, cat, next);
  return json(200, next, headers);
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const headers = new Headers();
    const early = cors(req, env, headers);
    if (early) return early;
    try {
      return await route(req, env, headers);
    } catch (e) {
      if (e instanceof ApiError) return errorResponse(e, headers);
      return errorResponse(new ApiError(500, "internal", String(e)), headers);
    }
  },
};
