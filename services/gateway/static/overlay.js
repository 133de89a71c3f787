/* Broadcast overlay: one table, live, in one of four layouts (overlay-layouts.js), with FLIP-animated
   reordering. Query parameters: see overlay.html. Names from the feed are only ever set as text. */
"use strict";

const params = new URLSearchParams(location.search);
const oneOf = (value, allowed, fallback) => (allowed.includes(value) ? value : fallback);
const clamp = (n, lo, hi) => Math.min(hi, Math.max(lo, n));
const LAYOUT = oneOf(params.get("layout"), Object.keys(LAYOUTS), "tower");
const cfg = {
  championship: params.get("championship"),
  table: params.get("table") || "drivers",
  classId: params.get("class_id"),
  layout: LAYOUT,
  rows: clamp(Math.floor(Number(params.get("rows"))) || LAYOUTS[LAYOUT].rows, 1, 60),
  pageSeconds: clamp(Number(params.get("page_seconds")) || 8, 2, 600),
  driver: params.get("driver"),
  gap: oneOf(params.get("gap"), ["leader", "interval"], "leader"),
  names: oneOf(params.get("names"), ["full", "short"], LAYOUTS[LAYOUT].names),
  title: params.get("title"),
};
document.body.dataset.layout = cfg.layout;
document.body.dataset.theme = oneOf(params.get("theme"), ["dark", "light", "transparent"], "dark");
const font = (params.get("font") || "").replace(/[^A-Za-z0-9 -]/g, "").slice(0, 60).trim();
if (font) document.body.style.fontFamily = `"${font}", "DejaVu Sans", Arial, sans-serif`;

const $ = (id) => document.getElementById(id);
const state = { table: null, page: 0, pages: 1, timer: null };
let brand = { classes: [], teams: {}, manufacturers: {}, drivers: {} };
let teamByName = new Map();

/* Branding (GET /championships/{cid}/branding): colours, short names, codes; defaults when missing. */
const colour = (c) => (/^#[0-9a-fA-F]{6}$/.test(c || "") ? c : null);
const classInfo = (id) => brand.classes.find((c) => c.id === id)
  || { id, name: id === "overall" ? "" : id, short_name: id === "overall" ? "" : String(id).toUpperCase(), colour: "#d5001c" };

/* The branding of a table's competitors by id: brand.drivers, brand.teams or brand.manufacturers. */
const brandOf = (table) => brand[table.kind] || {};

/* A driver's row has their team's colour; a team's or a make's row its own (a make looks like a team). */
function rowColour(row, table) {
  if (table.class_id === "overall" && table.kind === "drivers") return colour(classInfo(row.class_id).colour);
  const team = table.kind !== "drivers" ? brandOf(table)[row.id]
    : brand.teams[(brand.drivers[row.id] || {}).team_id] || teamByName.get(row.team_name);
  return colour(team && team.colour) || colour(classInfo(row.class_id).colour);
}

function names(row, table) {
  if (table.kind !== "drivers") {
    const team = brandOf(table)[row.id] || {};
    return { full: row.name, short: team.short_name || row.name, code: team.short_name || row.name };
  }
  const driver = brand.drivers[row.id] || {};
  const words = row.name.split(/\s+/);
  const short = driver.short_name || (words.length > 1 ? `${words[0][0]}. ${words.slice(1).join(" ")}` : row.name);
  const code = driver.code || words[words.length - 1].slice(0, 3).toUpperCase();
  return { full: row.name, short, code };
}

/* A name cell: full (or short, names=short) text, with fallbacks fit() uses when it does not fit. */
function nameCell(row, table, cls = "name") {
  const n = names(row, table);
  const node = el("span", { class: `${cls} fit`, text: cfg.names === "short" ? n.code : n.full });
  if (cfg.names === "full") { node.dataset.short = n.short; node.dataset.code = n.code; }
  return node;
}

/* Replace overflowing text by its shorter forms (set as text, never markup). */
function fit(root = document) {
  for (const node of root.querySelectorAll(".fit")) {
    for (const fallback of [node.dataset.short, node.dataset.code]) {
      if (node.scrollWidth <= node.clientWidth || !fallback) break;
      node.textContent = fallback;
    }
  }
}

function gapText(row) {
  if (row.clinched) return { text: "Champion", cls: "gap champion" };
  if (row.position === 1 && !row.shared) return { text: "Leader", cls: "gap" };
  const value = cfg.gap === "interval" ? row.gap_to_ahead : row.gap_to_leader;
  if (value === null || value === undefined) return { text: "", cls: "gap" };
  return { text: value === 0 ? "=" : `-${fmt(value)}`, cls: "gap" };
}

function arrow(change) {
  if (change > 0) return el("span", { class: "arrow up", text: `▲${change}` });
  if (change < 0) return el("span", { class: "arrow down", text: `▼${-change}` });
  return el("span", { class: "arrow same", text: change === 0 ? "–" : "" });
}

function paint(node, c) { if (c) node.style.background = c; return node; }

/* FLIP: measure First, reorder to the Last layout, Invert with a transform, Play to zero. */
function flip(list, next, moves = []) {
  const first = new Map([...list.children].map((li) => [li.dataset.id, li.getBoundingClientRect().top]));
  list.replaceChildren(...next);
  fit(list);
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
}

function flash(li, cls) {
  li.classList.remove("flash-up", "flash-down");
  void li.offsetWidth; // restart the animation
  li.classList.add(cls);
}

/* Reuse the <li> of each competitor already shown, so FLIP can move it. */
function items(list, rows, fill) {
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  return rows.map((row) => {
    const li = existing.get(row.id) || el("li", { class: "row entering", "data-id": row.id });
    li.className = li.classList.contains("entering") ? "row entering" : "row";
    fill(li, row);
    return li;
  });
}

function header(table) {
  const info = classInfo(table ? table.class_id : cfg.classId || "");
  const tableName = table ? table.name : cfg.table.charAt(0).toUpperCase() + cfg.table.slice(1);
  const title = $("title");
  title.textContent = cfg.title || (info.short_name ? `${tableName} · ${info.short_name}` : tableName);
  title.dataset.short = cfg.title ? "" : info.short_name || tableName;
  const round = $("round");
  const extra = LAYOUTS[cfg.layout].round;
  round.textContent = table && table.after_round ? (extra ? extra(table) : `after round ${table.after_round}`) : "";
  round.dataset.short = table && table.after_round ? `R${table.after_round}` : "";
  $("provisional").hidden = !(table && table.provisional);
  document.body.style.setProperty("--class", colour(info.colour) || "#d5001c");
  fit($("header"));
}

/* One view at a time: the layout's rows, or a message. */
function show(view) {
  for (const id of ["rows", "ticker", "colhead", "message"]) $(id).hidden = !view.includes(id);
  const third = document.querySelector(".lower");
  if (third) third.hidden = !view.includes("lower");
}

function message(title, text, detail = "") {
  clearInterval(state.timer);
  state.timer = null;
  show(["message"]);
  $("message").replaceChildren(text, ...(detail ? [el("small", { text: detail })] : []));
  document.body.dataset.view = "message";
  if (title !== null) {
    $("title").textContent = title;
    $("title").dataset.short = "";
    $("round").textContent = "";
    $("provisional").hidden = true;
    fit($("header"));
  }
}

function draw(moves = []) {
  const table = state.table;
  header(table);
  if (!table || !table.rows.length) {
    message(null, "No results yet", "The standings appear here after the first race is classified.");
    document.body.dataset.view = "empty";
    return;
  }
  document.body.dataset.view = "table";
  LAYOUTS[cfg.layout].draw(table, moves);
}

/* Pages for layouts with more rows than fit: cycle every page_seconds. */
function paginate(pages) {
  state.pages = pages;
  if (state.page >= pages) state.page = 0;
  if (pages > 1 && !state.timer) {
    state.timer = setInterval(() => { state.page = (state.page + 1) % state.pages; draw(); }, cfg.pageSeconds * 1000);
  } else if (pages <= 1 && state.timer) {
    clearInterval(state.timer);
    state.timer = null;
  }
}

function setStatus(status) {
  $("status").className = `status ${status}`;
  document.body.dataset.status = status;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

let brandLoading = null;
function loadBranding() {
  brandLoading = brandLoading || getJSON(`/championships/${encodeURIComponent(cfg.championship)}/branding`)
    .then((b) => { brand = b; teamByName = new Map(Object.values(b.teams).map((t) => [t.name, t])); })
    .catch(() => {})
    .finally(() => { brandLoading = null; });
  return brandLoading;
}

const pick = (tables) => tables.find((t) => t.table_id === cfg.table && (!cfg.classId || t.class_id === cfg.classId));

async function start() {
  if (!cfg.championship) {
    message("Standings overlay", "Add ?championship=<id> to the URL", "Or build one at /overlay/builder.");
    return;
  }
  let summaries;
  try {
    summaries = await getJSON("/championships");
  } catch {
    setStatus("reconnecting");
    setTimeout(start, 2000);
    return;
  }
  const champ = summaries.find((c) => c.championship_id === cfg.championship);
  if (!champ) {
    setStatus("error");
    message("Unknown championship", `No championship '${cfg.championship}'.`,
      `Championships: ${summaries.map((c) => c.championship_id).join(", ") || "none yet"}`);
    setTimeout(start, 5000); // an overlay set up before the registration is projected shows it once it is
    return;
  }
  await loadBranding();
  if (cfg.classId && cfg.classId !== "overall" && !champ.classes.some((c) => c.id === cfg.classId)) {
    setStatus("error");
    message("Unknown class", `'${cfg.classId}' is not a class of ${champ.name}.`,
      `Classes: ${champ.classes.map((c) => `${c.name} (${c.id})`).join(", ")}`);
    return;
  }
  // Before its first result a table does not exist yet: follow the whole championship until it does.
  const exists = champ.tables.some((k) => k.split("/")[0] === cfg.table && (!cfg.classId || k.split("/")[1] === cfg.classId));
  draw();
  follow(cfg.championship, exists ? { table: cfg.table, class_id: cfg.classId } : {}, {
    onSnapshot: (snap) => {
      state.table = pick(snap.tables) || null;
      draw();
      loadBranding().then(() => draw());
    },
    onChange: (event) => {
      const t = pick(event.payload.tables);
      if (!t) return;
      const diff = event.payload.changes.find((c) => c.table_id === t.table_id && c.class_id === t.class_id);
      state.table = t;
      draw(diff ? diff.moves : []);
      if (t.rows.some((r) => !(r.id in brandOf(t)))) loadBranding().then(() => draw());
    },
    onStatus: setStatus,
  });
}

start();
