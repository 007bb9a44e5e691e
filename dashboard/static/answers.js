// The wine answers admin view: the five categories through the same /answers API
// the front end uses (so the same validation and errors), and the lost-update
// warnings (GET /_arena/lost) with a one-click re-add.
import { $, el, api, confirmAction } from "./util.js";

const CATS = ["color", "country", "grape", "vintage", "wine"];
const lists = {};

export function initAnswers() {
  $("#ans-add").addEventListener("submit", async (e) => {
    e.preventDefault();
    const cat = $("#ans-cat").value, label = $("#ans-label").value;
    if (await write(`add to ${cat}`, () => api("POST", `/answers/${cat}`, { label }), cat)) $("#ans-label").value = "";
  });
  $("#ans-reload").addEventListener("click", loadAll);
  $("#lost-check").addEventListener("click", loadLost);
  loadAll();
  // No stream tells of another process's writes: look again while the page is looked at.
  setInterval(() => { if (document.visibilityState === "visible") loadLost(); }, 5000);
}

async function loadAll() {
  try {
    const all = await api("GET", "/answers");
    for (const c of CATS) lists[c] = all[c] || [];
    render();
  } catch (e) {
    $("#ans-error").textContent = "loading answers: " + e.message;
  }
  loadLost();
}

async function loadCat(cat) {
  lists[cat] = await api("GET", `/answers/${cat}`);
  render();
}

// write runs one API change, shows its error as the API words it, reloads the
// category and the lost list; true when it worked.
async function write(what, fn, cat) {
  $("#ans-error").textContent = "";
  let ok = true;
  try {
    await fn();
  } catch (e) {
    ok = false;
    $("#ans-error").textContent = `${what}: ${e.message}`;
    $("#ans-error").dataset.code = e.code || "";
  }
  try { await loadCat(cat); } catch { /* shown on the next load */ }
  loadLost();
  document.dispatchEvent(new Event("arena:changed"));
  return ok;
}

function render() {
  const box = $("#ans-lists");
  box.replaceChildren(...CATS.map((cat) => {
    const items = (lists[cat] || []).map((a) => entry(cat, a));
    return el("div", { class: "cat", "data-category": cat },
      el("h3", { id: `cat-${cat}`, text: `${cat} (${(lists[cat] || []).length})` }),
      el("ul", { "aria-labelledby": `cat-${cat}` }, ...items));
  }));
}

function entry(cat, a) {
  const li = el("li", { "data-id": a.id },
    el("span", { class: "lbl", text: a.label, title: `id ${a.id}, added ${a.createdAt}` }),
    a.custom ? el("span", { class: "badge", text: "custom" }) : null,
    el("button", { type: "button", text: "Rename", "aria-label": `Rename ${a.label} in ${cat}`, onclick: () => rename(cat, a, li) }),
    el("button", { type: "button", class: "danger", text: "Remove", "aria-label": `Remove ${a.label} from ${cat}`,
      onclick: async () => {
        if (await confirmAction(`Remove "${a.label}" from ${cat}?`, "Remove")) {
          write(`remove ${a.label}`, () => api("DELETE", `/answers/${cat}/${encodeURIComponent(a.id)}`), cat);
        }
      } }),
  );
  return li;
}

// rename is what the API documents: the same id takes a PUT (a corrected label);
// another id is a POST of the new answer, then a DELETE of the old one.
function rename(cat, a, li) {
  const input = el("input", { value: a.label, "aria-label": `New label for ${a.label}`, maxlength: "200" });
  const save = async () => {
    const label = input.value;
    if (label.trim() === a.label) { render(); return; }
    await write(`rename ${a.label}`, async () => {
      try {
        await api("PUT", `/answers/${cat}/${encodeURIComponent(a.id)}`, { label, custom: a.custom });
      } catch (e) {
        if (e.code !== "id_mismatch") throw e;
        await api("POST", `/answers/${cat}`, { label, custom: a.custom });
        await api("DELETE", `/answers/${cat}/${encodeURIComponent(a.id)}`);
      }
    }, cat);
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") save();
    if (e.key === "Escape") render();
  });
  li.replaceChildren(input,
    el("button", { type: "button", text: "Save", "aria-label": `Save the new label of ${a.label}`, onclick: save }),
    el("button", { type: "button", text: "Cancel", onclick: render }));
  input.focus();
  input.select();
}

async function loadLost() {
  let rep;
  try {
    rep = await api("GET", "/_arena/lost");
  } catch (e) {
    $("#lost").replaceChildren(el("p", { class: "error", text: "lost updates: " + e.message }));
    return;
  }
  const box = $("#lost");
  box.dataset.count = String(rep.events.length);
  // --kv-limits: writes KV refused (nothing stored, nothing lost), named apart from lost updates.
  const refused = (rep.refused || []).slice().reverse().map((ev) => el("div", { class: "refused", "data-seq": String(ev.seq), "data-category": ev.category || "" },
    el("strong", { text: `Refused by KV in ${ev.category || ev.key}` }),
    el("span", { class: "muted", text: ` ${ev.time.slice(0, 19).replace("T", " ")} UTC — ${ev.message}: ${ev.detail}. Nothing was stored and nothing was lost; the API answered 500 as the Worker does.` }),
  ));
  box.dataset.refused = String(refused.length);
  if (!rep.events.length) {
    box.replaceChildren(el("p", { class: "muted", text: "No lost updates seen." }), ...refused);
    return;
  }
  box.replaceChildren(...refused, ...rep.events.slice().reverse().map((ev) => el("div", { class: "lost", role: "alert", "data-seq": String(ev.seq), "data-category": ev.category },
    el("strong", { text: `Lost update in ${ev.category}` }),
    el("span", { class: "muted", text: ` ${ev.time.slice(0, 19).replace("T", " ")} UTC — another writer rewrote ${ev.key} without ` +
      (ev.found_by === "write" ? "this process's last write (noticed by the next write)" : "this process's last write") }),
    el("ul", {}, ...ev.lost.map((x) => el("li", { "data-id": x.id },
      `${x.label} (${x.id}) `,
      x.present
        ? el("span", { class: "restored", text: "is back in the list" })
        : el("button", { type: "button", text: "Re-add", "aria-label": `Re-add ${x.label} to ${ev.category}`,
          onclick: () => write(`re-add ${x.label}`, () => api("PUT", `/answers/${ev.category}/${encodeURIComponent(x.id)}`, { label: x.label, custom: x.custom }), ev.category) }),
    ))),
  )));
}
