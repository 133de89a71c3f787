/* Broadcast overlay: one table, live, with FLIP-animated reordering. See overlay.html for the query. */
"use strict";

const params = new URLSearchParams(location.search);
const cfg = {
  championship: params.get("championship"),
  table: params.get("table") || "drivers",
  classId: params.get("class_id"),
  rows: Math.max(1, Number(params.get("rows")) || 10),
  title: params.get("title"),
};
document.body.dataset.theme = params.get("theme") === "light" ? "light" : "dark";
const list = document.getElementById("rows");

const pick = (tables) => tables.find((t) => t.table_id === cfg.table && (!cfg.classId || t.class_id === cfg.classId));

function arrow(change) {
  if (change > 0) return el("span", { class: "arrow up", text: `▲${change}` });
  if (change < 0) return el("span", { class: "arrow down", text: `▼${-change}` });
  return el("span", { class: "arrow same", text: change === 0 ? "–" : "" });
}

function fill(li, row) {
  const gap = row.position === 1 && !row.shared ? "Leader" : row.gap_to_leader ? `-${fmt(row.gap_to_leader)}` : "";
  const name = el("span", { class: "name", text: row.name }, el("small", { text: row.team_name || "" }));
  if (row.clinched) name.firstChild.after(el("span", { class: "badge champion", text: "Champion" }));
  li.replaceChildren(
    el("span", { class: "pos", text: row.shared ? `=${row.position}` : String(row.position) }),
    arrow(row.change),
    el("span", { class: "num", text: row.car_number ? `#${row.car_number}` : "" }),
    name,
    el("span", { class: "pts", text: fmt(row.points) }),
    el("span", { class: "gap", text: gap }),
  );
  li.classList.toggle("leader", row.position === 1);
  li.classList.toggle("clinched", row.clinched);
}

/* FLIP: measure First, reorder to the Last layout, Invert with a transform, Play to zero. */
function render(table, moves = []) {
  const first = new Map([...list.children].map((li) => [li.dataset.id, li.getBoundingClientRect().top]));
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const shown = table.rows.slice(0, cfg.rows);
  const next = shown.map((row) => {
    const li = existing.get(row.id) || el("li", { class: "row entering", "data-id": row.id });
    fill(li, row);
    return li;
  });
  list.replaceChildren(...next);
  const moved = new Map(moves.map((m) => [m.id, m]));
  for (const li of next) {
    const before = first.get(li.dataset.id);
    const delta = before === undefined ? 0 : before - li.getBoundingClientRect().top;
    const move = moved.get(li.dataset.id);
    if (move && move.from) flash(li, move.to < move.from ? "flash-up" : "flash-down");
    if (!delta) continue;
    li.style.transition = "none";
    li.style.transform = `translateY(${delta}px)`;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      li.style.transition = "transform 700ms cubic-bezier(.2, .8, .2, 1)";
      li.style.transform = "";
    }));
  }
  header(table);
}

function flash(li, cls) {
  li.classList.remove("flash-up", "flash-down");
  void li.offsetWidth; // restart the animation
  li.classList.add(cls);
}

function header(table) {
  const cls = table.class_id === "overall" ? "" : ` · ${table.class_id.toUpperCase()}`;
  document.getElementById("title").textContent = cfg.title || `${table.name}${cls}`;
  document.getElementById("round").textContent = table.after_round ? `after round ${table.after_round}` : "";
  document.getElementById("provisional").hidden = !table.provisional;
}

function setStatus(state) {
  document.getElementById("status").className = `status ${state}`;
  document.body.dataset.status = state;
}

if (!cfg.championship) {
  document.getElementById("title").textContent = "add ?championship=<id> to the URL";
} else {
  follow(cfg.championship, { table: cfg.table, class_id: cfg.classId }, {
    onSnapshot: (snap) => { const t = pick(snap.tables); if (t) render(t); },
    onChange: (event) => {
      const t = pick(event.payload.tables);
      const diff = event.payload.changes.find((c) => t && c.table_id === t.table_id && c.class_id === t.class_id);
      if (t) render(t, diff ? diff.moves : []);
    },
    onStatus: setStatus,
  });
}
