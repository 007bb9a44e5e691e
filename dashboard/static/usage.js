// The free-tier meter: today's KV reads and writes (GET /_arena/usage) against
// Cloudflare's free plan, with marks at 80% and at the limit.
import { $, el, api, fmtNum } from "./util.js";

const WARN = 0.8;

export function initUsage() {
  refresh();
  // Usage has no event stream; refresh while the page is looked at.
  setInterval(() => { if (document.visibilityState === "visible") refresh(); }, 5000);
  document.addEventListener("arena:changed", refresh);
}

async function refresh() {
  try {
    const u = await api("GET", "/_arena/usage");
    $("#usage-day").textContent = `UTC day ${u.day}`;
    bar($("#usage-reads"), "Reads", u.reads, u.limits.reads);
    bar($("#usage-writes"), "Writes", u.writes, u.limits.writes);
  } catch (e) {
    $("#usage-day").textContent = "usage unavailable: " + e.message;
  }
}

function bar(box, name, n, limit) {
  const frac = n / limit;
  const pct = (frac * 100).toFixed(frac < 0.1 ? 2 : 1);
  const fill = el("div", { class: "fill" });
  fill.style.width = Math.min(100, frac * 100) + "%";
  const mark = el("div", { class: "mark", title: "80%" });
  mark.style.left = WARN * 100 + "%";
  const state = frac > 1 ? "over" : frac >= WARN ? "warn" : "";
  const label = `${name} today: ${fmtNum(n)} of ${fmtNum(limit)} (${pct}%)` + (frac > 1 ? " — over the free plan" : frac >= WARN ? " — close to the free plan's limit" : "");
  box.replaceChildren(
    el("div", { class: "muted", id: box.id + "-label", text: label }),
    el("div", { class: "bar " + state, role: "meter", "aria-valuemin": "0", "aria-valuemax": String(limit), "aria-valuenow": String(n),
      "aria-labelledby": box.id + "-label", "data-value": String(n), "data-limit": String(limit) }, fill, mark),
  );
}
