#pragma once
// The route's status page (GET /): static HTML whose script fetches
// /status.json every 2 s and renders it. Peer text (vnet, group and serve
// names) only ever goes through textContent, so markup in a name is shown,
// never run; the Content-Security-Policy allows only this page's own script
// and style (by nonce) and fetches to the same origin. "NONCE" is replaced
// per response.
namespace route {

inline constexpr const char* status_page = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vnet route</title>
<style nonce="NONCE">
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; }
th { border-bottom: 1px solid #999; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
#state { color: #a00; }
</style></head>
<body>
<h1>vnet route</h1>
<p id="summary">loading...</p><p id="state"></p>
<h2>vnets</h2><table id="vnets"></table>
<h2>groups</h2><table id="groups"></table>
<h2>serves</h2><table id="serves"></table>
<h2>live links</h2><table id="links"></table>
<script nonce="NONCE">
"use strict";
const token = new URLSearchParams(location.search).get("token");
const url = "status.json" + (token ? "?token=" + encodeURIComponent(token) : "");
function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + " " + u[i];
}
function duration(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + Math.floor(s % 60) + "s";
}
function pad(n, w) { return String(n).padStart(w, "0"); }
// cells: [text, numeric?]; every value goes in as text.
function table(id, head, rows) {
  const t = document.getElementById(id);
  t.replaceChildren();
  const tr = t.insertRow();
  for (const h of head) { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); }
  for (const r of rows) {
    const row = t.insertRow();
    for (const [v, num] of r) { const c = row.insertCell(); c.textContent = v; if (num) c.className = "n"; }
  }
  if (!rows.length) { const c = t.insertRow().insertCell(); c.colSpan = head.length; c.textContent = "none"; }
}
function render(s) {
  document.getElementById("summary").textContent =
    "version " + s.version + ", up " + duration(s.uptime_seconds) + "; " + s.vnets.length + " vnets in " +
    s.groups.length + " groups, " + s.serves.length + " serves, " + s.totals.links_active + " live links, " +
    s.totals.links_opened + " opened, " + s.totals.links_failed + " failed, " + bytes(s.totals.bytes_relayed) +
    " relayed";
  table("vnets", ["vnetid", "name", "group", "from", "serves", "links"],
        s.vnets.map(v => [[pad(v.vnetid, 2)], [v.name], [v.group], [v.address], [v.serves, 1], [v.links, 1]]));
  table("groups", ["group", "vnets", "serves", "relayed"],
        s.groups.map(g => [[g.name], [g.vnets, 1], [g.serves, 1], [bytes(g.bytes), 1]]));
  table("serves", ["group", "serveid", "name", "vnet", "address", "relayed"],
        s.serves.map(v => [[v.group], [pad(v.serveid, 3)], [v.name], [pad(v.vnetid, 2) + " " + v.vnet],
                           [v.address], [bytes(v.bytes), 1]]));
  table("links", ["link", "group", "from vnet", "serveid", "to vnet", "up", "down"],
        s.links.map(l => [[l.id, 1], [l.group], [pad(l.use_vnet, 2)], [pad(l.serveid, 3)], [pad(l.serve_vnet, 2)],
                          [bytes(l.up), 1], [bytes(l.down), 1]]));
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
setInterval(refresh, 2000);
</script>
</body></html>
)html";

}  // namespace route
