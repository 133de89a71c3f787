/* A driver's, team's or make's season, /championships/{cid}/drivers/{id}/page (or /teams/...,
   /manufacturers/...; ?table= picks the table, as in the API): standing in every table, results per
   race, points by round. Reads /championships/{cid}/{kind}/{id}; all text goes in through textContent. */
"use strict";

const $ = (id) => document.getElementById(id);
const [, cid, kind, subject] = location.pathname.match(/^\/championships\/([^/]+)\/(drivers|teams|manufacturers)\/([^/]+)\/page/) || [];
const enc = encodeURIComponent;
const STATUS = { classified: "", not_classified: "NC", dnf: "DNF", dns: "DNS", dsq: "DSQ", excluded: "EXC" };

async function getJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status}: ${(await response.json()).detail}`);
  return response.json();
}

function summary(s) {
  const facts = [s.car_number ? `#${s.car_number}` : "", s.team_name ?? "", `class ${s.class_id}`].filter(Boolean);
  const list = el("ul", { class: "standing" }, ...s.standings.map((st) => el("li", {},
    el("strong", { text: `P${st.position}` }), ` ${st.table_name} · ${fmt(st.points)} pts`,
    st.position > 1 ? ` · -${fmt(st.gap_to_leader)}` : "",
    st.clinched ? el("span", { class: "badge champion", text: "champion" }) : "")));
  return [el("p", { class: "facts", text: facts.join(" · ") }), list];
}

function results(s) {
  const heads = [["Round", "n"], ["Race", ""], ["Pos", "n"], ["Pts", "n pts"], ["Bonus", "n mid"], ["", ""]];
  const notes = (r) => [STATUS[r.status] ?? r.status, r.dropped ? "dropped" : "", r.provisional ? "provisional" : ""]
    .filter(Boolean).join(" · ");
  return [el("thead", {}, el("tr", {}, ...heads.map(([h, c]) => el("th", { class: c, text: h })))),
    el("tbody", {}, ...s.results.map((r) => el("tr", { class: r.dropped ? "dropped" : "" },
      ...[r.round, r.race_id, r.class_position ?? "", fmt(r.points), r.bonus ? `+${fmt(r.bonus)}` : "", notes(r)]
        .map((v, i) => el("td", { class: heads[i][1], text: String(v) })))))];
}

async function start() {
  if (!cid) throw new Error("not a season page address");
  const table = new URLSearchParams(location.search).get("table");
  const s = await getJSON(`/championships/${enc(decodeURIComponent(cid))}/${kind}/${enc(decodeURIComponent(subject))}`
    + (table ? `?${new URLSearchParams({ table })}` : ""));
  $("heading").textContent = s.name;
  document.title = `${s.name} · season`;
  $("back").href = `/championships/${cid}/page`;
  $("summary").replaceChildren(...summary(s));
  $("results-box").hidden = !s.results.length;
  $("results").replaceChildren(...results(s));
  const held = s.progression.filter((p) => p.points !== null);
  $("chart-box").hidden = !held.length;
  if (held.length) {
    $("chart-title").textContent = `Points by round · ${s.table}`;
    drawProgression($("chart"), { rounds: held.map((p) => p.round), series: [{ id: s.id, name: s.name, points: held.map((p) => p.points) }] });
  }
}

start().catch((error) => $("summary").replaceChildren(el("p", { class: "error", text: String(error.message || error) })));
