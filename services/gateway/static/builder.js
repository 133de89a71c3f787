/* Overlay builder: every choice becomes a query parameter of /overlay; the preview follows the URL. */
"use strict";

const $ = (id) => document.getElementById(id);
const FIELDS = ["championship", "table", "class_id", "layout", "driver", "rows", "page_seconds", "theme", "gap", "names",
  "font", "title"];
const DEFAULTS = { table: "drivers", layout: "tower", theme: "dark", gap: "leader" };
const COMPETITOR = { drivers: "Driver", teams: "Team", manufacturers: "Manufacturer" };  // by the table's kind
let championships = [];

const option = (value, text) => { const o = document.createElement("option"); o.value = value; o.textContent = text; return o; };

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function current() { return championships.find((c) => c.championship_id === $("championship").value); }

function fillTables() {
  const champ = current();
  const ids = [...new Set((champ ? champ.tables : []).map((k) => k.split("/")[0]))];
  const keep = $("table").value || DEFAULTS.table;
  $("table").replaceChildren(...(ids.length ? ids : ["drivers"]).map((id) => option(id, id)));
  if (ids.includes(keep)) $("table").value = keep;
  fillClasses();
}

function fillClasses() {
  const champ = current();
  const keys = (champ ? champ.tables : []).filter((k) => k.split("/")[0] === $("table").value).map((k) => k.split("/")[1]);
  const names = new Map((champ ? champ.classes : []).map((c) => [c.id, c.name]));
  const classes = keys.length ? keys : (champ ? champ.classes.map((c) => c.id) : []);
  const keep = $("class_id").value;
  $("class_id").replaceChildren(...classes.map((id) => option(id, id === "overall" ? "Overall" : `${names.get(id) || id} (${id})`)));
  if (classes.includes(keep)) $("class_id").value = keep;
  fillDrivers();
}

async function fillDrivers() {
  const lower = $("layout").value === "lower-third";
  $("driver-field").classList.toggle("hidden", !lower);
  if (!lower || !$("championship").value) return update();
  const keep = $("driver").value;
  const query = new URLSearchParams({ table: $("table").value, class_id: $("class_id").value });
  let rows = [];
  try {
    const [table] = (await getJSON(`/championships/${encodeURIComponent($("championship").value)}/standings?${query}`)).tables;
    rows = table ? table.rows : [];
    $("driver-label").textContent = COMPETITOR[table && table.kind] || "Driver";
  } catch { /* no results yet: the leader, once there is one */ }
  $("driver").replaceChildren(option("", "The leader"), ...rows.map((r) => option(r.id, `${r.position}. ${r.name}`)));
  if (rows.some((r) => r.id === keep)) $("driver").value = keep;
  update();
}

function overlayUrl() {
  const query = new URLSearchParams();
  for (const name of FIELDS) {
    const value = $(name).value.trim();
    if (!value || (name !== "championship" && DEFAULTS[name] === value && name !== "theme")) continue;
    if (name === "driver" && $("layout").value !== "lower-third") continue;
    query.set(name, value);
  }
  return `${location.origin}/overlay?${query}`;
}

function update() {
  const url = overlayUrl();
  $("url").value = url;
  $("open").href = url;
  if ($("frame").src !== url) $("frame").src = url;
  $("preview").className = `preview ${$("backdrop").value}`;
}

async function copy() {
  try {
    await navigator.clipboard.writeText($("url").value);
  } catch {
    $("url").select();
    document.execCommand("copy");
  }
  $("copy").textContent = "Copied";
  setTimeout(() => { $("copy").textContent = "Copy URL"; }, 1500);
}

async function start() {
  try {
    championships = await getJSON("/championships");
  } catch {
    $("hint").textContent = "The gateway did not answer; reload to try again.";
    return;
  }
  $("championship").replaceChildren(...championships.map((c) => option(c.championship_id, `${c.name} (${c.championship_id})`)));
  if (!championships.length) $("hint").textContent = "No championship registered yet.";
  $("championship").addEventListener("change", fillTables);
  $("table").addEventListener("change", fillClasses);
  $("class_id").addEventListener("change", fillDrivers);
  $("layout").addEventListener("change", fillDrivers);
  for (const name of ["driver", "rows", "page_seconds", "theme", "gap", "names", "font", "title", "backdrop"]) {
    $(name).addEventListener(["font", "title", "rows", "page_seconds"].includes(name) ? "input" : "change", update);
  }
  $("copy").addEventListener("click", copy);
  fillTables();
}

start();
