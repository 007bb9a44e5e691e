// Small helpers shared by the panels.
export const $ = (sel, root = document) => root.querySelector(sel);

// el builds an element: el("td", {class: "x", text: "y"}, child...). Text only goes
// through textContent, never HTML.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// APIError carries the API's {"error": {"code", "message"}}.
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// api does a same-origin request and returns the parsed JSON (null for 204);
// an error response throws an APIError with the server's own message.
export async function api(method, url, body) {
  const init = { method, headers: {}, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const err = data && data.error;
    throw new APIError(res.status, err ? err.code : "http_" + res.status, err ? err.message : `${method} ${url}: ${res.status}`);
  }
  return data;
}

export function setConn(kind, text) {
  const c = $("#conn");
  c.className = kind;
  c.textContent = text;
}

// confirmAction asks in a modal dialog; resolves true on Confirm.
export function confirmAction(text, okLabel = "Confirm") {
  const d = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    const done = (v) => {
      $("#confirm-ok").removeEventListener("click", ok);
      $("#confirm-cancel").removeEventListener("click", cancel);
      d.removeEventListener("cancel", cancel);
      if (d.open) d.close();
      resolve(v);
    };
    const ok = () => done(true);
    const cancel = () => done(false);
    $("#confirm-ok").addEventListener("click", ok);
    $("#confirm-cancel").addEventListener("click", cancel);
    d.addEventListener("cancel", cancel);
    d.showModal();
    $("#confirm-cancel").focus();
  });
}

// stripANSI removes escape sequences (the API strips them already; this is a belt).
// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
export const stripANSI = (s) => s.replace(ansi, "");

export function fmtDuration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60, s = sec % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

export const fmtNum = (n) => n.toLocaleString("en-US");
