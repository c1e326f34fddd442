// Live turnout dashboard: renders a snapshot (table, bar chart, line chart, late areas) and
// keeps it current over a websocket. Snapshots are full states with an epoch (raised by every
// wipe of the election's turnout) and a version (the number of report writes they reflect):
// one lower in (epoch, version) than the one shown is ignored, one of a higher epoch replaces it
// whatever its version (a wipe makes versions restart lower). A lost socket reconnects with
// back-off and the server sends the current state again; a socket silent past a few heartbeats
// counts as lost.
(function () {
  "use strict";
  const root = document.getElementById("turnout");
  if (!root) return;
  const i18n = document.getElementById("turnout-i18n").dataset;
  const SVG = "http://www.w3.org/2000/svg";
  let heldEpoch = -1;
  let held = -1;
  let state = JSON.parse(document.getElementById("turnout-data").textContent);

  function int(n) {
    if (n === null || n === undefined) return "—";
    return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }
  function pct(p) {
    if (p === null || p === undefined) return "—";
    const parts = String(p).split(".");
    return int(Number(parts[0])) + "," + (parts[1] || "00") + "%";
  }
  function slotLabel(s) { return s === "closed" ? i18n.closed : (s || "—"); }
  function text(id, value) { const el = document.getElementById(id); if (el) el.textContent = value; }
  function cell(tr, value, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    tr.appendChild(td);
    return td;
  }
  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function renderTotals(s) {
    text("t-percent", pct(s.percent));
    text("t-voted", int(s.voted));
    text("t-listed", int(s.listed));
    text("t-female", s.voted_female ? int(s.voted_female) + " · " + pct(s.percent_female) : "—");
    text("t-reported", int(s.reported) + "/" + int(s.areas));
    text("t-full", int(s.areas_full));
    text("t-below", int(s.areas_below_half));
    text("shown-slot", slotLabel(s.shown_slot));
    text("updated", new Date(s.generated_at).toLocaleTimeString("vi-VN"));
    text("f-listed", int(s.listed)); text("f-voted", int(s.voted)); text("f-percent", pct(s.percent));
    text("f-reported", int(s.reported) + "/" + int(s.areas)); text("f-full", int(s.areas_full));
  }

  function renderChildren(s) {
    const body = document.querySelector("#children tbody");
    clear(body);
    for (const c of s.children) {
      const tr = document.createElement("tr");
      tr.dataset.code = c.code;
      let name = c.name;
      if (c.kind !== "polling_area") {
        const a = document.createElement("a");
        a.href = root.dataset.base.replace("UNIT", encodeURIComponent(c.code));
        a.textContent = c.name;
        name = a;
      }
      cell(tr, name);
      cell(tr, int(c.listed), "num");
      cell(tr, int(c.voted), "num");
      cell(tr, pct(c.percent), "num pct");
      cell(tr, int(c.reported) + "/" + int(c.areas), "num");
      cell(tr, int(c.areas_full), "num");
      const bar = document.createElement("div");
      bar.className = "bar";
      const fill = document.createElement("span");
      fill.style.setProperty("--w", (c.percent || 0) + "%");
      bar.appendChild(fill);
      cell(tr, bar, "chartcol");
      body.appendChild(tr);
    }
  }

  function renderLate(s) {
    const body = document.querySelector("#late tbody");
    clear(body);
    for (const a of s.not_reported) {
      const tr = document.createElement("tr");
      tr.dataset.code = a.code;
      cell(tr, a.code + " · " + a.name);
      cell(tr, a.unit);
      cell(tr, a.team);
      const tel = document.createElement("a");
      tel.href = "tel:" + a.contact.replace(/[^0-9+]/g, "");
      tel.textContent = a.contact;
      cell(tr, a.contact ? tel : "");
      cell(tr, a.last_slot ? slotLabel(a.last_slot) : i18n.none);
      cell(tr, int(a.late_minutes) + " " + i18n.min, "num");
      body.appendChild(tr);
    }
    text("late-count", int(s.not_reported_count));
    document.getElementById("late-none").hidden = s.not_reported_count > 0;
    const below = document.querySelector("#below tbody");
    clear(below);
    for (const a of s.below_half) {
      const tr = document.createElement("tr");
      cell(tr, a.code + " · " + a.name); cell(tr, a.unit);
      cell(tr, int(a.voted), "num"); cell(tr, int(a.listed), "num"); cell(tr, pct(a.percent), "num");
      below.appendChild(tr);
    }
  }

  // Horizontal bars: each child's % (0–100 scale, gridlines at 25/50/75).
  function renderBars(s) {
    const svg = document.getElementById("bar-chart");
    clear(svg);
    const rows = s.children, W = 520, rowH = 26, left = 170, right = 70;
    const H = Math.max(rows.length, 1) * rowH + 24;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const plot = W - left - right;
    for (const g of [0, 25, 50, 75, 100]) {
      const x = left + plot * g / 100;
      el("line", { x1: x, x2: x, y1: 0, y2: H - 18, class: g === 50 ? "half" : "grid" }, svg);
      el("text", { x: x, y: H - 4, class: "axis", "text-anchor": "middle" }, svg).textContent = g + "%";
    }
    rows.forEach(function (c, i) {
      const y = i * rowH + 4;
      const label = el("text", { x: left - 6, y: y + 15, class: "label", "text-anchor": "end" }, svg);
      label.textContent = c.name.length > 24 ? c.name.slice(0, 23) + "…" : c.name;
      const w = plot * Number(c.percent || 0) / 100;
      el("rect", { x: left, y: y, width: Math.max(w, 0), height: rowH - 8, class: "barfill" }, svg);
      el("text", { x: left + w + 4, y: y + 14, class: "value" }, svg).textContent = pct(c.percent);
    });
  }

  // Line: the unit's cumulative % at each slot so far.
  function renderLine(s) {
    const svg = document.getElementById("line-chart");
    clear(svg);
    const W = 520, H = 240, left = 44, right = 16, top = 12, bottom = 28;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const slots = s.slots, n = Math.max(slots.length - 1, 1);
    const px = function (i) { return left + (W - left - right) * i / n; };
    const py = function (p) { return top + (H - top - bottom) * (1 - p / 100); };
    for (const g of [0, 25, 50, 75, 100]) {
      el("line", { x1: left, x2: W - right, y1: py(g), y2: py(g), class: g === 50 ? "half" : "grid" }, svg);
      el("text", { x: left - 6, y: py(g) + 4, class: "axis", "text-anchor": "end" }, svg).textContent = g + "%";
    }
    slots.forEach(function (slot, i) {
      el("text", { x: px(i), y: H - 8, class: "axis", "text-anchor": "middle" }, svg).textContent =
        slot === "closed" ? "✔" : slot;
    });
    const pts = s.series.map(function (p, i) { return [px(i), py(Number(p.percent || 0))]; });
    if (pts.length) {
      el("polyline", { points: pts.map(function (p) { return p.join(","); }).join(" "), class: "line" }, svg);
      pts.forEach(function (p, i) {
        el("circle", { cx: p[0], cy: p[1], r: 4, class: "dot" }, svg);
        if (i === pts.length - 1) {
          el("text", { x: p[0], y: p[1] - 8, class: "value", "text-anchor": "middle" }, svg).textContent =
            pct(s.series[i].percent);
        }
      });
    }
  }

  // Whether snapshot s is not older than the one shown: (epoch, version) compared in order.
  function current(s) {
    const epoch = typeof s.epoch === "number" ? s.epoch : 0;
    if (epoch !== heldEpoch) return epoch > heldEpoch;
    return !(typeof s.version === "number" && s.version < held);
  }

  function render(s) {
    if (!current(s)) return; // older than what we show
    heldEpoch = typeof s.epoch === "number" ? s.epoch : 0;
    held = s.version;
    state = s;
    root.dataset.epoch = String(heldEpoch);
    root.dataset.version = String(s.version);
    renderTotals(s); renderChildren(s); renderLate(s); renderBars(s); renderLine(s);
    scheduleSlotRefresh(s);
  }

  // When the next slot starts the late list changes without any report: re-read it then.
  let slotTimer = null;
  function scheduleSlotRefresh(s) {
    if (slotTimer) clearTimeout(slotTimer);
    if (!s.next_slot_at) return;
    const wait = new Date(s.next_slot_at) - new Date() + 2000;
    if (wait > 0 && wait < 24 * 3600 * 1000) slotTimer = setTimeout(refresh, wait);
  }
  function refresh() {
    fetch(root.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) render(s); })
      .catch(function () {});
  }

  const live = document.getElementById("live");
  function setLive(st) { live.dataset.state = st; live.textContent = st === "open" ? i18n.live : i18n.offline; }
  let delay = 500;
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(scheme + "://" + window.location.host + root.dataset.ws);
    root.turnoutSocket = ws; // the open socket (tests close it to check the reconnect)
    // Silence watchdog: the server sends a heartbeat every few seconds. A socket that hears
    // nothing for data-silence ms (its server lost Redis, say) is closed and opened again.
    const silence = Number(root.dataset.silence) || 0;
    let watchdog = null;
    function heard() {
      if (watchdog) clearTimeout(watchdog);
      if (silence > 0) watchdog = setTimeout(abandon, silence);
    }
    function abandon() { // do not wait for a close handshake on a dead connection
      ws.onclose = ws.onmessage = null;
      try { ws.close(); } catch (e) { /* already closed */ }
      setLive("closed");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    }
    ws.onopen = function () { delay = 500; setLive("open"); heard(); };
    ws.onmessage = function (ev) {
      heard();
      const msg = JSON.parse(ev.data);
      if (msg.type !== "heartbeat") render(msg);
    };
    ws.onclose = function (ev) {
      if (watchdog) clearTimeout(watchdog);
      setLive("closed");
      if (ev.code === 4401 || ev.code === 4403) return; // not allowed: do not hammer the server
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  render(state);
  connect();
})();
