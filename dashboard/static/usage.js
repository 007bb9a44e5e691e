// The free-tier meter: today's KV operations (GET /_arena/kv/limits) against
// Cloudflare's free plan, with marks at 80% and at the limit, the --kv-limits
// mode, and the operations KV refused as production would. With limits the
// counts come from the state folder, so they survive restarts.
import { $, el, api, fmtNum } from "./util.js";

const WARN = 0.8;
const NAMES = { read: "Reads", write: "Writes", delete: "Deletes", list: "Lists" };
const MODES = {
  off: "KV limits off: nothing is refused (--kv-limits production|free to enforce them).",
  production: "KV limits: production. A second write to a key within 1 s fails with 429, as in production; the quotas are shown, not enforced.",
  free: "KV limits: free. One write a second per key, and the free plan's daily quotas: past 100% an operation fails with 429 until midnight UTC.",
};

export function initUsage() {
  refresh();
  // Usage has no event stream; refresh while the page is looked at.
  setInterval(() => { if (document.visibilityState === "visible") refresh(); }, 5000);
  document.addEventListener("arena:changed", refresh);
}

async function refresh() {
  try {
    const r = await api("GET", "/_arena/kv/limits");
    $("#usage-day").textContent = `UTC day ${r.day}, counts start again at ${r.resets_at.slice(0, 16).replace("T", " ")} UTC`;
    const mode = $("#usage-mode");
    mode.textContent = MODES[r.mode] || `KV limits: ${r.mode}`;
    mode.dataset.mode = r.mode;
    for (const q of r.quotas) bar($(`#usage-${q.op}s`), NAMES[q.op], q.count, q.quota, q.enforced);
    refusals(r.refusals);
  } catch (e) {
    $("#usage-day").textContent = "usage unavailable: " + e.message;
  }
}

function refusals(list) {
  const box = $("#usage-refusals");
  box.dataset.count = String(list.length);
  if (!list.length) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el("h3", { text: "Refused by KV" }), el("ul", {}, ...list.slice(-20).reverse().map((f) =>
    el("li", { class: "refused", "data-seq": String(f.seq), "data-reason": f.reason },
      el("strong", { text: `${f.op} ${f.key || ""}` }),
      ` ${f.time.slice(0, 19).replace("T", " ")} UTC — ${f.message}: ${f.detail}`))));
}

function bar(box, name, n, limit, enforced) {
  if (!box) return;
  const frac = n / limit;
  const pct = (frac * 100).toFixed(frac < 0.1 ? 2 : 1);
  const fill = el("div", { class: "fill" });
  fill.style.width = Math.min(100, frac * 100) + "%";
  const mark = el("div", { class: "mark", title: "80%" });
  mark.style.left = WARN * 100 + "%";
  const over = enforced ? frac >= 1 : frac > 1;
  const state = over ? "over" : frac >= WARN ? "warn" : "";
  const past = enforced ? " — used up: KV refuses more today" : " — over the free plan";
  const label = `${name} today: ${fmtNum(n)} of ${fmtNum(limit)} (${pct}%)` + (over ? past : frac >= WARN ? " — close to the free plan's limit" : "");
  box.replaceChildren(
    el("div", { class: "muted", id: box.id + "-label", text: label }),
    el("div", { class: "bar " + state, role: "meter", "aria-valuemin": "0", "aria-valuemax": String(limit), "aria-valuenow": String(n),
      "aria-labelledby": box.id + "-label", "data-value": String(n), "data-limit": String(limit), "data-enforced": String(enforced) }, fill, mark),
  );
}
