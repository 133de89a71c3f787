/* Shared by the overlay and the standings page: formatting and a self-healing EventSource. */
"use strict";

const fmt = (n) => (n === null || n === undefined ? "" : Number.isInteger(n) ? String(n) : n.toFixed(1));

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
};

/* Follow /championships/{cid}/live. EventSource retries by itself (sending Last-Event-ID);
   when the browser gives up (HTTP error, server gone) we open a new one with backoff, which
   starts from a fresh snapshot. onStatus gets "live" or "reconnecting". */
function follow(cid, filter, { onSnapshot, onChange, onStatus }) {
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v));
  const url = `/championships/${encodeURIComponent(cid)}/live?${query}`;
  let delay = 500;
  const open = () => {
    const source = new EventSource(url);
    source.addEventListener("snapshot", (e) => { delay = 500; onStatus("live"); onSnapshot(JSON.parse(e.data)); });
    source.addEventListener("change", (e) => onChange(JSON.parse(e.data)));
    source.onopen = () => onStatus("live");
    source.onerror = () => {
      onStatus("reconnecting");
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 15000);
      }
    };
  };
  open();
}
