// The services panel: a snapshot and every state change from the control API's
// event stream (/_arena/api/events); no polling.
import { $, el, api, setConn, fmtDuration } from "./util.js";

const services = new Map(); // name -> SERVICE with a local clock for uptime
let canControl = false; // this page holds the stack's token (docs/security.md)

// NO_TOKEN: the page was not opened with the token, so the control API refuses
// its Restart, Stop and Start; `arena-dev open` sets it as a cookie.
const NO_TOKEN = "Restart, Stop and Start need the stack's token: run `arena-dev open` (or open the tokenized URL `arena-dev up` printed).";

export function initServices(cfg) {
  canControl = !!cfg.control;
  $("#services").dataset.control = canControl ? "1" : "0";
  connect();
  // Only the uptime column moves between events: a local clock, no requests.
  setInterval(() => {
    for (const s of services.values()) {
      const cell = $(`tr[data-service="${CSS.escape(s.name)}"] .uptime`);
      if (cell) cell.textContent = uptime(s);
    }
  }, 1000);
}

function connect() {
  const es = new EventSource("/_arena/api/events");
  es.addEventListener("open", () => setConn("live", "live"));
  es.addEventListener("snapshot", (ev) => {
    const data = JSON.parse(ev.data);
    services.clear();
    for (const s of data.services) put(s);
    showChange(data.last_change);
    render();
  });
  // A change applied in place (`up` on the running stack, `up --watch`): the
  // services after it (added ones appear, removed ones go) and what changed.
  es.addEventListener("change", (ev) => {
    const data = JSON.parse(ev.data);
    services.clear();
    for (const s of data.services) put(s);
    showChange(data.last_change);
    render();
  });
  es.addEventListener("state", (ev) => {
    put(JSON.parse(ev.data));
    render();
  });
  es.addEventListener("end", () => {
    es.close();
    setConn("down", "the stack stopped");
  });
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CLOSED) setConn("down", "disconnected");
    else setConn("down", "reconnecting…");
  });
}

// showChange says when the stack last changed in place, who asked and what.
function showChange(c) {
  const p = $("#svc-change");
  if (!c) {
    p.replaceChildren();
    return;
  }
  const when = new Date(c.time);
  const lines = (c.lines || []).filter((l) => !/: keep$/.test(l));
  p.replaceChildren(
    el("span", { text: "Last change " }),
    el("time", { datetime: c.time, text: when.toLocaleTimeString() }),
    el("span", { text: ` (${c.source}): ` }),
    el("span", { class: "change-lines", text: lines.length ? lines.join("; ") : "nothing to restart" }),
    ...(c.error ? [el("span", { class: "error", text: ` ${c.error}` })] : []),
  );
}

function put(s) {
  s.seenAt = performance.now();
  services.set(s.name, s);
}

function uptime(s) {
  if (!s.uptime_seconds && !(s.state === "ready" || s.state === "starting")) return "-";
  return fmtDuration((s.uptime_seconds || 0) + (performance.now() - s.seenAt) / 1000);
}

const running = (st) => ["ready", "starting", "pending", "restarting"].includes(st);

function render() {
  const body = $("#svc-table tbody");
  const rows = [];
  for (const s of services.values()) {
    const port = s.port ? (s.url ? el("a", { href: s.url, target: "_blank", rel: "noopener", text: String(s.port) }) : String(s.port)) : "-";
    const act = (op, label, enabled) => el("button", {
      type: "button", text: label, "data-op": op, "aria-label": `${label} ${s.name}`,
      disabled: !enabled, onclick: () => control(s.name, op),
    });
    const last = s.state === "ready" ? (s.last_error ? `(before: ${s.last_error})` : "-") : (s.last_error || "-");
    rows.push(el("tr", { "data-service": s.name, "data-state": s.state, "data-pid": String(s.pid || 0), "data-restarts": String(s.restarts) },
      el("th", { scope: "row", text: s.name + (s.disabled ? " (disabled)" : "") }),
      el("td", { class: `state state-${s.state}`, text: s.state }),
      el("td", { class: "pid", text: s.pid ? String(s.pid) : "-" }),
      el("td", {}, port),
      el("td", { class: "uptime", text: uptime(s) }),
      el("td", { class: "restarts", text: String(s.restarts) }),
      el("td", { class: "err", text: last }),
      el("td", {}, el("div", { class: "toolbar" },
        act("restart", "Restart", running(s.state)),
        act("stop", "Stop", running(s.state)),
        act("start", "Start", !running(s.state) && s.state !== "stopping"))),
    ));
  }
  const focused = document.activeElement && document.activeElement.closest("#svc-table") ? document.activeElement : null;
  const keep = focused && focused.dataset.op ? [focused.closest("tr").dataset.service, focused.dataset.op] : null;
  body.replaceChildren(...rows);
  if (keep) {
    const b = $(`tr[data-service="${CSS.escape(keep[0])}"] button[data-op="${keep[1]}"]`);
    if (b && !b.disabled) b.focus();
  }
  $("#services").dataset.filled = rows.length ? "1" : "0";
  if (!window.__arenaServicesFilled && rows.length) {
    window.__arenaServicesFilled = performance.now(); // the benchmark reads it
  }
}

async function control(name, op) {
  if (!canControl) {
    $("#svc-error").textContent = NO_TOKEN;
    return;
  }
  $("#svc-error").textContent = "";
  for (const b of document.querySelectorAll(`tr[data-service="${CSS.escape(name)}"] button`)) b.disabled = true;
  try {
    await api("POST", `/_arena/api/services/${encodeURIComponent(name)}/${op}`);
  } catch (e) {
    $("#svc-error").textContent = `${op} ${name}: ${e.message}`;
    render();
  }
}
