// The KV browser: namespaces in the state dir, keys a page at a time through the
// emulator's own list cursor, a key's value (pretty JSON, text or hex) with its
// metadata and expiration, and add, edit and delete with confirmation. Errors are
// the emulator's own messages.
import { $, el, api, confirmAction } from "./util.js";

const PAGE = 50;
let ns = "";
let prefix = "";
let nextCursor = ""; // the emulator's cursor of the page after this one
let current = null; // the key shown

const q = (o) => new URLSearchParams(o).toString();

export function initKV(cfg) {
  $("#kv-ns").addEventListener("change", (e) => open(e.target.value));
  $("#kv-ns-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = $("#kv-ns-id").value.trim();
    if (id) open(id, true);
  });
  $("#kv-search").addEventListener("submit", (e) => {
    e.preventDefault();
    prefix = $("#kv-prefix").value;
    list();
  });
  $("#kv-first").addEventListener("click", () => list());
  $("#kv-next").addEventListener("click", () => list(nextCursor));
  $("#kv-new").addEventListener("click", () => edit(null));
  $("#kv-edit-cancel").addEventListener("click", () => { $("#kv-edit").hidden = true; });
  $("#kv-edit").addEventListener("submit", save);
  loadNamespaces(cfg.namespace);
}

function error(e) {
  $("#kv-error").textContent = e ? e.message || String(e) : "";
}

async function loadNamespaces(want) {
  try {
    const r = await api("GET", "/_arena/kv/namespaces");
    const sel = $("#kv-ns");
    sel.replaceChildren(...r.namespaces.map((n) => el("option", { value: n.id, text: n.id + (n.answers ? " (answers)" : "") + (n.exists ? "" : " — no data yet") })));
    const unk = r.unidentified.length;
    $("#kv-ns-note").textContent = `State: ${r.state}.` + (unk ? ` ${unk} more namespace database${unk > 1 ? "s" : ""} (${r.unidentified.map((f) => f.slice(0, 12) + "…").join(", ")}): Miniflare names files by a hash of the id, so type the id to open one.` : "");
    if (want) open(want);
  } catch (e) {
    error(e);
  }
}

function open(id, typed) {
  const sel = $("#kv-ns");
  if (typed && ![...sel.options].some((o) => o.value === id)) sel.append(el("option", { value: id, text: id }));
  sel.value = id;
  ns = id;
  current = null;
  $("#kv-detail").replaceChildren(el("p", { class: "muted", text: "Pick a key." }));
  list();
}

// list shows the page that starts after cursor (the emulator's own; "" = the first).
async function list(cursor = "") {
  error(null);
  try {
    const r = await api("GET", "/_arena/kv/keys?" + q({ ns, prefix, cursor, limit: PAGE }));
    nextCursor = r.list_complete ? "" : r.cursor;
    const ul = $("#kv-keys");
    ul.replaceChildren(...r.keys.map((k) => el("li", {},
      el("button", { type: "button", text: k.name, "data-key": k.name, "aria-current": String(k.name === current),
        onclick: () => show(k.name) }))));
    if (!r.keys.length) ul.append(el("li", { class: "muted", text: prefix ? `No key starts with "${prefix}".` : "No keys." }));
    $("#kv-next").disabled = r.list_complete;
    $("#kv-first").disabled = !cursor;
    $("#kv-keys").dataset.ns = ns;
  } catch (e) {
    $("#kv-keys").replaceChildren();
    error(e);
  }
}

async function show(key) {
  error(null);
  current = key;
  for (const b of document.querySelectorAll("#kv-keys button")) b.setAttribute("aria-current", String(b.dataset.key === key));
  try {
    const v = await api("GET", "/_arena/kv/value?" + q({ ns, key }));
    const exp = v.expiration ? new Date(v.expiration * 1000).toISOString().replace(".000", "") : "never";
    $("#kv-detail").replaceChildren(
      el("h3", { text: key }),
      el("dl", {},
        el("dt", { text: "Size" }), el("dd", { text: `${v.size.toLocaleString("en-US")} bytes` }),
        el("dt", { text: "Shown as" }), el("dd", { text: v.encoding }),
        el("dt", { text: "Expires" }), el("dd", { text: exp }),
        el("dt", { text: "Metadata" }), el("dd", { text: v.metadata === undefined ? "none" : JSON.stringify(v.metadata) }),
        el("dt", { text: "Version" }), el("dd", { class: "muted", text: v.version.slice(0, 16) + "…" })),
      el("pre", { id: "kv-value", "data-encoding": v.encoding, tabindex: "0", "aria-label": `Value of ${key}`, text: v.value }),
      el("div", { class: "toolbar" },
        el("button", { type: "button", text: "Edit", "aria-label": `Edit ${key}`, onclick: () => edit(v) }),
        el("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete ${key}`, onclick: () => del(key) })),
    );
  } catch (e) {
    error(e);
  }
}

function edit(v) {
  const f = $("#kv-edit");
  f.hidden = false;
  $("#kv-edit-h").textContent = v ? `Edit ${v.key}` : "New key";
  $("#kv-edit-key").value = v ? v.key : prefix;
  $("#kv-edit-key").readOnly = !!v;
  $("#kv-edit-value").value = v ? v.value : "";
  $("#kv-edit-enc").value = v && v.encoding === "hex" ? "hex" : "text";
  $("#kv-edit-meta").value = v && v.metadata !== undefined ? JSON.stringify(v.metadata) : "";
  $("#kv-edit-ttl").value = "";
  (v ? $("#kv-edit-value") : $("#kv-edit-key")).focus();
}

async function save(e) {
  e.preventDefault();
  error(null);
  const key = $("#kv-edit-key").value;
  const body = { value: $("#kv-edit-value").value, encoding: $("#kv-edit-enc").value };
  const meta = $("#kv-edit-meta").value.trim();
  if (meta) {
    try { body.metadata = JSON.parse(meta); } catch (err) { error(new Error("metadata is not JSON: " + err.message)); return; }
  }
  const ttl = $("#kv-edit-ttl").value.trim();
  if (ttl) body.expiration_ttl = Number(ttl);
  if (!(await confirmAction(`Write key "${key}" in namespace ${ns}?`, "Write"))) return;
  try {
    await api("PUT", "/_arena/kv/value?" + q({ ns, key }), body);
    $("#kv-edit").hidden = true;
    await list();
    show(key);
  } catch (err) {
    error(err);
  }
}

async function del(key) {
  if (!(await confirmAction(`Delete key "${key}" from namespace ${ns}?`, "Delete"))) return;
  error(null);
  try {
    await api("DELETE", "/_arena/kv/value?" + q({ ns, key }));
    $("#kv-detail").replaceChildren(el("p", { class: "muted", text: `Deleted ${key}.` }));
    list();
  } catch (e) {
    error(e);
  }
}
