// The page `bp trace-view` writes: one self-contained HTML file (inline CSS and JavaScript, no
// network). The data sits in a <script type="application/json"> block; the script builds one
// .lane element per thread with a bar per event, a time axis, zoom buttons and hover tooltips.
#include "trace_view.hpp"

namespace bp::tool {

namespace {

const char* const kHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bp trace</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 12px; color: #222; background: #fff; }
h1 { font-size: 16px; margin: 0 0 4px 0; }
#summary { color: #555; margin-bottom: 6px; }
#legend span { display: inline-block; margin-right: 12px; }
#legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; }
#controls { margin: 6px 0; }
#controls button { margin-right: 4px; }
#view { overflow-x: auto; border: 1px solid #ccc; position: relative; }
#axis, .lane { display: flex; }
.label { position: sticky; left: 0; z-index: 2; width: 190px; min-width: 190px; padding: 2px 6px;
         background: #f6f6f6; border-right: 1px solid #ccc; overflow: hidden; text-overflow: ellipsis;
         white-space: nowrap; box-sizing: border-box; }
.lane { border-top: 1px solid #e4e4e4; }
.track { position: relative; flex: none; }
#axis .track { height: 22px; }
.tick { position: absolute; top: 0; height: 22px; border-left: 1px solid #bbb; padding-left: 3px;
        font-size: 11px; color: #555; white-space: nowrap; }
.life { position: absolute; background: #dbe8f7; border: 1px solid #a9c4e6; box-sizing: border-box; }
.bar { position: absolute; height: 16px; min-width: 1px; box-sizing: border-box; border-radius: 2px;
       font-size: 10px; line-height: 16px; color: #fff; overflow: hidden; white-space: nowrap; cursor: default; }
.bar:hover { outline: 2px solid #000; z-index: 1; }
#tip { position: fixed; display: none; z-index: 10; background: #222; color: #fff; padding: 6px 8px;
       border-radius: 4px; font-size: 12px; pointer-events: none; max-width: 480px; white-space: pre-wrap; }
</style>
</head>
<body>
<h1 id="title">bp trace</h1>
<div id="summary"></div>
<div id="legend"></div>
<div id="controls"><button id="zin">zoom in</button><button id="zout">zoom out</button><button id="zfit">fit</button></div>
<div id="view"><div id="axis"><div class="label">time</div><div class="track"></div></div><div id="lanes"></div></div>
<div id="tip"></div>
<script type="application/json" id="trace-data">)HTML";

const char* const kTail = R"HTML(</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("trace-data").textContent);
const COLORS = { lock: "#d9534f", condition: "#f0ad4e", channel: "#1f9fbf", join: "#7e57c2", sync: "#e377c2",
  future: "#8c564b", sleep: "#8a8a8a", idle: "#b8b8b8", io: "#17becf", gc: "#2ca02c" };
const OTHER = "#1f77b4";
const ROW = 18, PAD = 4;
const color = c => COLORS[c] || OTHER;
let t0 = Infinity, t1 = -Infinity;
for (const l of D.lanes) if (l.life) { t0 = Math.min(t0, l.start); t1 = Math.max(t1, l.end); }
for (const e of D.events) { t0 = Math.min(t0, e.ts); t1 = Math.max(t1, e.ts + e.d); }
if (!isFinite(t0)) { t0 = 0; t1 = 1; }
const span = Math.max(t1 - t0, 1);
function fmt(us) {
  if (us === 0) return "0";
  if (us >= 1e6) return (us / 1e6).toFixed(3) + " s";
  if (us >= 1e3) return (us / 1e3).toFixed(3) + " ms";
  return us.toFixed(us < 10 ? 3 : 1) + " us";
}
// Per lane: its events, each with a depth (nested events stack downwards).
const byLane = D.lanes.map(() => []);
for (const e of D.events) byLane[e.l].push(e);
const depthOf = new Map();
const laneDepth = byLane.map(list => {
  list.sort((a, b) => a.ts - b.ts || b.d - a.d);
  const stack = [];
  let max = 0;
  for (const e of list) {
    while (stack.length && stack[stack.length - 1] <= e.ts) stack.pop();
    depthOf.set(e, stack.length);
    max = Math.max(max, stack.length + 1);
    stack.push(e.ts + e.d);
  }
  return max;
});
document.getElementById("title").textContent = D.title;
const nEvents = D.events.length;
document.getElementById("summary").textContent = D.lanes.length + " thread" + (D.lanes.length === 1 ? "" : "s") +
  ", " + nEvents + " event" + (nEvents === 1 ? "" : "s") + ", " + fmt(span) + ". Hover a bar for details.";
const cats = [...new Set(D.events.map(e => e.c))].sort();
const legend = document.getElementById("legend");
for (const c of cats) {
  const s = document.createElement("span");
  const i = document.createElement("i");
  i.style.background = color(c);
  s.append(i, c);
  legend.append(s);
}
const view = document.getElementById("view");
const tip = document.getElementById("tip");
let scale = 1; // px per microsecond
function fit() { scale = Math.max(view.clientWidth - 250, 200) / span; }
function describe(e) {
  const lines = [e.n, fmt(e.d) + "  (at " + fmt(e.ts - t0) + ")", "category: " + e.c];
  const a = e.a || {};
  if (a.file !== undefined) lines.push("at " + a.file + ":" + a.line + (a.function ? " in " + a.function : ""));
  for (const k of Object.keys(a)) {
    if (k === "file" || k === "line" || k === "function") continue;
    const v = a[k];
    lines.push(k + ": " + (typeof v === "number" && /_us$/.test(k) ? fmt(v) : JSON.stringify(v)));
  }
  return lines.join("\n");
}
function ticks(track, width) {
  const raw = span * 90 / width;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * p).find(s => s >= raw);
  for (let t = 0; t <= span; t += step) {
    const d = document.createElement("div");
    d.className = "tick";
    d.style.left = (t * scale) + "px";
    d.textContent = fmt(t);
    track.append(d);
  }
}
function render() {
  const width = Math.ceil(span * scale) + 40;
  const axis = document.querySelector("#axis .track");
  axis.replaceChildren();
  axis.style.width = width + "px";
  ticks(axis, width);
  const lanes = document.getElementById("lanes");
  lanes.replaceChildren();
  D.lanes.forEach((l, i) => {
    const lane = document.createElement("div");
    lane.className = "lane";
    lane.dataset.tid = l.tid;
    const label = document.createElement("div");
    label.className = "label";
    label.textContent = l.name;
    label.title = l.name;
    const track = document.createElement("div");
    track.className = "track";
    const h = Math.max(laneDepth[i], 1) * ROW + 2 * PAD;
    track.style.width = width + "px";
    track.style.height = h + "px";
    if (l.life) {
      const life = document.createElement("div");
      life.className = "life";
      life.style.left = ((l.start - t0) * scale) + "px";
      life.style.width = Math.max((l.end - l.start) * scale, 1) + "px";
      life.style.top = "1px";
      life.style.height = (h - 2) + "px";
      life.dataset.tip = l.name + "\nalive " + fmt(l.end - l.start) + "  (from " + fmt(l.start - t0) + ")" +
        (l.finished === false ? "\nstill running when the trace was written" : "");
      track.append(life);
    }
    for (const e of byLane[i]) {
      const b = document.createElement("div");
      b.className = "bar";
      b.style.background = color(e.c);
      b.style.left = ((e.ts - t0) * scale) + "px";
      const w = e.d * scale;
      b.style.width = Math.max(w, 1) + "px";
      b.style.top = (PAD + depthOf.get(e) * ROW) + "px";
      if (w > 40) b.textContent = e.n;
      b.dataset.tip = describe(e);
      track.append(b);
    }
    lane.append(label, track);
    lanes.append(lane);
  });
}
view.addEventListener("mousemove", ev => {
  const t = ev.target.dataset ? ev.target.dataset.tip : undefined;
  if (!t) { tip.style.display = "none"; return; }
  tip.textContent = t;
  tip.style.display = "block";
  tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 300) + "px";
  tip.style.top = (ev.clientY + 14) + "px";
});
view.addEventListener("mouseleave", () => { tip.style.display = "none"; });
document.getElementById("zin").onclick = () => { scale *= 2; render(); };
document.getElementById("zout").onclick = () => { scale /= 2; render(); };
document.getElementById("zfit").onclick = () => { fit(); render(); };
fit();
render();
</script>
</body>
</html>
)HTML";

} // namespace

std::string render_trace_page(const std::string& data_json) {
    std::string out = kHead;
    out += data_json;
    out += kTail;
    return out;
}

} // namespace bp::tool
