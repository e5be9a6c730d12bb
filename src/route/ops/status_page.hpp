#pragma once
// The route's status page (GET /): static HTML whose script fetches
// /status.json every 5 s (the history's step) and renders it: tables, and
// line charts of the last hour drawn as inline SVG by the page's own script
// (no library, nothing from elsewhere). Peer text (vnet, group and serve
// names) only ever goes through textContent or an attribute value, so markup
// in a name is shown, never run; the Content-Security-Policy allows only
// this page's own script and style (by nonce) and fetches to the same
// origin. "NONCE" is replaced per response. The page stays under
// status_page_budget bytes (tests/blackbox/test_metrics.py checks it).
#include <cstddef>

namespace route {

inline constexpr std::size_t status_page_budget = 24 * 1024;

inline constexpr const char* status_page = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vnet route</title>
<style nonce="NONCE">
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; vertical-align: middle; }
th { border-bottom: 1px solid #999; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
#state { color: #a00; } .note { color: #666; font-size: 0.9em; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; } .chart figcaption { font-size: 0.9em; }
figure { margin: 0; } svg { background: #fafafa; border: 1px solid #ddd; }
.k1 { color: #1565c0; } .k2 { color: #2e7d32; } .k3 { color: #6a1b9a; } .k4 { color: #c62828; }
</style></head>
<body>
<h1>vnet route</h1>
<p id="summary">loading...</p><p id="rates"></p><p id="state"></p>
<h2>last hour</h2><div class="charts" id="charts"></div>
<h2>vnets</h2><table id="vnets"></table><p class="note" id="vnets-note"></p>
<h2>groups</h2><table id="groups"></table><p class="note" id="groups-note"></p>
<h2>serves</h2><table id="serves"></table><p class="note" id="serves-note"></p>
<h2>live links</h2><table id="links"></table><p class="note" id="links-note"></p>
<h2>admission</h2><p class="note" id="admission-note"></p>
<h3>recent refusals</h3><table id="refusals"></table>
<h3>addresses that failed</h3><table id="watched"></table>
<script nonce="NONCE">
"use strict";
const token = new URLSearchParams(location.search).get("token");
const url = "status.json" + (token ? "?token=" + encodeURIComponent(token) : "");
const SVG = "http://www.w3.org/2000/svg";
const COLORS = { up: "#1565c0", down: "#2e7d32", opened: "#6a1b9a", failed: "#c62828" };
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(Math.round(n))) + " " + u[i];
}
function rate(n) { return n < 10 ? (+n).toFixed(2).replace(/\.?0+$/, "") : String(Math.round(n)); }
function duration(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + Math.floor(s % 60) + "s";
}
function when(t) {
  const d = new Date(t * 1000), p = n => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" +
         p(d.getMinutes()) + ":" + p(d.getSeconds());
}
function pad(n, w) { return String(n).padStart(w, "0"); }
function count(n, word) { return n + " " + word + (n == 1 ? "" : "s"); }
// A keyed group's id is "k-" and 32 hex digits: shown short, whole on hover.
function group(g) {
  return /^k-[0-9a-f]{32}$/.test(g) ? { text: g.slice(0, 6) + "\u2026", title: g } : { text: g };
}
// A line chart of `lines` ([values, color, dashes?]) as inline SVG, scaled
// to its largest value; `fmt` labels that maximum. The second line is
// dashed: equal rates (an echo's up and down) stay visible.
function chart(lines, w, h, fmt) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  let max = 0, len = 2;
  for (const [v] of lines) { for (const x of v) max = Math.max(max, x); len = Math.max(len, v.length); }
  for (let [v, color, dashes] of lines) {
    if (v.length === 1) v = [v[0], v[0]];  // one point so far: a level line
    if (!v.length) continue;
    let d = "";
    v.forEach((x, i) => {
      const px = (w - 2) * (i + len - v.length) / (len - 1) + 1, py = h - 2 - (max ? (h - 14) * x / max : 0);
      d += (i ? "L" : "M") + px.toFixed(1) + " " + py.toFixed(1);
    });
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d); p.setAttribute("fill", "none"); p.setAttribute("stroke", color);
    p.setAttribute("stroke-width", "1.5");
    if (dashes) p.setAttribute("stroke-dasharray", dashes);
    svg.appendChild(p);
  }
  const t = document.createElementNS(SVG, "text");
  t.setAttribute("x", 4); t.setAttribute("y", 11); t.setAttribute("font-size", "10"); t.setAttribute("fill", "#666");
  t.textContent = fmt(max);
  svg.appendChild(t);
  return svg;
}
function figure(caption, keys, svg) {
  const f = el("figure", undefined, "chart"), c = el("figcaption", caption + " ");
  keys.forEach(([k, cls]) => c.appendChild(el("span", "\u25a0 " + k + " ", cls)));
  f.append(svg, c);
  return f;
}
function byteChart(s, w, h) {
  return chart([[s.up, COLORS.up], [s.down, COLORS.down, "4 3"]], w, h, m => bytes(m) + "/s");
}
function linkChart(s, w, h) {
  return chart([[s.opened, COLORS.opened], [s.failed, COLORS.failed, "4 3"]], w, h, m => rate(m) + "/s");
}
// cells: [text, numeric?, title?] or a DOM node; every value goes in as text.
function table(id, head, rows, total) {
  const t = document.getElementById(id);
  t.replaceChildren();
  const tr = t.insertRow();
  for (const h of head) tr.appendChild(el("th", h));
  for (const r of rows) {
    const row = t.insertRow();
    for (const cell of r) {
      const c = row.insertCell();
      if (cell instanceof Node) { c.appendChild(cell); continue; }
      const [v, num, title] = cell;
      c.textContent = v;
      if (num) c.className = "n";
      if (title) c.title = title;
    }
  }
  if (!rows.length) { const c = t.insertRow().insertCell(); c.colSpan = head.length; c.textContent = "none"; }
  const note = document.getElementById(id + "-note");
  if (note) note.textContent = total > rows.length ? "showing " + rows.length + " of " + total : "";
}
function gcell(g) { const x = group(g); return [x.text, 0, x.title]; }
function vcell(id, name) { return [pad(id, 2) + " " + name]; }
function last(v) { return v.length ? v[v.length - 1] : 0; }
function render(s) {
  const t = s.totals, h = s.history.route;
  document.getElementById("summary").textContent =
    "version " + s.version + ", up " + duration(s.uptime_seconds) + "; " + count(s.vnets_total, "vnet") + " in " +
    count(s.groups_total, "group") + ", " + count(s.serves_total, "serve") + ", " +
    count(t.links_active, "live link") + ", " +
    t.links_opened + " opened, " + t.links_failed + " failed, " + bytes(t.bytes_relayed) + " relayed (" +
    bytes(t.bytes_up) + " up, " + bytes(t.bytes_down) + " down)";
  document.getElementById("rates").textContent =
    "now: " + bytes(last(h.up)) + "/s up, " + bytes(last(h.down)) + "/s down, " + rate(last(h.opened)) +
    " links/s opened, " + rate(last(h.failed)) + " failed (a point every " + s.history.step_seconds + " s)";
  const up = [["up", "k1"], ["down", "k2"]], ln = [["opened", "k3"], ["failed", "k4"]];
  document.getElementById("charts").replaceChildren(
    figure("bytes/s", up, byteChart(h, 360, 90)), figure("links/s", ln, linkChart(h, 360, 90)));
  table("vnets", ["vnetid", "name", "group", "address", "connected since", "serves", "links"],
        s.vnets.map(v => [[pad(v.vnetid, 2)], [v.name], gcell(v.group), [v.address], [when(v.since)],
                          [v.serves, 1], [v.links, 1]]), s.vnets_total);
  const gh = s.history.groups;
  table("groups", ["group", "vnets", "serves", "relayed", "up", "down", "opened", "failed",
                   "bytes/s, last hour", "links/s"],
        s.groups.map(g => [gcell(g.name), [g.vnets, 1], [g.serves, 1], [bytes(g.bytes), 1], [bytes(g.up), 1],
                           [bytes(g.down), 1], [g.opened, 1], [g.failed, 1],
                           gh[g.name] ? byteChart(gh[g.name], 120, 28) : ["-"],
                           gh[g.name] ? linkChart(gh[g.name], 120, 28) : ["-"]]), s.groups_total);
  table("serves", ["group", "serveid", "name", "type", "vnet", "address", "relayed"],
        s.serves.map(v => [gcell(v.group), [pad(v.serveid, 3)], [v.sealed ? "(sealed)" : v.name], [v.type],
                           vcell(v.vnetid, v.vnet), [v.sealed ? "(sealed)" : v.address], [bytes(v.bytes), 1]]),
        s.serves_total);
  table("links", ["link", "group", "from vnet", "serveid", "to vnet", "age", "up", "down"],
        s.links.map(l => [[l.id, 1], gcell(l.group), vcell(l.use_vnet, l.use_name), [pad(l.serveid, 3)],
                          vcell(l.serve_vnet, l.serve_name), [duration(l.age_seconds), 1], [bytes(l.up), 1],
                          [bytes(l.down), 1]]), s.links_total);
  const a = s.admission;
  document.getElementById("admission-note").textContent =
    t.auth_failures + " refused since start; " + a.max_failures + " failures within " + a.window_seconds +
    " s stop an address from opening sessions for " + a.ban_seconds + " s (its network at " +
    a.max_prefix_failures + "; links of admitted vnets still open)";
  table("refusals", ["when", "address", "name given"], a.refusals.map(r => [[when(r.when)], [r.address], [r.name]]));
  table("watched", ["address", "failures", "banned until"],
        a.watched.map(w => [[w.address], [w.failures, 1], [w.banned_until ? when(w.banned_until) : "-"]]));
}
async function refresh() {
  try {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.getElementById("state").textContent = "";
  } catch (e) {
    document.getElementById("state").textContent = "cannot reach the route: " + e.message;
  }
}
refresh();
setInterval(refresh, 5000);
</script>
</body></html>
)html";

}  // namespace route
