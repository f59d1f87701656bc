// nnscratch playground: the page. Talks to the server over one WebSocket (protocol.py);
// every request goes to the server that served the page. State for tests: window.playground.
"use strict";

const $ = id => document.getElementById(id);
const KEYS = ["dataset", "samples", "noise", "classes", "test", "seed", "hidden", "activation",
              "init", "optimizer", "lr", "schedule", "decay", "batch", "alpha", "momentum", "epochs"];
const INTS = new Set(["samples", "classes", "seed", "batch", "epochs"]);
const FLOATS = new Set(["noise", "test", "lr", "decay", "alpha", "momentum"]);
const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const INPUTS = ["dataset", "samples", "noise", "classes", "test", "seed", "activation", "init",
                "optimizer", "lr", "schedule", "batch", "alpha", "epochs"];

const pg = window.playground = {
  connected: false, state: "connecting", frames: 0, epoch: 0, steps: 0, loss: null,
  testLoss: null, trainAcc: null, testAcc: null, settings: null, config: null, errors: [],
  message: "", exports: 0, lastExport: null, header: null, speed: 1, grid: 64,
  configs: 0,  // config messages received: the server's default first, then the reply to ours
};
const view = {discretize: false, showTest: false, hide: []};
let ws = null, caps = null, surface = null, accHist = [], graphKey = "", selectedClass = 0;
let graph = null;  // {sizes, nodes: [[canvas]], edges: [[path]]}

// ------------------------------------------------------------------ URL state
function fromURL() {
  const q = new URLSearchParams(location.search), s = {};
  for (const k of KEYS) {
    if (!q.has(k)) continue;
    const v = q.get(k);
    if (k === "hidden") s.hidden = v === "" ? [] : v.split(",").map(Number);
    else if (INTS.has(k) || FLOATS.has(k)) s[k] = Number(v);
    else s[k] = v;
  }
  if (q.has("speed")) pg.speed = Number(q.get("speed"));
  view.discretize = q.get("discretize") === "1";
  view.showTest = q.get("showtest") === "1";
  view.hide = (q.get("hide") || "").split(",").filter(Boolean);
  return s;
}

function toURL() {
  if (!pg.settings) return;
  const q = new URLSearchParams();
  for (const k of KEYS) q.set(k, k === "hidden" ? pg.settings.hidden.join(",") : pg.settings[k]);
  q.set("speed", pg.speed);
  if (view.discretize) q.set("discretize", "1");
  if (view.showTest) q.set("showtest", "1");
  if (view.hide.length) q.set("hide", view.hide.join(","));
  history.replaceState(null, "", location.pathname + "?" + q.toString());
}

// ------------------------------------------------------------------ messages to the server
function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}
function configure(changes) {
  send({type: "config", settings: Object.assign({}, pg.settings || {}, changes)});
}

function showMessage(text, kind) {
  const el = $("message");
  el.textContent = text;
  el.className = text ? kind : "";
  pg.message = text;
  if (kind === "error") pg.errors.push(text);
}

function connect(initial) {
  ws = new WebSocket(`ws://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    pg.connected = true;
    send({type: "config", settings: initial});
    send({type: "speed", value: pg.speed});
  };
  ws.onclose = ev => {
    pg.connected = false;
    if (pg.state !== "refused") {
      pg.state = "closed";
      showMessage(`connection to the playground server closed (${ev.code}); reload the page ` +
                  "once the server runs again", "error");
    }
  };
  ws.onmessage = ev => (typeof ev.data === "string" ? onText(JSON.parse(ev.data)) : onBinary(ev.data));
}

function onText(msg) {
  if (msg.type === "hello") {
    caps = msg.caps;
    buildControls();
  } else if (msg.type === "config") {
    pg.configs += 1;
    pg.config = msg;
    pg.settings = msg.settings;
    pg.grid = msg.grid;
    accHist = [];
    fillControls();
    toURL();
    buildClassPick();
    Draw.drawPoints($("points"), msg, null, 1, view.showTest);
    $("math").textContent = MathPanel.mathText(msg.sizes, msg.settings.activation,
      msg.settings.alpha, msg.batch, msg.settings.optimizer, msg.settings.lr);
  } else if (msg.type === "state") {
    pg.state = msg.state;
    $("play").classList.toggle("playing", msg.state === "playing");
    $("play").innerHTML = msg.state === "playing" ? "&#x23f8;" : "&#x25b6;";
    if (msg.message) showMessage(msg.message, msg.state === "diverged" ? "error" : "info");
  } else if (msg.type === "error") {
    if (msg.fatal) pg.state = "refused";
    showMessage(msg.message, "error");
    fillControls();
  } else if (msg.type === "export") {
    pg.lastExport = msg;
    $("command").textContent = msg.command;
    $("python").textContent = msg.python;
  }
}

function onBinary(buf) {
  const dv = new DataView(buf), kind = dv.getUint8(0), len = dv.getUint32(1, true);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 5, len)));
  if (kind === 2) {
    download(new Blob([new Uint8Array(buf, 5 + len)]), head.name);
    pg.exports += 1;
    return;
  }
  const prod = a => a.reduce((x, y) => x * y, 1);
  surface = new Uint8Array(buf, head.surface_offset, prod(head.surface_shape));
  const neurons = new Uint8Array(buf, head.neurons_offset, prod(head.neurons_shape));
  const weights = new Float32Array(buf, head.weights_offset, head.n_weights);
  Object.assign(pg, {header: head, epoch: head.epoch, steps: head.steps, loss: head.loss,
                     testLoss: head.test_loss, trainAcc: head.train_acc, testAcc: head.test_acc});
  drawFrame(head, neurons, weights);
  pg.frames += 1;
}

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// ------------------------------------------------------------------ drawing a frame
function fmt(v, digits) { return v === null || v === undefined ? "–" : v.toFixed(digits); }

function drawFrame(head, neurons, weights) {
  const [G, , K] = head.surface_shape;
  Draw.drawSurface($("surface"), surface, G, K, view.discretize);
  Draw.drawPoints($("points"), pg.config, surface, G, view.showTest);
  $("epoch").textContent = head.epoch.toLocaleString("en-US");
  $("stepsps").textContent = Math.round(head.steps_per_s).toLocaleString("en-US");
  $("loss").textContent = fmt(head.loss, 10);
  $("test-loss").textContent = fmt(head.test_loss, 6);
  $("train-acc").textContent = fmt(head.train_acc, 3);
  $("test-acc").textContent = fmt(head.test_acc, 3);
  const series = [Object.assign({color: "#183d4e"}, head.curve)];
  if (head.test_curve.epochs.length) series.push(Object.assign({color: "#f59322"}, head.test_curve));
  Draw.drawCurves($("curve"), series, true);
  if (!accHist.length || accHist[accHist.length - 1][0] !== head.epoch) {
    accHist.push([head.epoch, head.train_acc, head.test_acc]);
    if (accHist.length > 600) accHist = accHist.filter((_, i) => i % 2 === 0 || i === accHist.length - 1);
  }
  const acc = [{epochs: accHist.map(a => a[0]), values: accHist.map(a => a[1]), color: "#183d4e"}];
  if (head.test_acc !== null) acc.push({epochs: accHist.map(a => a[0]), values: accHist.map(a => a[2]), color: "#f59322"});
  Draw.drawCurves($("acc"), acc, false, [0, 1]);
  const key = head.sizes.join("-") + "/" + head.neurons_shape[1];
  if (key !== graphKey) buildGraph(head.sizes, head.neurons_shape[1]);
  drawGraph(head, neurons, weights);
}

// ------------------------------------------------------------------ the network graph
function buildGraph(sizes, Gn) {
  graphKey = sizes.join("-") + "/" + Gn;
  const box = $("graph"), W = box.clientWidth, H = box.clientHeight;
  const pos = Draw.layout(sizes, W, H), nodes = $("nodes"), svg = $("edges");
  nodes.innerHTML = ""; svg.innerHTML = "";
  graph = {sizes, nodes: [], edges: [], pos};
  const NS = "http://www.w3.org/2000/svg";
  for (let l = 1; l < sizes.length; l++) {
    const layerEdges = [];
    for (let i = 0; i < sizes[l - 1]; i++) {
      for (let j = 0; j < sizes[l]; j++) {
        const a = pos[l - 1][i], b = pos[l][j], path = document.createElementNS(NS, "path");
        const x0 = a.x + a.size, y0 = a.y + a.size / 2, x1 = b.x, y1 = b.y + b.size / 2, mx = (x0 + x1) / 2;
        path.setAttribute("d", `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`);
        path.dataset.l = l; path.dataset.i = i; path.dataset.j = j;
        svg.appendChild(path);
        layerEdges.push(path);
      }
    }
    graph.edges.push(layerEdges);
  }
  const hiddenCount = sizes.length - 2;
  for (let l = 0; l < sizes.length; l++) {
    const col = [];
    for (let j = 0; j < sizes[l]; j++) {
      const p = pos[l][j], out = l === sizes.length - 1;
      const el = document.createElement(out ? "div" : "canvas");
      el.className = "node" + (out ? " out" : "");
      Object.assign(el.style, {left: p.x + "px", top: p.y + "px", width: p.size + "px", height: p.size + "px"});
      if (out) el.style.background = Draw.PALETTE[j % Draw.PALETTE.length];
      else if (l === 0) Draw.drawInput(el, j, Gn);
      el.dataset.l = l; el.dataset.j = j;
      nodes.appendChild(el);
      col.push(el);
    }
    graph.nodes.push(col);
    const label = document.createElement("div");
    label.className = "collabel";
    const x = pos[l][0].x + pos[l][0].size / 2;
    Object.assign(label.style, {left: x - 40 + "px", top: "0px", width: "80px"});
    label.textContent = l === 0 ? "inputs x1, x2" : l === sizes.length - 1 ? "softmax" : `${sizes[l]} neurons`;
    nodes.appendChild(label);
    if (l > 0 && l <= hiddenCount) nodes.appendChild(layerControl(l - 1, x));
  }
  $("layers-label").textContent = `${hiddenCount} hidden layer${hiddenCount === 1 ? "" : "s"}`;
}

function layerControl(index, x) {
  const box = document.createElement("div");
  box.className = "layerctl";
  Object.assign(box.style, {left: x - 20 + "px", top: "13px"});
  for (const [text, delta] of [["+", 1], ["\u2212", -1]]) {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = delta > 0 ? "add a neuron" : "remove a neuron";
    b.onclick = () => {
      const hidden = pg.settings.hidden.slice();
      hidden[index] = Math.max(1, Math.min(caps.max_neurons, hidden[index] + delta));
      configure({hidden});
    };
    box.appendChild(b);
  }
  return box;
}

function weightAt(weights, sizes, l, i, j) {  // l = 1..L; i = -1: the bias b_l[j]
  let off = 0;
  for (let m = 1; m < l; m++) off += sizes[m - 1] * sizes[m] + sizes[m];
  return i < 0 ? weights[off + sizes[l - 1] * sizes[l] + j] : weights[off + i * sizes[l] + j];
}

function drawGraph(head, neurons, weights) {
  if (!graph) return;
  const sizes = head.sizes, Gn = head.neurons_shape[1];
  let n = 0;
  for (let l = 1; l < sizes.length - 1; l++) {
    for (let j = 0; j < sizes[l]; j++, n++) Draw.drawNeuron(graph.nodes[l][j], neurons, n * Gn * Gn, Gn);
  }
  for (let l = 1; l < sizes.length; l++) {
    for (const path of graph.edges[l - 1]) {
      Draw.edgeStyle(path, weightAt(weights, sizes, l, +path.dataset.i, +path.dataset.j));
    }
  }
  graph.weights = weights;
  graph.scales = head.scales;
}

function tooltipFor(target) {
  if (!graph || !graph.weights || target.dataset.l === undefined) return "";
  const l = +target.dataset.l, j = +target.dataset.j, sizes = graph.sizes;
  if (target.tagName === "path") {
    const i = +target.dataset.i;
    return MathPanel.edgeEquation(l, i, j, weightAt(graph.weights, sizes, l, i, j));
  }
  if (l === 0) return `x${j + 1} = a_0[:, ${j}]: input feature ${j + 1}`;
  if (l === sizes.length - 1) {
    return `a_${l}[:, ${j}] = P(class ${pg.config ? pg.config.classes[j] : j}) = softmax(z_${l})[:, ${j}]\n` +
           `b_${l}[${j}] = ${weightAt(graph.weights, sizes, l, -1, j).toFixed(4)}`;
  }
  let n = 0;
  for (let m = 1; m < l; m++) n += sizes[m];
  return MathPanel.neuronEquation(l, j, pg.settings.activation,
                                  weightAt(graph.weights, sizes, l, -1, j), graph.scales[n + j]);
}

function setupGraphEvents() {
  const tip = $("tooltip");
  const move = ev => {
    const text = tooltipFor(ev.target);
    tip.hidden = !text;
    tip.textContent = text;
    tip.style.left = ev.clientX + 14 + "px";
    tip.style.top = ev.clientY + 14 + "px";
  };
  $("graph").addEventListener("mousemove", move);
  $("graph").addEventListener("mouseleave", () => { tip.hidden = true; });
  $("edges").addEventListener("click", ev => {
    if (ev.target.tagName !== "path" || !graph.weights) return;
    if (pg.state === "playing") { showMessage("pause training to edit a weight", "error"); return; }
    const l = +ev.target.dataset.l, i = +ev.target.dataset.i, j = +ev.target.dataset.j;
    const old = weightAt(graph.weights, graph.sizes, l, i, j);
    const text = prompt(`New value of W_${l}[${i}, ${j}] (now ${old.toFixed(4)})`, old.toFixed(4));
    if (text === null) return;
    const value = Number(text);
    if (!Number.isFinite(value)) { showMessage(`not a number: ${text}`, "error"); return; }
    send({type: "edit", layer: l - 1, i, j, value});
  });
}

window.PlaygroundApp = {connect, fromURL, toURL, send, configure, showMessage, setupGraphEvents,
                        view, SPEEDS, INPUTS, INTS, FLOATS, getCaps: () => caps,
                        getSelectedClass: () => selectedClass, setSelectedClass: c => { selectedClass = c; },
                        redrawPlane};

function redrawPlane() {  // after a view toggle: the last frame's surface, points on top
  if (!pg.header || !surface) return;
  const [G, , K] = pg.header.surface_shape;
  Draw.drawSurface($("surface"), surface, G, K, view.discretize);
  Draw.drawPoints($("points"), pg.config, surface, G, view.showTest);
}
