// The logs panel: the last lines, then every new one, from the control API's log
// stream (/_arena/api/logs?follow=1). Lines are kept in memory up to KEEP; the view
// shows the last `shown` lines that match the filter (PAGE more per "Show earlier"),
// so 10,000 lines cost no more DOM than a few hundred.
import { $, el, stripANSI } from "./util.js";

const KEEP = 20000; // lines kept in memory
const PAGE = 500; // lines shown, and added per "Show earlier"

const lines = []; // {time, service, stream, line, lc}
let shown = PAGE;
let paused = false;
let unseen = 0; // lines arrived while paused
let received = 0;
let missed = 0; // lines the server skipped because this page read too slowly
let pending = []; // arrived since the last frame
let frame = 0;
let filter = { service: "", text: "" };

export function initLogs() {
  const view = $("#log-view");
  $("#log-service").addEventListener("change", (e) => { filter.service = e.target.value; shown = PAGE; rerender(); });
  $("#log-search").addEventListener("input", (e) => { filter.text = e.target.value.toLowerCase(); shown = PAGE; rerender(); });
  $("#log-pause").addEventListener("click", () => setPaused(!paused));
  $("#log-more").addEventListener("click", () => {
    const top = view.scrollHeight - view.scrollTop;
    shown += PAGE;
    rerender(false);
    view.scrollTop = view.scrollHeight - top; // keep the reader where they were
  });
  view.addEventListener("keydown", (e) => {
    if (e.key === " " && e.target === view) { e.preventDefault(); setPaused(!paused); }
  });
  const es = new EventSource("/_arena/api/logs?follow=1&n=200");
  es.addEventListener("line", (ev) => add(JSON.parse(ev.data)));
  es.addEventListener("dropped", (ev) => { missed = JSON.parse(ev.data).total; count(); });
  // A test hook: the benchmark of 10,000 lines feeds them through the same path.
  window.__arenaLogs = { add, count: () => received, missed: () => missed, rows: () => view.childElementCount };
}

function setPaused(p) {
  paused = p;
  const b = $("#log-pause");
  b.textContent = p ? "Resume" : "Pause";
  b.setAttribute("aria-pressed", String(p));
  if (!p) {
    unseen = 0;
    rerender();
  }
  count();
}

function ensureService(name) {
  const sel = $("#log-service");
  if (![...sel.options].some((o) => o.value === name)) sel.append(el("option", { value: name, text: name }));
}

function add(l) {
  l.line = stripANSI(l.line);
  l.lc = l.line.toLowerCase();
  lines.push(l);
  received++;
  if (lines.length > KEEP) lines.splice(0, lines.length - KEEP);
  ensureService(l.service);
  if (paused) unseen++;
  else if (matches(l)) pending.push(l);
  if (!frame) frame = requestAnimationFrame(flush); // one DOM update per frame, however many lines
}

const matches = (l) => (!filter.service || l.service === filter.service) && (!filter.text || l.lc.includes(filter.text));

function row(l) {
  const t = l.time ? l.time.slice(11, 23) : "";
  return el("div", { class: `ln s-${l.service} ${l.stream}`, "data-service": l.service },
    el("time", { datetime: l.time, text: t }), el("span", { class: "svc", text: l.service }), el("span", { class: "txt", text: l.line }));
}

function atBottom(v) {
  return v.scrollHeight - v.scrollTop - v.clientHeight < 40;
}

function flush() {
  frame = 0;
  const view = $("#log-view");
  const stick = atBottom(view);
  const batch = pending.slice(-shown);
  pending = [];
  const f = document.createDocumentFragment();
  for (const l of batch) f.append(row(l));
  view.append(f);
  let extra = view.childElementCount - shown;
  while (extra-- > 0) view.firstElementChild.remove();
  if (stick) view.scrollTop = view.scrollHeight;
  count();
}

function rerender(stick = true) {
  pending = [];
  const view = $("#log-view");
  const out = [];
  for (let i = lines.length - 1; i >= 0 && out.length < shown; i--) {
    if (matches(lines[i])) out.push(lines[i]);
  }
  out.reverse();
  const f = document.createDocumentFragment();
  for (const l of out) f.append(row(l));
  view.replaceChildren(f);
  if (stick) view.scrollTop = view.scrollHeight;
  count();
}

function count() {
  let text = `${received.toLocaleString("en-US")} lines`;
  if (lines.length < received) text += ` (last ${lines.length.toLocaleString("en-US")} kept)`;
  if (missed) text += ` · ${missed.toLocaleString("en-US")} missed (this page fell behind)`;
  if (paused) text += ` · paused, ${unseen} new`;
  $("#log-count").textContent = text;
}
