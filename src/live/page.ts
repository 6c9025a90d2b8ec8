/**
 * The live page: one self-contained HTML document (styles and script inline, system fonts, no
 * request to anything but the server that sent it). It reads `/events` (server-sent events:
 * the charts, then inspection events in the Stately inspector's shape, then stats once a
 * second), paints each chart as SVG from the laid-out positions, and keeps the active states
 * and the transition just taken highlighted. EventSource reconnects by itself; a `upstate.hello`
 * after a reconnect resets the page, and the catch-up snapshot that follows redraws it.
 */

const STYLE = String.raw`
:root { color-scheme: dark; --bg: #0f1419; --panel: #161d26; --line: #2a3543; --text: #d7dee8; --muted: #8393a7;
  --state: #1d2733; --active: #1f6feb; --active-text: #fff; --taken: #f0b429; --ok: #3fb950; --bad: #f85149; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: .2px; }
header .sub { color: var(--muted); }
#link { margin-left: auto; display: flex; align-items: center; gap: 6px; color: var(--muted); }
#link::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: var(--bad); }
#link.live::before { background: var(--ok); }
main { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 16px; padding: 16px 20px; }
#charts { display: grid; gap: 14px; }
.connection { display: grid; gap: 10px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.panel h2 { font-size: 13px; margin: 0 0 6px; font-weight: 600; display: flex; gap: 8px; align-items: baseline; }
.panel h2 .state { color: var(--muted); font-weight: 400; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
svg.chart { width: 100%; height: auto; display: block; }
.st rect { fill: var(--state); stroke: #3b4b5e; stroke-width: 1; transition: fill .15s, stroke .15s; }
.st.compound > rect { fill: rgba(255,255,255,.015); }
.st.region > rect { stroke-dasharray: 4 3; fill: none; }
.st text { fill: var(--text); font-size: 11px; dominant-baseline: middle; }
.st.compound > text, .st.parallel > text { fill: var(--muted); font-weight: 600; }
.st.active > rect { stroke: var(--active); stroke-width: 2; }
.st.active.atomic > rect { fill: var(--active); }
.st.active.atomic > text { fill: var(--active-text); font-weight: 600; }
.st .dot { fill: var(--muted); }
.tr path { fill: none; stroke: #4a5a6e; stroke-width: 1.2; marker-end: url(#arrow); }
.tr text { fill: var(--muted); font-size: 9.5px; paint-order: stroke; stroke: var(--panel); stroke-width: 3px; stroke-linejoin: round; }
.tr.taken path { stroke: var(--taken); stroke-width: 2.4; marker-end: url(#arrow-taken); }
.tr.taken text { fill: var(--taken); font-weight: 600; }
.trail { margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px; align-items: center; color: var(--muted); font: 11px ui-monospace, Menlo, Consolas, monospace; min-height: 18px; }
.trail span { padding: 1px 6px; border-radius: 4px; background: #202a36; }
.trail span:last-child { background: var(--active); color: var(--active-text); }
aside { display: grid; gap: 14px; align-content: start; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 0; text-align: right; font-weight: 400; }
th:first-child, td:first-child { text-align: left; color: var(--muted); }
thead th { color: var(--muted); font-size: 11px; border-bottom: 1px solid var(--line); }
.big { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.big div { background: #1b2430; border-radius: 6px; padding: 8px 10px; }
.big b { display: block; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.big small { color: var(--muted); }
.spark { width: 100%; height: 64px; display: block; }
.spark .area { opacity: .18; }
.legend { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; margin-top: 2px; }
.legend b { color: var(--text); font-weight: 600; }
#empty { color: var(--muted); padding: 40px; text-align: center; }
`;

const SCRIPT = String.raw`
'use strict';
var SVGNS = 'http://www.w3.org/2000/svg';
var WINDOW = 60;
var charts = {}, actors = {}, order = [], samples = [], lastStats = null;

function el(tag, attrs, parent, ns) {
  var node = ns ? document.createElementNS(SVGNS, tag) : document.createElement(tag);
  for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(node);
  return node;
}
function text(node, value) { node.textContent = value; return node; }
function fmt(n) { return n >= 1e6 ? (n / 1e6).toFixed(1) + 'M' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(Math.round(n * 10) / 10); }
function pct(x) { return (x * 100).toFixed(1) + '%'; }

/** Ids of every active state node: { open: { demand: 'active' } } → connection.open, connection.open.demand, … */
function activeIds(machineId, value) {
  var out = new Set();
  (function walk(prefix, v) {
    if (typeof v === 'string') { out.add(prefix + '.' + v); return; }
    if (v && typeof v === 'object') for (var k in v) { out.add(prefix + '.' + k); walk(prefix + '.' + k, v[k]); }
  })(machineId, value);
  return out;
}
function topState(value) { return typeof value === 'string' ? value : Object.keys(value || {})[0] || '?'; }
function describe(value) {
  if (typeof value === 'string') return value;
  return Object.keys(value || {}).map(function (k) {
    var v = value[k];
    return typeof v === 'string' ? k + '.' + v : k + (Object.keys(v).length > 1 ? '' : '.' + describe(v));
  }).join(', ');
}

function reset(hello) {
  charts = {}; actors = {}; order = []; samples = []; lastStats = null;
  document.getElementById('charts').innerHTML = '<div id="empty">waiting for the orchestrator…</div>';
  document.getElementById('started').textContent = hello.label || '';
}

function pathOf(actor) {
  var names = [];
  for (var a = actor; a && a.parentId; a = actors[a.parentId]) names.unshift(a.name);
  return names;
}

function drawChart(chart, svg) {
  svg.setAttribute('viewBox', '0 0 ' + chart.width + ' ' + chart.height);
  svg.style.maxWidth = Math.round(chart.width * 1.1) + 'px';
  var defs = el('defs', {}, svg, true);
  [['arrow', '#4a5a6e'], ['arrow-taken', '#f0b429']].forEach(function (m) {
    var marker = el('marker', { id: m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, defs, true);
    el('path', { d: 'M0,0 L10,5 L0,10 z', fill: m[1] }, marker, true);
  });
  var nodes = {}, edges = [];
  var states = chart.states.slice().sort(function (a, b) { return a.depth - b.depth; });
  states.forEach(function (s) {
    var g = el('g', { class: 'st ' + s.kind + (s.region ? ' region' : ''), 'data-state': s.id }, svg, true);
    el('rect', { x: s.x, y: s.y, width: s.width, height: s.height, rx: 7 }, g, true);
    var compound = s.kind === 'compound' || s.kind === 'parallel';
    text(el('text', compound ? { x: s.x + 10, y: s.y + 13 } : { x: s.x + s.width / 2, y: s.y + s.height / 2 + 1, 'text-anchor': 'middle' }, g, true), s.label);
    if (s.initial) el('circle', { class: 'dot', cx: s.x - 1, cy: s.y - 1, r: 3.2 }, g, true);
    nodes[s.id] = g;
  });
  chart.transitions.forEach(function (t) {
    if (t.points.length < 2) return;
    var g = el('g', { class: 'tr', 'data-event': t.eventType }, svg, true);
    el('path', { d: t.points.map(function (p, i) { return (i ? 'L' : 'M') + p.x + ',' + p.y; }).join(' ') }, g, true);
    text(el('text', { x: t.labelX + 2, y: t.labelY + 10.5 }, g, true), t.label);
    edges.push({ t: t, g: g });
  });
  return { nodes: nodes, edges: edges };
}

function ensurePanel(actor) {
  if (actor.panel || !actor.machineId) return;
  var chart = charts[actor.machineId];
  if (!chart || chart.states.length < 2) return;
  var empty = document.getElementById('empty');
  if (empty) empty.remove();
  var path = pathOf(actor);
  var group = path[0] || actor.name;
  var row = document.querySelector('.connection[data-connection="' + group + '"]');
  if (!row) row = el('section', { class: 'connection', 'data-connection': group }, document.getElementById('charts'));
  var panel = el('div', { class: 'panel', 'data-actor': path.join('/') || actor.name, 'data-machine': actor.machineId }, row);
  var h = el('h2', {}, panel);
  text(el('span', {}, h), path.join(' › ') || actor.name);
  actor.stateLabel = el('span', { class: 'state' }, h);
  var svg = el('svg', { class: 'chart' }, panel, true);
  actor.drawing = drawChart(chart, svg);
  actor.trailNode = el('div', { class: 'trail' }, panel);
  actor.panel = panel;
  paint(actor, null);
}

function paint(actor, taken) {
  if (!actor.drawing) return;
  var active = activeIds(actor.machineId, actor.value);
  for (var id in actor.drawing.nodes) actor.drawing.nodes[id].classList.toggle('active', active.has(id));
  if (taken !== null) actor.drawing.edges.forEach(function (e) { e.g.classList.toggle('taken', taken.indexOf(e.t) >= 0); });
  actor.stateLabel.textContent = describe(actor.value);
  actor.panel.setAttribute('data-active', topState(actor.value));
  actor.panel.setAttribute('data-trail', actor.trail.join(' '));
  var shown = actor.trail.slice(-9);
  actor.trailNode.innerHTML = '';
  shown.forEach(function (s) { text(el('span', {}, actor.trailNode), s); });
}

/** The drawn transitions that explain going from 'before' to 'after' on an event of type 'type'. */
function transitionsTaken(chart, before, after, type) {
  var hits = chart.transitions.filter(function (t) { return t.eventType === type && before.has(t.source) && after.has(t.target); });
  if (hits.length) return hits;
  return chart.transitions.filter(function (t) { return t.eventType === '' && before.has(t.source) && after.has(t.target) && !before.has(t.target); });
}

function onActor(e) {
  var actor = actors[e.sessionId] || { trail: [] };
  actor.sessionId = e.sessionId; actor.name = e.name; actor.parentId = e.parentId; actor.machineId = e.machineId;
  if (e.snapshot && e.snapshot.value !== undefined && actor.value === undefined) {
    actor.value = e.snapshot.value; actor.trail = [topState(actor.value)];
  }
  if (!actors[e.sessionId]) order.push(e.sessionId);
  actors[e.sessionId] = actor;
  ensurePanel(actor);
}

function onSnapshot(e) {
  var actor = actors[e.sessionId];
  if (!actor || !e.snapshot || e.snapshot.value === undefined) return;
  var before = actor.value;
  actor.value = e.snapshot.value;
  var top = topState(actor.value);
  if (actor.trail[actor.trail.length - 1] !== top) { actor.trail.push(top); if (actor.trail.length > 200) actor.trail.shift(); }
  var chart = charts[actor.machineId];
  var taken = null;
  if (chart && before !== undefined && JSON.stringify(before) !== JSON.stringify(actor.value)) {
    taken = transitionsTaken(chart, activeIds(actor.machineId, before), activeIds(actor.machineId, actor.value), e.event && e.event.type);
  }
  paint(actor, taken);
}

function onStats(e) {
  lastStats = e.stats;
  samples.push({ at: e.at, sent: e.stats.messagesSent, deliveries: e.stats.deliveries });
  if (samples.length > WINDOW + 1) samples.shift();
  var s = e.stats;
  var big = document.getElementById('totals');
  big.innerHTML = '';
  [['flushes started', fmt(s.flushesStarted)], ['changes absorbed', fmt(s.changesAbsorbed)], ['batch efficiency', pct(s.batchEfficiency)],
   ['messages sent', fmt(s.messagesSent)], ['rate-limit waits', fmt(s.rateWaits)], ['duplicates prevented', fmt(s.duplicatesPrevented)],
   ['subscribers', fmt(s.subscribers)], ['deliveries', fmt(s.deliveries)]].forEach(function (f) {
    var d = el('div', { 'data-figure': f[0] }, big);
    text(el('b', {}, d), f[1]); text(el('small', {}, d), f[0]);
  });
  var names = Object.keys(s.connections);
  var table = document.getElementById('per-connection');
  table.innerHTML = '';
  var head = el('tr', {}, el('thead', {}, table));
  text(el('th', {}, head), '');
  names.forEach(function (n) { text(el('th', {}, head), n); });
  var body = el('tbody', {}, table);
  [['link', function (c) { return c.link; }], ['flush', function (c) { return c.flush; }],
   ['flushes', function (c) { return fmt(c.flushesStarted); }], ['absorbed', function (c) { return fmt(c.changesAbsorbed); }],
   ['batch efficiency', function (c) { return c.changes ? pct(c.changesAbsorbed / c.changes) : '–'; }],
   ['messages sent', function (c) { return fmt(c.messagesSent); }], ['rate waits', function (c) { return fmt(c.rateWaits); }],
   ['rate headroom', function (c) { return c.headroom === undefined || c.headroom === null ? '–' : String(c.headroom); }],
   ['frames', function (c) { return fmt(c.framesReceived); }], ['reconnects', function (c) { return fmt(c.reconnects); }]
  ].forEach(function (r) {
    var tr = el('tr', {}, body);
    text(el('td', {}, tr), r[0]);
    names.forEach(function (n) { text(el('td', {}, tr), r[1](s.connections[n])); });
  });
  drawRates();
}

/** Per-second rates between consecutive samples. */
function rates(key) {
  var out = [];
  for (var i = 1; i < samples.length; i++) {
    var dt = (samples[i].at - samples[i - 1].at) / 1000;
    out.push(dt > 0 ? Math.max(0, samples[i][key] - samples[i - 1][key]) / dt : 0);
  }
  return out;
}

function spark(id, values, color) {
  var svg = document.getElementById(id);
  var w = 300, h = 64;
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  svg.innerHTML = '';
  var max = Math.max(1, Math.max.apply(null, values.concat([0])));
  var step = w / (WINDOW - 1);
  var x0 = w - (values.length - 1) * step;
  var pts = values.map(function (v, i) { return [x0 + i * step, h - 4 - (v / max) * (h - 10)]; });
  el('line', { x1: 0, x2: w, y1: h - 4, y2: h - 4, stroke: '#2a3543' }, svg, true);
  if (pts.length > 1) {
    var line = pts.map(function (p, i) { return (i ? 'L' : 'M') + p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' ');
    el('path', { class: 'area', d: line + ' L' + pts[pts.length - 1][0] + ',' + (h - 4) + ' L' + pts[0][0] + ',' + (h - 4) + ' z', fill: color }, svg, true);
    el('path', { d: line, fill: 'none', stroke: color, 'stroke-width': 1.8 }, svg, true);
  }
  document.getElementById(id + '-now').textContent = values.length ? fmt(values[values.length - 1]) + '/s' : '–';
  document.getElementById(id + '-max').textContent = 'peak ' + fmt(values.length ? Math.max.apply(null, values) : 0) + '/s';
}
function drawRates() { spark('rate-sent', rates('sent'), '#58a6ff'); spark('rate-deliveries', rates('deliveries'), '#3fb950'); }

function connect() {
  var status = document.getElementById('link');
  var source = new EventSource('events');
  source.onopen = function () { status.className = 'live'; status.textContent = 'live'; };
  source.onerror = function () { status.className = ''; status.textContent = 'reconnecting…'; };
  source.onmessage = function (m) {
    var e = JSON.parse(m.data);
    switch (e.type) {
      case 'upstate.hello': reset(e); break;
      case 'upstate.chart': charts[e.chart.id] = e.chart; order.forEach(function (id) { ensurePanel(actors[id]); }); break;
      case '@xstate.actor': onActor(e); break;
      case '@xstate.snapshot': onSnapshot(e); break;
      case 'upstate.stats': onStats(e); break;
    }
  };
}
connect();
`;

/** The page, with `title` shown in its header. */
export function livePage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><span class="sub" id="started"></span><span id="link">connecting…</span></header>
<main>
  <div id="charts"><div id="empty">waiting for the orchestrator…</div></div>
  <aside>
    <div class="panel"><h2>Pending flush</h2><div class="big" id="totals"></div></div>
    <div class="panel"><h2>Per connection</h2><table id="per-connection"></table></div>
    <div class="panel"><h2>Messages sent per second</h2><svg class="spark" id="rate-sent"></svg>
      <div class="legend"><span>now <b id="rate-sent-now">–</b></span><span id="rate-sent-max"></span></div></div>
    <div class="panel"><h2>Deliveries per second</h2><svg class="spark" id="rate-deliveries"></svg>
      <div class="legend"><span>now <b id="rate-deliveries-now">–</b></span><span id="rate-deliveries-max"></span></div></div>
  </aside>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
