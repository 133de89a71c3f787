/* The standings page for people: "/" lists championships; /championships/{cid}/page shows one
   table kind per tab (every class), a points-by-round chart, and follows the live feed. */
"use strict";

const $ = (id) => document.getElementById(id);
const getJSON = async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.json()).detail}`);
  return response.json();
};
const match = location.pathname.match(/^\/championships\/([^/]+)\/page/);
const state = { cid: match && decodeURIComponent(match[1]), table: null, classId: null, summary: null };

async function listChampionships() {
  const all = await getJSON("/championships");
  $("championships").replaceChildren(...all.map((c) => el("li", {},
    el("a", { href: `/championships/${encodeURIComponent(c.championship_id)}/page`, text: `${c.name} ${c.season ?? ""}` }),
    ` · ${c.classes.map((k) => k.name).join(", ")} · version ${c.version}`)));
  if (!all.length) $("championships").append(el("li", { text: "No championship registered yet." }));
}

function tabs() {
  const ids = [...new Set(state.summary.tables.map((key) => key.split("/")[0]))];
  state.table = state.table || ids[0];
  $("tabs").hidden = false;
  $("tabs").replaceChildren(...ids.map((id) => {
    const button = el("button", { text: id, class: id === state.table ? "on" : "" });
    button.onclick = () => { state.table = id; state.classId = null; tabs(); refresh(); };
    return button;
  }));
}

function row(r) {
  const change = r.change > 0 ? el("span", { class: "up", text: `▲${r.change}` })
    : r.change < 0 ? el("span", { class: "down", text: `▼${-r.change}` }) : "";
  const name = el("td", { text: r.name });
  if (r.clinched) name.append(el("span", { class: "badge champion", text: "champion" }));
  const cells = [r.shared ? `=${r.position}` : r.position, change, r.car_number ?? "", name, r.team_name ?? "",
    fmt(r.points), r.position === 1 ? "" : `-${fmt(r.gap_to_leader)}`, r.wins, r.podiums, r.poles, r.fastest_laps];
  return el("tr", { class: r.position === 1 ? "leader" : "" },
    ...cells.map((c, i) => (c instanceof Node && c.tagName === "TD" ? c : el("td", { class: i >= 5 ? "n" : "" }, c))));
}

function renderTable(t) {
  const heads = ["Pos", "", "#", "Name", "Team", "Pts", "Gap", "Wins", "Podiums", "Poles", "FL"];
  const title = el("h2", { text: `${t.name} · ${t.class_id}` + (t.after_round ? ` · after round ${t.after_round}` : "") });
  if (t.provisional) title.append(el("span", { class: "badge", text: "provisional" }));
  const chart = el("a", { href: "#chart-box", text: " chart" });
  chart.onclick = () => { state.classId = t.class_id; drawChart(); };
  title.append(chart);
  return el("div", { "data-table": `${t.table_id}/${t.class_id}` }, title,
    el("table", {}, el("thead", {}, el("tr", {}, ...heads.map((h, i) => el("th", { class: i >= 5 ? "n" : "", text: h })))),
      el("tbody", {}, ...t.rows.map(row))));
}

async function drawChart() {
  const query = new URLSearchParams({ table: state.table, ...(state.classId ? { class_id: state.classId } : {}) });
  const progression = await getJSON(`/championships/${encodeURIComponent(state.cid)}/progression?${query}`);
  $("chart-box").hidden = !progression.rounds.length;
  $("chart-title").textContent = `Points by round · ${progression.table}`;
  drawProgression($("chart"), progression);
}

async function refresh() {
  const query = new URLSearchParams({ table: state.table });
  const body = await getJSON(`/championships/${encodeURIComponent(state.cid)}/standings?${query}`);
  const order = state.summary.tables;
  body.tables.sort((a, b) => order.indexOf(`${a.table_id}/${a.class_id}`) - order.indexOf(`${b.table_id}/${b.class_id}`));
  if (!body.tables.some((t) => t.class_id === state.classId)) {
    state.classId = (body.tables.find((t) => t.rows.length) || body.tables[0] || {}).class_id || null;
  }
  const held = body.tables.filter((t) => t.rows.length);
  $("tables").replaceChildren(...(held.length ? held : body.tables).map(renderTable));
  await drawChart();
}

let pending = null;
const refreshSoon = () => { clearTimeout(pending); pending = setTimeout(() => refresh().catch(report), 250); };
const report = (error) => $("tables").replaceChildren(el("p", { text: String(error.message || error) }));

async function start() {
  if (!state.cid) return listChampionships();
  state.summary = (await getJSON("/championships")).find((c) => c.championship_id === state.cid);
  if (!state.summary) throw new Error(`unknown championship ${state.cid}`);
  $("heading").textContent = `${state.summary.name} ${state.summary.season ?? ""}`;
  $("championships").hidden = true;
  tabs();
  await refresh();
  follow(state.cid, {}, {
    onSnapshot: refreshSoon,
    onChange: refreshSoon,
    onStatus: (s) => { $("status").className = `status ${s}`; },
  });
}

start().catch(report);
