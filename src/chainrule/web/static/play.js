// chainrule play: the page's side. It sends the choices, shows what the server derived and
// trained, and draws the pictures on canvases. No library, nothing fetched from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
const FIELDS = ["data", "layers", "hidden", "output", "loss", "optimizer", "lr", "l2",
  "keep_prob", "batchnorm", "layout", "convention", "init", "seed", "per_frame"];
const NETWORK_FIELDS = FIELDS.filter((f) => f !== "per_frame"); // the speed rebuilds nothing
const QUERY = { optimizer: "opt", keep_prob: "keep", batchnorm: "bn", convention: "conv",
  per_frame: "speed" };
const BLUE = [33, 102, 172], ORANGE = [214, 96, 77];
const PALETTE = [[214, 96, 77], [33, 102, 172], [27, 158, 119], [117, 112, 179], [230, 171, 2],
  [102, 166, 30], [166, 118, 29], [231, 41, 138]];

const view = { state: null, layers: [], snap: null, curve: [], norms: [], run: -1,
  running: false, points: null, labels: [], box: null, drawPending: false, neurons: [], edges: [] };
let socket = null;
let buildTimer = null;
let lastBuild = "";
let buildId = 0; // the newest build request; an older answer does not overwrite the form
let buildPending = false;

// -- the connection ------------------------------------------------------------------------------
function connect() {
  socket = new WebSocket(`ws://${location.host}/ws`);
  socket.addEventListener("open", () => {
    $("connection").textContent = "";
    send({ action: "build", state: stateFromQuery(), id: ++buildId });
  });
  socket.addEventListener("message", (ev) => receive(JSON.parse(ev.data)));
  socket.addEventListener("close", () => {
    $("connection").textContent = "disconnected from the server — reload the page";
    setRunning(false);
  });
}

function send(request) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(request));
}

const HANDLERS = {
  network: showNetwork,
  snapshot: showSnapshot,
  status: (m) => setRunning(m.running),
  explanation: showExplanation,
  check: showCheck,
  error: showError,
  speed: (m) => { clearError(); history.replaceState(null, "", `/?${m.query}`); $("share").href = `/?${m.query}`; },
  uploaded: () => { clearError(); lastBuild = ""; requestBuild(0); },
};

function receive(message) {
  const handler = HANDLERS[message.type];
  if (handler) handler(message);
}

// -- the choices -----------------------------------------------------------------------------------
function stateFromQuery() {
  const q = new URLSearchParams(location.search);
  const state = {};
  for (const f of FIELDS) {
    const key = QUERY[f] || f;
    if (q.has(key)) state[f] = q.get(key);
  }
  return state;
}

function stateFromForm() {
  const state = {};
  for (const f of FIELDS) state[f] = $(f).type === "checkbox" ? String($(f).checked) : $(f).value;
  return state;
}

function networkKey(state) {
  return JSON.stringify(NETWORK_FIELDS.map((f) => state[f]));
}

function requestBuild(delay) {
  clearTimeout(buildTimer);
  buildPending = true;
  buildTimer = setTimeout(() => {
    buildPending = false;
    const state = stateFromForm(), key = networkKey(state);
    if (key === lastBuild) return; // nothing changed: keep the run
    lastBuild = key;
    send({ action: "build", state, id: ++buildId });
  }, delay);
}

function fillForm(state) {
  for (const f of FIELDS) {
    const el = $(f);
    if (document.activeElement === el && el.tagName === "INPUT") continue; // the user is typing
    let value = state[f];
    if (Array.isArray(value)) value = value.join(f === "layers" ? "," : ",");
    if (f === "hidden" && Array.isArray(state.hidden)) {
      const unique = [...new Set(state.hidden)];
      value = unique.length === 1 ? unique[0] : state.hidden.join(",");
    }
    if (el.type === "checkbox") el.checked = value === true;
    else el.value = value;
  }
  $("csv-row").hidden = state.data !== "csv";
}

// -- messages --------------------------------------------------------------------------------------
function showNetwork(m) {
  clearError();
  view.state = m.state;
  view.layers = m.layers;
  view.points = m.points;
  view.labels = m.labels;
  view.box = m.box;
  view.labels_of = Object.fromEntries(m.equations.backward.map((e) => [e.name, e.label]));
  if (m.id === buildId && !buildPending) {
    fillForm(m.state); // the server's reading of the choices, e.g. "tanh" for every layer
    lastBuild = networkKey(stateFromForm());
  }
  $("network-name").textContent = `network ${m.network}, ${m.examples} examples`;
  history.replaceState(null, "", `/?${m.query}`);
  $("share").href = `/?${m.query}`;
  showEquations(m.equations);
  $("source").textContent = m.source;
  $("trainer").textContent = m.trainer === "fast"
    ? "Train runs the fast printing of the same derivation (cr.fast); Step runs this code."
    : "Train and Step both run this code.";
  $("explanation").hidden = true;
  $("verdict").textContent = "";
  $("example").max = m.examples - 1;
}

function showEquations(eqs) {
  const forward = $("forward"), backward = $("backward");
  forward.replaceChildren(...eqs.forward.map((e) => equationItem(e, false)));
  backward.replaceChildren(...eqs.backward.map((e) => equationItem(e, true)));
  $("convention-note").textContent = `Convention: ${eqs.convention}.`;
}

function equationItem(e, clickable) {
  const li = document.createElement("li");
  li.dataset.name = e.name;
  const holder = document.createElement(clickable ? "button" : "span");
  if (clickable) {
    holder.type = "button";
    holder.className = "eq";
    holder.setAttribute("aria-label", `Explain ${e.label}`);
    holder.addEventListener("click", () => {
      send({ action: "explain", quantity: e.name });
      $("explanation-title").textContent = `Explaining ${e.label}…`;
    });
  }
  holder.innerHTML = e.mathml; // MathML printed by the server from the derivation
  const shape = document.createElement("span");
  shape.className = "shape";
  shape.textContent = `shape ${e.shape}`;
  li.append(holder, shape);
  if (e.code) {
    const code = document.createElement("code");
    code.textContent = e.code;
    if (e.runs === false) {
      code.title = "not computed by the update: the next line's formula already folds it in";
      code.className = "unused";
    }
    const values = document.createElement("div");
    values.className = "values";
    li.append(code, values);
  }
  return li;
}

function showSnapshot(s) {
  if (s.run !== view.run) {
    view.run = s.run;
    view.curve = [];
    view.norms = [];
  }
  for (const p of s.curve) view.curve.push(p);
  if (Object.keys(s.norms).length) view.norms.push([s.iteration, s.norms]);
  view.snap = s;
  $("cost").textContent = `cost ${s.cost.toFixed(4)}`;
  const acc = s.accuracy === null ? "" : `, accuracy ${s.accuracy.toFixed(1)} %`;
  $("progress").textContent = `iteration ${s.iteration}${acc}`;
  const params = new URLSearchParams(location.search);
  params.set("iterations", s.iteration);
  $("export-py").href = `/export.py?${params}`;
  $("export-nb").href = `/export.ipynb?${params}`;
  if (!view.running) showValues(s);
  schedule();
}

function showValues(s) {
  $("values-of").textContent = `Numbers below each formula: example i = ${s.example}, ${s.values_of}.`;
  for (const li of $("backward").children) {
    const box = li.querySelector(".values");
    const v = s.values[li.dataset.name];
    if (!box) continue;
    box.replaceChildren();
    if (v === undefined) continue;
    const perExample = !/^d(W|b|gamma)/.test(li.dataset.name); // db also starts dbeta
    box.append(matrixTable(perExample ? v.map((x) => [x]) : v,
      perExample ? `column i = ${s.example}` : "all examples (averaged)"));
  }
}

function matrixTable(rows, caption) {
  const table = document.createElement("table");
  table.className = "matrix";
  table.createCaption().textContent = caption;
  const shown = rows.slice(0, 12);
  for (const row of shown) {
    const tr = table.insertRow();
    for (const x of row.slice(0, 12)) tr.insertCell().textContent = fmt(x);
  }
  if (rows.length > shown.length || (rows[0] && rows[0].length > 12)) {
    table.insertRow().insertCell().textContent = "…";
  }
  return table;
}

function fmt(x) {
  if (x === null || x === undefined) return "–";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : x.toFixed(4);
}

function setRunning(running) {
  view.running = running;
  $("train").disabled = running;
  $("pause").disabled = !running;
  if (!running && view.snap) showValues(view.snap);
}

function showExplanation(m) {
  const panel = $("explanation");
  $("explanation-title").textContent = `Explanation of ${view.labels_of[m.quantity] || m.quantity}`;
  $("explanation-body").innerHTML = m.html; // rendered by cr.explain's HTML renderer
  panel.hidden = false;
  $("close-explanation").focus();
  panel.scrollIntoView({ block: "nearest" });
}

function showCheck(c) {
  const out = $("verdict");
  out.replaceChildren();
  const head = document.createElement("p");
  head.className = c.correct ? "ok" : "wrong";
  if (c.correct) head.textContent = `✓ correct: ${c.formula}`;
  else if (c.verdict === "right-here-only") head.textContent = `⚠ ${c.title}`;
  else head.textContent = `✗ wrong — ${c.title}` + (c.diagnosis ? ` (${c.diagnosis})` : "");
  out.append(head);
  const lines = c.correct ? [] : [c.message, `corrected: ${c.corrected}`];
  lines.push(`derived: ${c.expected}`);
  for (const text of lines) {
    const p = document.createElement("p");
    p.textContent = text;
    out.append(p);
  }
}

function showError(e) {
  const box = $("error");
  box.textContent = e.hint ? `${e.message} — ${e.hint}` : e.message;
  if (e.detail) {
    const pre = document.createElement("pre");
    pre.textContent = e.detail; // a parse error's source line and caret
    box.append(pre);
  }
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

// -- drawing ---------------------------------------------------------------------------------------
function schedule() {
  if (view.drawPending) return;
  view.drawPending = true;
  requestAnimationFrame(() => {
    view.drawPending = false;
    draw();
  });
}

function draw() {
  if (!view.snap) return;
  drawNetwork($("net-canvas"), view.snap);
  drawBoundary($("boundary"), view.snap.grid);
  drawCurve($("curve"));
  drawNorms($("norms"));
  drawHeat($("heat"), view.snap.weights);
}

const rgb = (c, a = 1) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

function diverging(x, scale) {
  const t = Math.max(-1, Math.min(1, x / (scale || 1)));
  const c = t >= 0 ? BLUE : ORANGE;
  const w = 1 - Math.abs(t);
  return [0, 1, 2].map((k) => Math.round(c[k] * (1 - w) + 255 * w));
}

function weight(W, j, k) { // W[l] entry from unit k of layer l-1 to unit j of layer l
  if (!W || !W.length) return null;
  return view.state && view.state.layout === "rows" ? W[k][j] : W[j][k];
}

function drawNetwork(cv, s) {
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const sizes = view.layers, cap = 12;
  const xs = sizes.map((_, l) => 30 + (l * (cv.width - 60)) / Math.max(1, sizes.length - 1));
  const ys = sizes.map((n) => {
    const k = Math.min(n, cap), gap = Math.min(34, (cv.height - 30) / k);
    return Array.from({ length: k }, (_, j) => cv.height / 2 + (j - (k - 1) / 2) * gap);
  });
  view.neurons = [];
  view.edges = [];
  let big = 1e-9;
  for (let l = 1; l < sizes.length; l++) {
    for (const row of s.weights[`W${l}`] || []) for (const x of row) big = Math.max(big, Math.abs(x));
  }
  for (let l = 1; l < sizes.length; l++) {
    const W = s.weights[`W${l}`];
    ys[l].forEach((y, j) => ys[l - 1].forEach((y0, k) => {
      const w = weight(W, j, k);
      if (w === null) return;
      ctx.strokeStyle = rgb(w >= 0 ? BLUE : ORANGE, 0.25 + 0.75 * Math.abs(w) / big);
      ctx.lineWidth = 0.5 + 3.5 * Math.abs(w) / big;
      ctx.beginPath(); ctx.moveTo(xs[l - 1], y0); ctx.lineTo(xs[l], y); ctx.stroke();
      view.edges.push({ l, j, k, x0: xs[l - 1], y0, x1: xs[l], y1: y });
    }));
  }
  ys.forEach((col, l) => col.forEach((y, j) => {
    const a = l === 0 ? null : (s.values[`A${l}`] || [])[j];
    ctx.fillStyle = a === null || a === undefined ? "#e8eaed" : rgb(diverging(a, 1));
    ctx.strokeStyle = "#3c4043"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.arc(xs[l], y, 11, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    view.neurons.push({ l, j, x: xs[l], y });
  }));
  ctx.fillStyle = "#5f6368"; ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center";
  sizes.forEach((n, l) => ctx.fillText(l === 0 ? `X (${n})` : `A[${l}] (${n})`, xs[l], cv.height - 4));
}

function hover(ev) {
  const cv = $("net-canvas"), s = view.snap;
  if (!s) return;
  const r = cv.getBoundingClientRect();
  const x = ((ev.clientX - r.left) * cv.width) / r.width, y = ((ev.clientY - r.top) * cv.height) / r.height;
  const n = view.neurons.find((p) => Math.hypot(p.x - x, p.y - y) <= 12);
  const v = s.values, i = s.example;
  let text = "Hover a neuron for its activation and gradient, an edge for its weight.";
  if (n && n.l === 0) text = `input x${n.j + 1} of example ${i}`;
  else if (n) {
    const l = n.l, j = n.j;
    const b = s.weights[`b${l}`] && s.weights[`b${l}`].length ? s.weights[`b${l}`] : null;
    const bias = b ? (view.state.layout === "rows" ? b[0][j] : b[j][0]) : null;
    text = `unit ${j + 1} of layer ${l}, example ${i}: A[${l}] = ${fmt(v[`A${l}`][j])}, ` +
      `Z[${l}] = ${fmt(v[`Z${l}`][j])}, dZ[${l}] = ${fmt(v[`dZ${l}`][j])}` +
      (bias === null ? "" : `, b[${l}] = ${fmt(bias)}`);
  } else {
    const e = view.edges.find((q) => segmentDistance(x, y, q) < 3.5);
    if (e) {
      const w = weight(s.weights[`W${e.l}`], e.j, e.k), dw = weight(v[`dW${e.l}`], e.j, e.k);
      text = `weight from unit ${e.k + 1} of layer ${e.l - 1} to unit ${e.j + 1} of layer ${e.l}: ` +
        `W[${e.l}] = ${fmt(w)}, dW[${e.l}] = ${dw === null ? "–" : fmt(dw)}`;
    }
  }
  $("hover").textContent = text;
}

function segmentDistance(x, y, q) {
  const dx = q.x1 - q.x0, dy = q.y1 - q.y0;
  const t = Math.max(0, Math.min(1, ((x - q.x0) * dx + (y - q.y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (q.x0 + t * dx), y - (q.y0 + t * dy));
}

function drawBoundary(cv, grid) {
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  if (!grid || !view.box) {
    ctx.fillStyle = "#5f6368"; ctx.font = "13px system-ui, sans-serif";
    ctx.fillText("(the data is not 2-D)", 20, 30);
    return;
  }
  const n = grid.n, range = Math.max(1e-9, ...grid.z.flat().map(Math.abs));
  const small = new OffscreenCanvas(n, n), pixels = new ImageData(n, n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let color;
      if (grid.kind === "sigmoid") color = diverging(2 * grid.z[r][c] - 1, 1);
      else if (grid.kind === "classes") color = PALETTE[grid.z[r][c] % PALETTE.length];
      else color = diverging(grid.z[r][c], range);
      const strength = grid.kind === "classes" ? 0.15 + 0.35 * grid.p[r][c] : 0.55;
      const at = 4 * (r * n + c);
      for (let k = 0; k < 3; k++) pixels.data[at + k] = Math.round(255 - strength * (255 - color[k]));
      pixels.data[at + 3] = 255;
    }
  }
  small.getContext("2d").putImageData(pixels, 0, 0);
  ctx.imageSmoothingEnabled = true; // the grid's cells blend into a smooth picture
  ctx.drawImage(small, 0, 0, cv.width, cv.height);
  const [x0, x1, y0, y1] = view.box;
  if (!view.points) return;
  ctx.lineWidth = 0.8; ctx.strokeStyle = "#fff";
  view.points[0].forEach((px, k) => {
    const label = view.labels[k];
    const color = view.state.output === "softmax" ? PALETTE[label % PALETTE.length]
      : (label >= 0.5 ? BLUE : ORANGE);
    ctx.fillStyle = rgb(color);
    const X = ((px - x0) / (x1 - x0)) * cv.width, Y = ((y1 - view.points[1][k]) / (y1 - y0)) * cv.height;
    ctx.beginPath(); ctx.arc(X, Y, 2.6, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  });
}

function axes(ctx, cv, lo, hi, last, label) {
  ctx.strokeStyle = "#9aa0a6"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(40, 8); ctx.lineTo(40, cv.height - 20); ctx.lineTo(cv.width - 6, cv.height - 20);
  ctx.stroke();
  ctx.fillStyle = "#5f6368"; ctx.font = "10px system-ui, sans-serif"; ctx.textAlign = "right";
  ctx.fillText(label(hi), 38, 14); ctx.fillText(label(lo), 38, cv.height - 22);
  ctx.textAlign = "center"; ctx.fillText(String(last), cv.width - 20, cv.height - 6);
  ctx.fillText("0", 42, cv.height - 6);
}

function plotLine(ctx, cv, pts, lo, hi, last, color) {
  ctx.strokeStyle = color; ctx.lineWidth = 1.6; ctx.beginPath();
  pts.forEach(([it, y], k) => {
    const X = 40 + ((cv.width - 46) * it) / Math.max(1, last);
    const Y = cv.height - 20 - ((cv.height - 28) * (y - lo)) / Math.max(1e-12, hi - lo);
    if (k === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
  });
  ctx.stroke();
}

function drawCurve(cv) {
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const pts = view.curve.filter((p) => Number.isFinite(p[1]));
  if (!pts.length) return;
  const ys = pts.map((p) => p[1]), lo = Math.min(0, ...ys), hi = Math.max(...ys);
  const last = pts[pts.length - 1][0];
  axes(ctx, cv, lo, hi, last, (v) => v.toFixed(2));
  plotLine(ctx, cv, pts, lo, hi, last, rgb(BLUE));
}

function drawNorms(cv) {
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  if (!view.norms.length) return;
  const names = Object.keys(view.norms[view.norms.length - 1][1]);
  const logs = view.norms.flatMap(([, n]) => names.map((k) => Math.log10(Math.max(n[k], 1e-12))));
  const lo = Math.min(...logs), hi = Math.max(...logs) + 1e-6;
  const last = view.norms[view.norms.length - 1][0];
  axes(ctx, cv, lo, hi, last, (v) => `1e${v.toFixed(1)}`);
  names.forEach((k, idx) => {
    const pts = view.norms.map(([it, n]) => [it, Math.log10(Math.max(n[k], 1e-12))]);
    const color = rgb(PALETTE[idx % PALETTE.length]);
    plotLine(ctx, cv, pts, lo, hi, last, color);
    ctx.fillStyle = color; ctx.textAlign = "left";
    ctx.fillText(k.replace(/(\d+)$/, "[$1]"), 48 + 44 * idx, 14);
  });
}

function drawHeat(cv, weights) {
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const mats = Object.keys(weights).filter((k) => k[0] === "W" && weights[k].length);
  let x = 6;
  const big = Math.max(1e-9, ...mats.flatMap((k) => weights[k].flat().map(Math.abs)));
  ctx.font = "10px system-ui, sans-serif"; ctx.fillStyle = "#5f6368"; ctx.textAlign = "left";
  for (const k of mats) {
    const W = weights[k], rows = W.length, cols = W[0].length;
    const cell = Math.max(2, Math.min(18, Math.floor((cv.height - 24) / rows), Math.floor(90 / cols)));
    if (x + cols * cell > cv.width) break;
    W.forEach((row, r) => row.forEach((w, c) => {
      ctx.fillStyle = rgb(diverging(w, big));
      ctx.fillRect(x + c * cell, 16 + r * cell, cell - 1, cell - 1);
    }));
    ctx.fillStyle = "#5f6368";
    ctx.fillText(`${k.replace(/(\d+)$/, "[$1]")} ${rows}×${cols}`, x, 11);
    x += Math.max(cols * cell, 56) + 14;
  }
}

// -- wiring ----------------------------------------------------------------------------------------
function wire() {
  for (const f of NETWORK_FIELDS) {
    const el = $(f);
    el.addEventListener("change", () => requestBuild(0));
    if (el.tagName === "INPUT") el.addEventListener("input", () => requestBuild(80));
  }
  $("per_frame").addEventListener("change", () =>
    send({ action: "speed", per_frame: Number.parseInt($("per_frame").value, 10) }));
  $("data").addEventListener("change", () => { $("csv-row").hidden = $("data").value !== "csv"; });
  $("network-form").addEventListener("submit", (ev) => { ev.preventDefault(); requestBuild(0); });
  $("csv").addEventListener("change", async () => {
    const file = $("csv").files[0];
    if (file) send({ action: "upload", text: await file.text() });
  });
  $("train").addEventListener("click", () => send({ action: "train" }));
  $("pause").addEventListener("click", () => send({ action: "pause" }));
  $("step").addEventListener("click", () => send({ action: "step" }));
  $("reset").addEventListener("click", () => send({ action: "reset" }));
  $("example").addEventListener("change", () =>
    send({ action: "example", index: Number.parseInt($("example").value, 10) }));
  $("check-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    send({ action: "check", formula: $("formula").value });
  });
  $("close-explanation").addEventListener("click", () => { $("explanation").hidden = true; });
  $("net-canvas").addEventListener("mousemove", hover);
  connect();
}

document.addEventListener("DOMContentLoaded", wire);
