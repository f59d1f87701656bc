// nnscratch playground: drawing (canvas and SVG), no libraries.
"use strict";

const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];
const NEG = [245, 147, 34], POS = [8, 119, 189];  // neuron maps: orange < 0 < blue

function rgb(hex) {
  return [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
}
const CLASS_RGB = PALETTE.map(rgb);

function mixWhite(c, t) {  // t = 0: white, t = 1: the colour
  return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
}

// The decision surface: one pixel per grid cell (the canvas is scaled by CSS).
// Shade: the most probable class's colour, lightness by confidence (p_max - 1/K) / (1 - 1/K);
// discretized: that colour at a fixed strength (DISCRETE).
const DISCRETE = 0.55;
function drawSurface(canvas, surface, G, K, discretize) {
  if (canvas.width !== G) { canvas.width = G; canvas.height = G; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(G, G);
  const d = img.data;
  for (let c = 0; c < G * G; c++) {
    let best = 0, pmax = -1;
    for (let k = 0; k < K; k++) {
      const p = surface[c * K + k];
      if (p > pmax) { pmax = p; best = k; }
    }
    const conf = Math.max(0, (pmax / 255 - 1 / K) / (1 - 1 / K));
    const col = mixWhite(CLASS_RGB[best % CLASS_RGB.length], discretize ? DISCRETE : 0.85 * conf);
    d[4 * c] = col[0]; d[4 * c + 1] = col[1]; d[4 * c + 2] = col[2]; d[4 * c + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Training points (white ring) and test points (black ring) over the plane; wrong ones crossed.
function drawPoints(canvas, cfg, surface, G, showTest) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (!cfg) return;
  const [x0, x1, y0, y1] = cfg.bounds;
  const K = cfg.classes.length;
  const px = x => (x - x0) / (x1 - x0) * W, py = y => (y1 - y) / (y1 - y0) * H;
  const predicted = (x, y) => {  // the class of the cell under (x, y), from the frame
    if (!surface) return -1;
    const j = Math.min(G - 1, Math.max(0, Math.floor((x - x0) / (x1 - x0) * G)));
    const i = Math.min(G - 1, Math.max(0, Math.floor((y1 - y) / (y1 - y0) * G)));
    let best = 0;
    for (let k = 1; k < K; k++) if (surface[(i * G + j) * K + k] > surface[(i * G + j) * K + best]) best = k;
    return best;
  };
  const sets = [[cfg.train, "#fff"]];
  if (showTest) sets.push([cfg.test, "#000"]);
  for (const [pts, ring] of sets) {
    for (const [x, y, c] of pts) {
      const X = px(x), Y = py(y);
      ctx.beginPath(); ctx.arc(X, Y, 3.6, 0, 2 * Math.PI);
      ctx.fillStyle = PALETTE[c % PALETTE.length]; ctx.fill();
      ctx.lineWidth = 1; ctx.strokeStyle = ring; ctx.stroke();
      if (predicted(x, y) >= 0 && predicted(x, y) !== c) {
        ctx.beginPath(); ctx.moveTo(X - 4, Y - 4); ctx.lineTo(X + 4, Y + 4);
        ctx.moveTo(X + 4, Y - 4); ctx.lineTo(X - 4, Y + 4);
        ctx.strokeStyle = "#000"; ctx.lineWidth = 1.4; ctx.stroke();
      }
    }
  }
}

// One neuron's map: byte b -> v = b / 127.5 - 1 in [-1, 1]; orange for v < 0, blue for v > 0.
function drawNeuron(canvas, bytes, offset, Gn) {
  if (canvas.width !== Gn) { canvas.width = Gn; canvas.height = Gn; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(Gn, Gn);
  const d = img.data;
  for (let c = 0; c < Gn * Gn; c++) {
    const v = bytes[offset + c] / 127.5 - 1;
    const col = mixWhite(v < 0 ? NEG : POS, Math.min(1, Math.abs(v)));
    d[4 * c] = col[0]; d[4 * c + 1] = col[1]; d[4 * c + 2] = col[2]; d[4 * c + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// An input's map: x1 (left to right) or x2 (bottom to top) over the plane.
function drawInput(canvas, which, Gn) {
  canvas.width = Gn; canvas.height = Gn;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(Gn, Gn);
  for (let i = 0; i < Gn; i++) for (let j = 0; j < Gn; j++) {
    const v = which === 0 ? (2 * j + 1) / Gn - 1 : 1 - (2 * i + 1) / Gn;
    const col = mixWhite(v < 0 ? NEG : POS, Math.abs(v));
    const c = 4 * (i * Gn + j);
    img.data[c] = col[0]; img.data[c + 1] = col[1]; img.data[c + 2] = col[2]; img.data[c + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Curves: series = [{epochs, values, color}], log scale when log.
function drawCurves(canvas, series, log, fixed) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 3;
  ctx.clearRect(0, 0, W, H);
  let xmax = 1, lo = Infinity, hi = -Infinity;
  const f = v => (log ? Math.log10(Math.max(v, 1e-12)) : v);
  for (const s of series) {
    for (let i = 0; i < s.epochs.length; i++) {
      xmax = Math.max(xmax, s.epochs[i]);
      if (Number.isFinite(s.values[i])) { lo = Math.min(lo, f(s.values[i])); hi = Math.max(hi, f(s.values[i])); }
    }
  }
  if (fixed) { lo = fixed[0]; hi = fixed[1]; }
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  for (const s of series) {
    ctx.beginPath();
    for (let i = 0; i < s.epochs.length; i++) {
      const X = pad + s.epochs[i] / xmax * (W - 2 * pad);
      const Y = H - pad - (f(s.values[i]) - lo) / (hi - lo) * (H - 2 * pad);
      if (i === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
    }
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.stroke();
  }
  ctx.fillStyle = "#999"; ctx.font = "10px sans-serif";
  const label = v => (log ? Number(10 ** v).toPrecision(2) : v.toFixed(1));
  const tag = (text, x, y) => {  // a label on a white box, over the curves
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(x - 2, y - 9, ctx.measureText(text).width + 4, 11);
    ctx.fillStyle = "#888"; ctx.fillText(text, x, y);
  };
  if (log) { tag(label(hi), W - 34, 10); tag(label(lo), W - 34, H - 3); }
  else { tag("accuracy " + label(hi), 4, 10); tag(label(lo), 4, H - 3); }
}

// Network graph layout: columns of nodes; returns positions {x, y, size} per layer and node.
function layout(sizes, width, height) {
  const cols = sizes.length, colW = width / cols, cols_ = [];
  const most = Math.max(...sizes);
  const size = Math.max(9, Math.min(40, (height - 30) / most - 4));
  for (let l = 0; l < cols; l++) {
    const n = sizes[l], gap = Math.min(size + 10, (height - 30) / n);
    const top = 28 + (height - 30 - gap * n) / 2;
    const x = colW * l + colW / 2 - size / 2;
    cols_.push(Array.from({length: n}, (_, j) => ({x, y: top + gap * j + (gap - size) / 2, size})));
  }
  return cols_;
}

function edgeStyle(path, w) {
  const a = Math.min(1, Math.abs(w) / 2);
  path.setAttribute("stroke", w < 0 ? PALETTE[0] : PALETTE[1]);
  path.setAttribute("stroke-width", (0.5 + Math.min(5, Math.abs(w) * 1.5)).toFixed(2));
  path.setAttribute("stroke-opacity", (0.15 + 0.85 * a).toFixed(2));
}

window.Draw = {PALETTE, DISCRETE, CLASS_RGB, mixWhite, drawSurface, drawPoints, drawNeuron,
               drawInput, drawCurves, layout, edgeStyle};
