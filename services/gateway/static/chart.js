/* Points progression as inline SVG: one polyline per competitor, x = round, y = points, and an HTML
   legend whose swatches have the lines' colours. No library. Colours are set through the DOM
   (attributes, CSSOM), never inline style text, so the page's CSP holds. */
"use strict";

const PALETTE = ["#d5001c", "#1f6feb", "#1fbf4a", "#e8a317", "#8250df", "#0aa2c0", "#e05d9a", "#6e7781", "#b35900", "#2da44e"];
const SVG_NS = "http://www.w3.org/2000/svg";

/* The colour of the competitor drawn `n`th (0-based, in the progression's order). */
const lineColor = (n) => PALETTE[n % PALETTE.length];

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/* The smallest 1, 2 or 5 × 10^k at least `raw`: round axis ticks. */
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

const highlighted = new WeakMap();  // container -> the id emphasised, kept when the chart is drawn again

/* Emphasise one competitor's line (id) or none (null) in the chart inside `container`. */
function highlight(container, id) {
  highlighted.set(container, id);
  const root = container.querySelector("svg");
  if (!root) return;
  root.classList.toggle("focus", id !== null);
  for (const line of root.querySelectorAll(".line")) {
    const on = line.dataset.id === id;
    line.classList.toggle("on", on);
    if (on) root.append(line);  // drawn last: on top of the others
  }
  for (const item of container.querySelectorAll(".legend li")) item.classList.toggle("on", item.dataset.id === id);
}

/* progression: the API's {rounds, series:[{id, name, points:[...]}]}; draws the first `top` series.
   Returns {id: colour} of the competitors drawn. The drawing is sized to the container's width, so
   its text stays legible on a phone; call again after a resize. The highlighted line stays so when
   the chart is drawn again (a live update while the pointer rests on a row or legend entry). */
function drawProgression(container, progression, top = 10) {
  const W = Math.max(300, Math.round(container.clientWidth || 1000)), H = W < 600 ? 240 : 340;
  const L = 40, R = 12, T = 12, B = 30;
  const rounds = progression.rounds;
  const series = progression.series.slice(0, top);
  const highest = Math.max(1, ...series.flatMap((s) => s.points.filter((p) => p !== null)));
  const step = niceStep(highest / 5);
  const ticks = Math.ceil(highest / step);
  const max = step * ticks;
  const x = (i) => L + (rounds.length < 2 ? 0 : (i * (W - L - R)) / (rounds.length - 1));
  const y = (p) => T + (H - T - B) * (1 - p / max);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "points by round" });
  for (let k = 0; k <= ticks; k++) {
    const value = step * k;
    root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(value), y2: y(value) }));
    root.append(svg("text", { x: L - 6, y: y(value) + 4, "text-anchor": "end" }, String(value)));
  }
  const every = Math.ceil((rounds.length * 34) / (W - L - R));  // round labels never overlap
  rounds.forEach((r, i) => {
    if (i % every === 0 || i === rounds.length - 1) root.append(svg("text", { x: x(i), y: H - 10, "text-anchor": "middle" }, `R${r}`));
  });
  root.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
  const colors = {};
  const legend = document.createElement("ol");
  legend.className = "legend";
  series.forEach((s, n) => {
    const color = (colors[s.id] = lineColor(n));
    const pts = s.points.map((p, i) => (p === null ? null : `${x(i)},${y(p)}`)).filter(Boolean);
    const line = svg("polyline", { class: "line", points: pts.join(" "), stroke: color, "data-id": s.id });
    line.append(svg("title", {}, `${s.name}: ${s.points.map(fmt).join(" → ")}`));
    root.append(line);
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = color;  // CSSOM, allowed under the CSP (a style attribute would not be)
    const item = document.createElement("li");
    item.dataset.id = s.id;
    item.tabIndex = 0;
    item.append(swatch, el("span", { class: "who", text: s.name }), el("span", { class: "pts", text: fmt(s.points.at(-1)) }));
    item.onmouseenter = item.onfocus = () => highlight(container, s.id);
    item.onmouseleave = item.onblur = () => highlight(container, null);
    legend.append(item);
  });
  container.replaceChildren(root, legend);
  highlight(container, highlighted.get(container) ?? null);
  return colors;
}
