/* The standings page for people: "/" lists championships; /championships/{cid}/page shows one
   table kind per tab (every class), a points-by-round chart whose legend and table rows share the
   lines' colours (hover one to highlight that line), and follows the live feed. Each name links to
   that driver's, team's or make's season page; a row level on points with another says under the
   name why it ranks there (its tiebreak). All text goes in through textContent. */
"use strict";

const $ = (id) => document.getElementById(id);
const getJSON = async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.json()).detail}`);
  return response.json();
};
const match = location.pathname.match(/^\/championships\/([^/]+)\/page/);
const state = { cid: match && decodeURIComponent(match[1]), table: null, classId: null, summary: null, progression: null,
  version: null };
const enc = encodeURIComponent;

/* "after round 4", "after round 4 · provisional", or "no results yet", from the current tables. */
function progressNote(tables) {
  const rounds = tables.map((t) => t.after_round).filter((r) => r !== null);
  if (!rounds.length) return "no results yet";
  return `after round ${Math.max(...rounds)}` + (tables.some((t) => t.provisional) ? " · provisional" : "");
}

async function listChampionships() {
  const all = await getJSON("/championships");
  const notes = await Promise.all(all.map((c) => getJSON(`/championships/${enc(c.championship_id)}/standings`)
    .then((body) => progressNote(body.tables), () => "")));
  $("championships").replaceChildren(...all.map((c, i) => el("li", {},
    el("a", { href: `/championships/${enc(c.championship_id)}/page`, text: `${c.name} ${c.season ?? ""}` }),
    el("span", { class: "classes", text: c.classes.map((k) => k.name).join(", ") }),
    el("span", { class: "note", text: notes[i] }))));
  if (!all.length) $("championships").append(el("li", { text: "No championship registered yet." }));
}

function tabs() {
  const ids = [...new Set(state.summary.tables.map((key) => key.split("/")[0]))];
  state.table = state.table || ids[0];
  $("tabs").hidden = false;
  $("tabs").replaceChildren(...ids.map((id) => {
    const button = el("button", { text: id, class: id === state.table ? "on" : "" });
    button.onclick = () => { state.table = id; state.classId = null; tabs(); refresh().catch(report); };
    return button;
  }));
}

/* Columns: heading, class (n: numeric; wide: hidden under 720 px; mid: hidden under 440 px). */
const COLUMNS = [["Pos", ""], ["", "mid"], ["#", "mid"], ["Name", "name"], ["Team", "wide"], ["Pts", "n pts"], ["Gap", "n"],
  ["Wins", "n wide"], ["Podiums", "n wide"], ["Poles", "n wide"], ["FL", "n wide"]];

function row(t, r) {
  const change = r.change > 0 ? el("span", { class: "up", text: `▲${r.change}` })
    : r.change < 0 ? el("span", { class: "down", text: `▼${-r.change}` }) : "";
  const season = `/championships/${enc(state.cid)}/${t.kind}/${enc(r.id)}/page?table=${enc(t.table_id)}`;
  const name = el("td", { class: "name" }, el("span", { class: "swatch" }), el("a", { href: season, text: r.name }));
  if (r.clinched) name.append(el("span", { class: "badge champion", text: "champion" }));
  if (r.tiebreak) name.append(el("small", { class: "why", text: r.tiebreak.text }));
  const cells = [r.shared ? `=${r.position}` : r.position, change, r.car_number ?? "", name, r.team_name ?? "",
    fmt(r.points), r.position === 1 ? "" : `-${fmt(r.gap_to_leader)}`, r.wins, r.podiums, r.poles, r.fastest_laps];
  return el("tr", { class: r.position === 1 ? "leader" : "", "data-id": r.id },
    ...cells.map((c, i) => (c === name ? name : el("td", { class: COLUMNS[i][1] }, c))));
}

/* Whether the row's table is the one the chart shows. */
const charted = (tr) => state.progression && tr.closest("[data-table]").dataset.table === state.progression.table;

/* The line of the charted row under the pointer is highlighted. The handlers are on #tables, which
   outlives re-renders: a row replaced under the pointer is found again by the next mouseover. */
function hoverRows() {
  $("tables").onmouseover = (event) => {
    const tr = event.target.closest("tr[data-id]");
    highlight($("chart"), tr && charted(tr) ? tr.dataset.id : null);
  };
  $("tables").onmouseleave = () => highlight($("chart"), null);
}

function renderTable(t) {
  const title = el("h2", { text: `${t.name} · ${t.class_id}` + (t.after_round ? ` · after round ${t.after_round}` : "") });
  if (t.provisional) title.append(el("span", { class: "badge", text: "provisional" }));
  const chart = el("a", { href: "#chart-box", class: "chart-link", text: "chart" });
  chart.onclick = () => { state.classId = t.class_id; drawChart().catch(report); };
  title.append(chart);
  return el("div", { "data-table": `${t.table_id}/${t.class_id}` }, title,
    el("div", { class: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ...COLUMNS.map(([h, c]) => el("th", { class: c, text: h })))),
      el("tbody", {}, ...t.rows.map((r) => row(t, r))))));
}

/* The chart from state.progression, and its colours on the rows of the table it shows. */
function paint() {
  const progression = state.progression;
  $("chart-box").hidden = !progression.rounds.length;
  $("chart-title").textContent = `Points by round · ${progression.table}`;
  const colors = $("chart-box").hidden ? {} : drawProgression($("chart"), progression);
  for (const tr of document.querySelectorAll("#tables tr[data-id]")) {
    const color = charted(tr) ? colors[tr.dataset.id] : undefined;
    const swatch = tr.querySelector(".swatch");
    swatch.style.backgroundColor = color || "";
    swatch.classList.toggle("shown", Boolean(color));
  }
}

async function drawChart() {
  const query = new URLSearchParams({ table: state.table, ...(state.classId ? { class_id: state.classId } : {}) });
  state.progression = await getJSON(`/championships/${enc(state.cid)}/progression?${query}`);
  paint();
}

async function refresh() {
  const query = new URLSearchParams({ table: state.table });
  const body = await getJSON(`/championships/${enc(state.cid)}/standings?${query}`);
  const order = state.summary.tables;
  body.tables.sort((a, b) => order.indexOf(`${a.table_id}/${a.class_id}`) - order.indexOf(`${b.table_id}/${b.class_id}`));
  if (!body.tables.some((t) => t.class_id === state.classId)) {
    state.classId = (body.tables.find((t) => t.rows.length) || body.tables[0] || {}).class_id || null;
  }
  const held = body.tables.filter((t) => t.rows.length);
  state.version = body.version;
  $("updated").textContent = progressNote(body.tables);
  $("tables").replaceChildren(...(held.length ? held : body.tables).map(renderTable));
  await drawChart();
}

let pending = null;
const refreshSoon = () => { clearTimeout(pending); pending = setTimeout(() => refresh().catch(report), 250); };
/* The feed's snapshot on connecting is usually the version already shown: nothing to draw again. */
const refreshIfNewer = (version) => version !== state.version && refreshSoon();
const report = (error) => $("tables").replaceChildren(el("p", { text: String(error.message || error) }));
let resized = null;
window.addEventListener("resize", () => {
  clearTimeout(resized);
  resized = setTimeout(() => state.progression && paint(), 150);
});

async function start() {
  if (!state.cid) return listChampionships();
  state.summary = (await getJSON("/championships")).find((c) => c.championship_id === state.cid);
  if (!state.summary) throw new Error(`unknown championship ${state.cid}`);
  $("heading").textContent = `${state.summary.name} ${state.summary.season ?? ""}`;
  document.title = `${state.summary.name} ${state.summary.season ?? ""} · standings`;
  $("championships").hidden = true;
  tabs();
  hoverRows();
  await refresh();
  follow(state.cid, {}, {
    onSnapshot: (snapshot) => refreshIfNewer(snapshot.version),
    onChange: (change) => refreshIfNewer(change.payload.version),
    onStatus: (s) => { $("status").className = `status ${s}`; },
  });
}

start().catch(report);
