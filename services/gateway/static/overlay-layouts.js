/* The overlay's layouts, chosen by ?layout=. Each has default rows and names, an optional header
   text for "round", and draw(table, moves). Helpers (el, fmt, $, cfg, state, names, nameCell, fit,
   flip, items, show, paginate, rowColour, gapText, arrow, paint) come from common.js and overlay.js. */
"use strict";

const CANVAS_SAFE_HEIGHT = 972; // 1080 minus the title-safe margins

/* Row height so that n rows fit under the board's header: between minH and maxH, else paginate.
   Returns how many rows one page holds. */
function sizeRows(n, maxH, minH) {
  const rows = $("rows");
  const avail = CANVAS_SAFE_HEIGHT - rows.offsetTop - 12;
  const h = Math.min(maxH, Math.floor(avail / Math.max(n, 1)) - 6);
  if (h >= minH) {
    document.body.style.setProperty("--row-h", `${h}px`);
    return Math.max(n, 1);
  }
  document.body.style.setProperty("--row-h", `${maxH}px`);
  return Math.max(1, Math.floor(avail / (maxH + 6)));
}

function colhead(labels) {
  $("colhead").replaceChildren(...labels.map(([cls, text]) => el("span", { class: cls, text })));
}

const position = (row) => (row.shared ? `=${row.position}` : String(row.position));

function tower(table, moves) {
  show(["rows", "colhead"]);
  $("board").classList.toggle("no-num", table.kind !== "drivers");  // teams and makes have no car number
  const all = table.rows.slice(0, cfg.rows);
  const perPage = sizeRows(all.length, 46, 30);
  paginate(Math.ceil(all.length / perPage));
  const shown = all.slice(state.page * perPage, (state.page + 1) * perPage);
  colhead([["", ""], ["", ""], ["", ""], ["", ""], ["pager", state.pages > 1 ? `${state.page + 1}/${state.pages}` : ""],
    ["pts", "PTS"], ["gap", cfg.gap === "interval" ? "INT" : "GAP"]]);
  const fill = (li, row) => {
    const gap = gapText(row);
    li.replaceChildren(
      paint(el("span", { class: "bar" }), rowColour(row, table)),
      el("span", { class: "pos", text: position(row) }),
      arrow(row.change),
      el("span", { class: "num", text: table.kind === "drivers" && row.car_number ? `#${row.car_number}` : "" }),
      nameCell(row, table),
      el("span", { class: "pts", text: fmt(row.points) }),
      el("span", { class: gap.cls, text: gap.text }),
    );
    li.classList.toggle("leader", row.position === 1);
    li.classList.toggle("clinched", row.clinched);
  };
  flip($("rows"), items($("rows"), shown, fill), moves);
}

function titleFight(table, moves) {
  show(["rows", "colhead"]);
  const all = table.rows.slice(0, cfg.rows);
  const perPage = sizeRows(all.length, 72, 40);
  paginate(Math.ceil(all.length / perPage));
  const shown = all.slice(state.page * perPage, (state.page + 1) * perPage);
  const scale = Math.max(1, ...all.map((r) => r.max_points ?? r.points));
  colhead([["", ""], ["", ""], ["pager", state.pages > 1 ? `${state.page + 1}/${state.pages}` : ""],
    ["", "POINTS · STILL POSSIBLE"], ["pts", "PTS"], ["gap", "GAP"], ["pts", "MAX"], ["", ""]]);
  const fill = (li, row) => {
    const gap = gapText(row);
    const max = row.max_points ?? row.points;
    const bar = el("span", { class: "reach" }, el("i", { class: "max" }), el("i", { class: "now" }));
    bar.children[0].style.width = `${(100 * max) / scale}%`;
    bar.children[1].style.width = `${(100 * row.points) / scale}%`;
    const standing = row.clinched ? ["state champion", "Champion"]
      : row.can_still_win ? ["state alive", "In contention"] : ["state", "Out"];
    li.replaceChildren(
      paint(el("span", { class: "bar" }), rowColour(row, table)),
      el("span", { class: "pos", text: position(row) }),
      nameCell(row, table),
      bar,
      el("span", { class: "pts", text: fmt(row.points) }),
      el("span", { class: row.clinched ? "gap" : gap.cls, text: row.clinched ? "" : gap.text }),
      el("span", { class: "pts", text: row.max_points === null ? "–" : fmt(row.max_points) }),
      el("span", { class: standing[0], text: standing[1] }),
    );
    li.classList.toggle("leader", row.position === 1);
    li.classList.toggle("clinched", row.clinched);
    li.classList.toggle("out", !row.can_still_win && !row.clinched);
  };
  flip($("rows"), items($("rows"), shown, fill), moves);
}

function titleRound(table) {
  const leader = table.rows[0];
  if (!table.races_remaining) return `after round ${table.after_round} · final`;
  const races = `${table.races_remaining} race${table.races_remaining === 1 ? "" : "s"} left`;
  const left = leader && leader.max_points !== null ? ` · ${fmt(leader.max_points - leader.points)} pts to play for` : "";
  return races + left;
}

function lowerThird(table) {
  let box = document.querySelector(".lower");
  if (!box) {
    box = el("div", { class: "lower" });
    $("board").insertBefore(box, $("reconnecting"));
  }
  const row = cfg.driver ? table.rows.find((r) => r.id === cfg.driver) : table.rows[0];
  if (!row) {
    message(null, `No '${cfg.driver}' in this table`, `Pick one of: ${table.rows.slice(0, 8).map((r) => r.id).join(", ")}…`);
    return;
  }
  show(["lower"]);
  const n = names(row, table);
  const figure = (value, label) => el("div", { class: "figure" }, el("b", { class: "fit", text: value }), el("span", { text: label }));
  const gap = row.clinched ? ["✓", "CHAMPION"] : row.position === 1 && !row.shared ? ["—", "LEADER"]
    : [gapText(row).text, cfg.gap === "interval" ? "INTERVAL" : "GAP"];
  const who = el("div", { class: "who" },
    el("b", { class: "fit", text: cfg.names === "short" ? n.code : n.full, "data-short": n.short, "data-code": n.code }),
    el("span", { class: "fit", text: [row.car_number && `#${row.car_number}`, row.team_name].filter(Boolean).join(" · ") }));
  const results = row.results.slice(-5).map((r) => el("span", { class: `result${r.class_position === 1 ? " win" : ""}` },
    el("small", { text: `R${r.round}` }),
    document.createTextNode(r.status === "classified" && r.class_position ? `P${r.class_position}` : r.status.toUpperCase().slice(0, 3)),
    el("small", { text: `+${fmt(r.points + r.bonus)}` })));
  box.replaceChildren(
    el("div", { class: "third" }, paint(el("span", { class: "bar" }), rowColour(row, table)),
      el("span", { class: "pos", text: position(row) }), who, figure(fmt(row.points), "PTS"), figure(...gap)),
    el("div", { class: "results" }, el("span", { class: "label", text: "LAST RESULTS" }), ...results),
  );
  fit(box);
}

function ticker(table) {
  show(["ticker"]);
  const view = $("ticker");
  const shown = table.rows.slice(0, cfg.rows);
  const tick = (row) => {
    const gap = gapText(row);
    return el("span", { class: "tick" },
      el("span", { class: "pos", text: position(row) }),
      paint(el("span", { class: "bar" }), rowColour(row, table)),
      nameCell(row, table),
      el("span", { class: "pts", text: `${fmt(row.points)} PTS` }),
      el("span", { class: gap.cls, text: gap.text }));
  };
  const track = el("div", { class: "ticker-track" }, ...shown.map(tick), ...shown.map(tick)); // twice: a seamless loop
  const old = state.scroll;
  const progress = old && old.currentTime !== null ? (old.currentTime / old.effect.getTiming().duration) % 1 : 0;
  if (old) old.cancel();
  view.replaceChildren(track);
  const half = track.scrollWidth / 2;
  const duration = Math.max(4000, (half / 90) * 1000); // 90 px/s
  state.scroll = track.animate([{ transform: "translateX(0)" }, { transform: `translateX(-${half}px)` }],
    { duration, iterations: Infinity });
  state.scroll.id = "ticker";
  state.scroll.currentTime = progress * duration;
}

const LAYOUTS = {
  tower: { rows: 10, names: "full", draw: tower },
  "lower-third": { rows: 60, names: "full", draw: lowerThird },
  ticker: { rows: 40, names: "short", draw: ticker },
  "title-fight": { rows: 4, names: "full", draw: titleFight, round: titleRound },
};
