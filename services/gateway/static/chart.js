/* Points progression as inline SVG: one polyline per competitor, x = round, y = points. No library. */
"use strict";

const PALETTE = ["#d5001c", "#1f6feb", "#1fbf4a", "#e8a317", "#8250df", "#0aa2c0", "#e05d9a", "#6e7781", "#b35900", "#2da44e"];
const SVG_NS = "http://www.w3.org/2000/svg";

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

/* progression: the API's {rounds, series:[{id, name, points:[...]}]}; draws the first `top` series. */
function drawProgression(container, progression, top = 10) {
  const W = 1000, H = 380, L = 50, R = 190, T = 12, B = 34;
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
    root.append(svg("text", { x: L - 8, y: y(value) + 4, "text-anchor": "end" }, String(value)));
  }
  rounds.forEach((r, i) => root.append(svg("text", { x: x(i), y: H - 12, "text-anchor": "middle" }, `R${r}`)));
  root.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
  series.forEach((s, n) => {
    const color = PALETTE[n % PALETTE.length];
    const pts = s.points.map((p, i) => (p === null ? null : `${x(i)},${y(p)}`)).filter(Boolean);
    const line = svg("polyline", { class: "line", points: pts.join(" "), stroke: color, "data-id": s.id });
    line.append(svg("title", {}, `${s.name}: ${s.points.map(fmt).join(" → ")}`));
    root.append(line);
    root.append(svg("text", { x: W - R + 10, y: T + 14 + n * 18, fill: color }, `${n + 1}. ${s.name} ${fmt(s.points.at(-1))}`));
  });
  container.replaceChildren(root);
}
