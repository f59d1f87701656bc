// nnscratch playground: the controls (each change is sent at once), CSV drop, points, export.
"use strict";

const App = window.PlaygroundApp;
const LABELS = {gaussian_quantiles: "gaussian quantiles", xor: "XOR", csv: "your CSV"};

function options(select, values, labels) {
  select.innerHTML = "";
  for (const v of values) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = (labels && labels[v]) || v;
    select.appendChild(o);
  }
}

function buildControls() {  // once the server said which choices and caps it has
  const caps = App.getCaps();
  options($("dataset"), caps.datasets, LABELS);
  options($("activation"), caps.activations);
  options($("init"), caps.inits);
  options($("optimizer"), caps.optimizers);
  options($("schedule"), caps.schedules);
  options($("speed"), App.SPEEDS);
  $("samples").max = caps.max_points;
  $("batch").min = caps.min_batch;
  $("classes").max = caps.max_classes;
}

function fillControls() {  // the settings the server confirmed
  const s = window.playground.settings;
  if (!s) return;
  for (const k of App.INPUTS) $(k).value = s[k];
  for (const k of ["samples", "noise", "classes", "test"]) {
    $(k + "-value").textContent = k === "test" ? `${Math.round(s.test * 100)}%` : s[k];
  }
  const caps = App.getCaps();
  $("classes-row").style.display = caps && caps.multiclass.includes(s.dataset) ? "" : "none";
  $("batch").disabled = s.optimizer === "gd";
  $("speed").value = window.playground.speed;
  $("discretize").checked = App.view.discretize;
  $("showtest").checked = App.view.showTest;
}

function buildClassPick() {
  const box = $("classpick"), cfg = window.playground.config;
  box.innerHTML = "";
  if (App.getSelectedClass() >= cfg.classes.length) App.setSelectedClass(0);
  cfg.classes.forEach((c, k) => {
    const b = document.createElement("button");
    b.textContent = c;
    b.style.background = Draw.PALETTE[k % Draw.PALETTE.length];
    b.className = k === App.getSelectedClass() ? "selected" : "";
    b.title = `clicks on the output add points of class ${c}`;
    b.onclick = () => { App.setSelectedClass(k); buildClassPick(); };
    box.appendChild(b);
  });
}

function readSetting(k) {
  const v = $(k).value;
  return App.INTS.has(k) || App.FLOATS.has(k) ? Number(v) : v;
}

function setupControls() {
  for (const k of App.INPUTS) {
    $(k).addEventListener("change", () => {
      const value = readSetting(k);
      if (k === "dataset" && value === "csv") {
        App.showMessage("drop a CSV file on the data panel (or choose one) to train on your own data", "info");
        fillControls();
        return;
      }
      App.configure({[k]: value});
    });
  }
  for (const k of ["samples", "noise", "classes", "test"]) {
    $(k).addEventListener("input", () => {
      const v = Number($(k).value);
      $(k + "-value").textContent = k === "test" ? `${Math.round(v * 100)}%` : v;
    });
  }
  $("speed").addEventListener("change", () => {
    window.playground.speed = Number($("speed").value);
    App.send({type: "speed", value: window.playground.speed});
    App.toURL();
  });
  $("play").onclick = () => App.send({type: window.playground.state === "playing" ? "pause" : "play"});
  $("step").onclick = () => App.send({type: "step"});
  $("reset").onclick = () => App.send({type: "reset"});
  $("tutorial").onclick = () => {
    const caps = App.getCaps();
    window.playground.speed = caps.max_steps_per_frame;
    App.send({type: "speed", value: caps.max_steps_per_frame});
    App.send({type: "config", settings: Object.assign({}, caps.tutorial, {epochs: 20000})});
    App.send({type: "play"});
  };
  $("layer-add").onclick = () => {
    const h = window.playground.settings.hidden;
    if (h.length >= App.getCaps().max_layers) {
      App.showMessage(`at most ${App.getCaps().max_layers} hidden layers (the playground's cap)`, "error");
      return;
    }
    App.configure({hidden: [...h, h.length ? h[h.length - 1] : 4]});
  };
  $("layer-remove").onclick = () => App.configure({hidden: window.playground.settings.hidden.slice(0, -1)});
  for (const [id, key] of [["discretize", "discretize"], ["showtest", "showTest"]]) {
    $(id).addEventListener("change", () => {
      App.view[key] = $(id).checked;
      App.toURL();
      App.redrawPlane();
    });
  }
  setupPoints();
  setupCsv();
  setupExport();
  App.setupGraphEvents();
}

function setupPoints() {
  const canvas = $("points");
  const at = ev => {
    const cfg = window.playground.config, r = canvas.getBoundingClientRect();
    const [x0, x1, y0, y1] = cfg.bounds;
    return [x0 + (ev.clientX - r.left) / r.width * (x1 - x0), y1 - (ev.clientY - r.top) / r.height * (y1 - y0)];
  };
  canvas.addEventListener("click", ev => {
    const [x, y] = at(ev), cfg = window.playground.config;
    if (ev.shiftKey) App.send({type: "point", op: "remove", x, y});
    else App.send({type: "point", op: "add", x, y, label: cfg.classes[App.getSelectedClass()]});
  });
  canvas.addEventListener("contextmenu", ev => {
    ev.preventDefault();
    const [x, y] = at(ev);
    App.send({type: "point", op: "remove", x, y});
  });
}

async function sendCsv(file) {
  const caps = App.getCaps();
  if (file.size > caps.max_csv_bytes) {
    App.showMessage(`${file.name} is ${Math.round(file.size / 1024)} KiB; the playground's cap is ` +
                    `${caps.max_csv_bytes / 1024} KiB`, "error");
    return;
  }
  App.showMessage(`reading ${file.name}...`, "info");
  App.send({type: "csv", name: file.name, text: await file.text()});
}

function setupCsv() {
  const drop = $("drop");
  drop.addEventListener("dragover", ev => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", ev => {
    ev.preventDefault();
    drop.classList.remove("over");
    const file = ev.dataTransfer && ev.dataTransfer.files[0];
    if (file) sendCsv(file);
  });
  $("file").addEventListener("change", () => { if ($("file").files[0]) sendCsv($("file").files[0]); });
  // a file dropped anywhere else must not make the browser navigate away from the page
  window.addEventListener("dragover", ev => ev.preventDefault());
  window.addEventListener("drop", ev => ev.preventDefault());
}

function copy(text, what) {
  const done = () => App.showMessage(`copied ${what}`, "info");
  if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, () => App.showMessage(`select and copy the ${what} by hand`, "error"));
}

function setupExport() {
  $("download").onclick = () => App.send({type: "export"});
  $("copy-link").onclick = () => copy(location.href, "the link");
  $("copy-command").onclick = () => copy($("command").textContent, "the command");
  $("copy-python").onclick = () => copy($("python").textContent, "the Python code");
}

function applyHide() {  // ?hide=data,network,training,output,math,export: a classroom handout
  for (const name of App.view.hide) {
    const els = name === "training" ? document.querySelectorAll("#topbar label, #tutorial")
                                    : document.querySelectorAll(`[data-section="${name}"]`);
    els.forEach(el => el.classList.add("hidden-by-url"));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const initial = App.fromURL();
  applyHide();
  setupControls();
  App.connect(initial);
});
