"""[route] metrics / [vnet] metrics with the real binaries: /metrics counts
what a tunnel carried, byte for byte; bad and slow HTTP clients get an answer
or the door and disturb nothing; the status token; the status page in
headless Chromium."""

import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import struct
import time
import unittest
import zlib

import harness
from harness import LOOPBACK, BlackBoxCase, EchoService, exchange, free_port, sha256

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
TOKEN = "status-token-0123456789"


def get(port, path="/metrics", method="GET", headers=None, host=LOOPBACK):
    """(status, headers, body text) of one request."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """{(name, ((label, value), ...)): value} of a Prometheus text scrape;
    fails on a line that is neither a comment nor a sample."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = tuple(sorted((k, unescape(v)) for k, v in LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def scrape(port, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, h, body = get(port, headers=headers)
    assert status == 200, (status, body)
    assert h["content-type"].startswith("text/plain; version=0.0.4"), h
    return parse(body)


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class MetricsCase(BlackBoxCase):
    def start_route(self, **keys):
        self.route, self.route_port, self.metrics_port = self.c.start_route_with_metrics(**keys)


class TestCounters(MetricsCase):
    def assertCiphertextOf(self, relayed, plain):
        """The route counts what it relays: the links' ciphertext, the
        plaintext plus the two hellos (117 bytes) and 23 bytes per record
        (records of up to 64 KiB; a read from the client makes at least one),
        and each record's padding (protocol 7: up to 64 bytes of data under
        4 KiB, at most 1/16 more above)."""
        self.assertGreaterEqual(relayed, plain + 117)
        self.assertLessEqual(relayed, plain * (1 + 1 / 16) + 4096)

    def test_counters_move_by_the_bytes_carried(self):
        self.start_route()
        echo = self.c.service(EchoService())
        home_metrics, away_metrics, use_port = free_port(), free_port(), free_port()
        self.c.start_vnet("home", self.route_port, group="lab", serves={"echo": {"serveid": 700, "port": echo.port}},
                          vnet_keys={"metrics": f"{LOOPBACK}:{home_metrics}"})
        self.c.start_vnet("away", self.route_port, group="lab", uses={"e": {"serveid": 700, "port": use_port}},
                          vnet_keys={"metrics": f"{LOOPBACK}:{away_metrics}"})
        self.wait_echo(use_port, 20)
        # The probes' links end on their own: start from a quiet tunnel.
        self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_links_active") == 0 and
                        value(scrape(away_metrics), "vnet_use_links", key="e") == 0, 10, "no live link")
        route0, home0, away0 = scrape(self.metrics_port), scrape(home_metrics), scrape(away_metrics)
        self.assertEqual(value(route0, "vnet_route_vnets"), 2)
        self.assertEqual(value(route0, "vnet_route_groups"), 1)
        self.assertEqual(value(route0, "vnet_route_serves"), 1)
        self.assertEqual(value(away0, "vnet_connected"), 1)

        data = os.urandom(300_001)
        got = exchange(use_port, data)
        self.assertEqual(sha256(got), sha256(data))
        echo.wait_record(lambda r: r == (len(data), sha256(data)), 10, "the echo service's record")
        n = len(data)

        def delta(now, before, name, **labels):
            return value(now, name, **labels) - value(before, name, **labels)
        self.wait_until(lambda: delta(scrape(self.metrics_port), route0, "vnet_route_relayed_bytes_total") >= 2 * n,
                        10, "the route's byte counter to move")
        route1 = scrape(self.metrics_port)
        relayed = delta(route1, route0, "vnet_route_relayed_bytes_total")
        self.assertCiphertextOf(relayed, 2 * n)
        self.assertEqual(delta(route1, route0, "vnet_route_group_relayed_bytes_total", group="lab"), relayed)
        self.assertEqual(delta(route1, route0, "vnet_route_serve_relayed_bytes_total", group="lab",
                               serveid="700"), relayed)
        opened = sum(delta(route1, route0, "vnet_route_links_opened_total", path=p) for p in ("pool", "dial"))
        self.assertEqual(opened, 1)
        self.assertEqual(delta(route1, route0, "vnet_route_link_setup_seconds_count"), 1)
        self.assertEqual(delta(route1, route0, "vnet_route_link_setup_seconds_bucket", le="+Inf"), 1)
        self.assertEqual(sum(v for (name, _), v in route1.items() if name == "vnet_route_links_failed_total"), 0)

        self.wait_until(lambda: delta(scrape(home_metrics), home0, "vnet_serve_bytes_total", key="echo",
                                      direction="out") >= n, 10, "the serving vnet's counters")
        home1 = scrape(home_metrics)
        self.assertEqual(delta(home1, home0, "vnet_serve_bytes_total", key="echo", direction="in"), n)
        self.assertEqual(delta(home1, home0, "vnet_serve_bytes_total", key="echo", direction="out"), n)
        self.assertEqual(delta(home1, home0, "vnet_serve_links_total", key="echo"), 1)
        # The link waited for the echo's bytes (a full peer, the other count, is rare here).
        self.assertGreater(delta(home1, home0, "vnet_link_waits_total", **{"for": "read"}), 0)
        self.wait_until(lambda: delta(scrape(away_metrics), away0, "vnet_use_bytes_total", key="e",
                                      direction="in") >= n, 10, "the using vnet's counters")
        away1 = scrape(away_metrics)
        self.assertEqual(delta(away1, away0, "vnet_use_bytes_total", key="e", direction="out"), n)
        self.assertEqual(delta(away1, away0, "vnet_use_bytes_total", key="e", direction="in"), n)
        self.assertEqual(delta(away1, away0, "vnet_use_links_total", key="e"), 1)

    def test_counters_move_while_a_link_is_open(self):
        self.start_route()
        echo = self.c.service(EchoService())
        away_metrics, use_port = free_port(), free_port()
        self.c.start_vnet("home", self.route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        self.c.start_vnet("away", self.route_port, uses={"e": {"serveid": 700, "port": use_port}},
                          vnet_keys={"metrics": f"{LOOPBACK}:{away_metrics}"})
        self.wait_echo(use_port, 20)
        self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_links_active") == 0 and
                        value(scrape(away_metrics), "vnet_use_links", key="e") == 0, 10, "no live link")
        route0, away0 = scrape(self.metrics_port), scrape(away_metrics)
        data = os.urandom(200_000)
        with socket.create_connection((LOOPBACK, use_port), timeout=20) as s:
            s.sendall(data)
            self.assertEqual(sha256(harness.recv_exact(s, len(data))), sha256(data))
            # The link is still open: the counters have moved already.
            n = len(data)
            self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_relayed_bytes_total") -
                            value(route0, "vnet_route_relayed_bytes_total") >= 2 * n, 10, "live bytes at the route")
            route1 = scrape(self.metrics_port)
            self.assertEqual(value(route1, "vnet_route_links_active"), 1)
            self.assertCiphertextOf(
                value(route1, "vnet_route_serve_relayed_bytes_total", group="default", serveid="700") -
                value(route0, "vnet_route_serve_relayed_bytes_total", group="default", serveid="700"), 2 * n)
            self.wait_until(lambda: all(
                value(scrape(away_metrics), "vnet_use_bytes_total", key="e", direction=d) -
                value(away0, "vnet_use_bytes_total", key="e", direction=d) == n for d in ("in", "out")),
                10, "live bytes at the using vnet")
            status = json.loads(get(self.metrics_port, "/status.json")[2])
            [(serveid, up, down)] = [(l["serveid"], l["up"], l["down"]) for l in status["links"]]
            self.assertEqual(serveid, 700)
            self.assertCiphertextOf(up, n)
            self.assertCiphertextOf(down, n)
            live_total = status["totals"]["bytes_relayed"] - value(route0, "vnet_route_relayed_bytes_total")
            self.assertEqual(live_total, up + down)
        # Closed: the totals keep those bytes (and the two final records),
        # nothing is added twice.
        self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_links_active") == 0, 10, "the link to end")
        closed_total = (value(scrape(self.metrics_port), "vnet_route_relayed_bytes_total") -
                        value(route0, "vnet_route_relayed_bytes_total"))
        self.assertGreaterEqual(closed_total, live_total)
        self.assertLessEqual(closed_total, live_total + 2 * 87)  # an empty record, padded to 64 bytes

    def test_every_family_has_help_and_type(self):
        self.start_route()
        _, _, body = get(self.metrics_port)
        families = set(re.findall(r"(?m)^# TYPE (\S+) (counter|gauge|histogram)$", body))
        names = {f for f, _ in families}
        for want in ["vnet_route_vnets", "vnet_route_groups", "vnet_route_serves", "vnet_route_links_active",
                     "vnet_route_links_opened_total", "vnet_route_links_failed_total",
                     "vnet_route_relayed_bytes_total", "vnet_route_group_relayed_bytes_total",
                     "vnet_route_serve_relayed_bytes_total", "vnet_route_link_setup_seconds",
                     "vnet_route_auth_failures_total", "vnet_route_limit_refusals_total",
                     "vnet_route_uptime_seconds"]:
            self.assertIn(want, names, body)
            self.assertRegex(body, rf"(?m)^# HELP {want} \S")
        parse(body)  # every other line is a well-formed sample

    def test_failed_links_and_limit_refusals_by_reason(self):
        self.start_route(max_live_links_per_serve=1)
        echo = self.c.service(EchoService())
        dead, u701, u700 = free_port(), free_port(), free_port()
        self.c.start_vnet("home", self.route_port, serves={"echo": {"serveid": 700, "port": echo.port},
                                                           "dead": {"serveid": 701, "port": dead}})
        away = self.c.start_vnet("away", self.route_port, uses={"d": {"serveid": 701, "port": u701},
                                                                "e": {"serveid": 700, "port": u700}})
        self.wait_echo(u700, 20)
        # Nothing listens behind 701: the serving vnet cannot dial, the link
        # fails as refused. (Waiting with a probe connection would open a link.)
        away.wait_log(r"use d listening on")
        self.assertEqual(harness.connect_until_closed(u701, 10)[0], b"")  # reset promptly
        self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_links_failed_total",
                                      reason="refused") == 1, 10, "a refused link counted")
        # One live link to 700 is the most: a second is refused by the quota.
        # The probes' links must have ended at the route first (their close
        # crosses both vnets and the route after the client's).
        self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_links_active") == 0, 10,
                        "the probe links ended")
        held = socket.create_connection((LOOPBACK, u700), timeout=10)
        try:
            held.sendall(b"x")
            self.assertEqual(held.recv(1), b"x")
            self.assertEqual(harness.connect_until_closed(u700, 10)[0], b"")
            self.wait_until(lambda: value(scrape(self.metrics_port), "vnet_route_links_failed_total",
                                          reason="quota") == 1, 10, "a quota refusal counted")
            m = scrape(self.metrics_port)
            self.assertEqual(value(m, "vnet_route_limit_refusals_total", key="max_live_links_per_serve"), 1)
            self.assertEqual(value(m, "vnet_route_limit_refusals_total", key="max_live_links_per_vnet"), 0)
            self.assertEqual(value(m, "vnet_route_links_active"), 1)
        finally:
            held.close()


class TestHttp(MetricsCase):
    def test_bad_requests_get_clear_answers(self):
        self.start_route()
        self.assertEqual(get(self.metrics_port, "/nope")[0], 404)
        status, h, body = get(self.metrics_port, method="POST")
        self.assertEqual((status, h.get("allow")), (405, "GET, HEAD"), body)
        status, h, body = get(self.metrics_port, method="HEAD")
        self.assertEqual((status, body), (200, ""))
        with socket.create_connection((LOOPBACK, self.metrics_port), timeout=10) as s:
            s.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            self.assertTrue(harness.recv_all(s).startswith(b"HTTP/1.1 400 "))
        with socket.create_connection((LOOPBACK, self.metrics_port), timeout=10) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")
            self.assertTrue(harness.recv_all(s).startswith(b"HTTP/1.1 431 "))
        self.assertEqual(get(self.metrics_port)[0], 200)
        self.route.wait_log(r"route listening on")  # still the same process
        self.assertTrue(self.route.alive())

    def test_slow_clients_cannot_hold_the_listener(self):
        self.start_route()
        # More half-sent requests than the listener serves at once (8): each
        # new one closes the oldest that has not sent its request.
        slow = [socket.create_connection((LOOPBACK, self.metrics_port), timeout=20) for _ in range(10)]
        try:
            for s in slow:
                s.sendall(b"GET /metr")
            self.route.wait_log(r"route metrics: 8 HTTP connections at once, the most allowed: "
                                r"closing the oldest that has not sent its request")
            started = time.monotonic()
            for s in slow:
                s.settimeout(20)
                try:
                    self.assertEqual(s.recv(100), b"")
                except ConnectionResetError:
                    pass
            self.assertLess(time.monotonic() - started, 15)
            self.assertEqual(get(self.metrics_port)[0], 200)
        finally:
            for s in slow:
                s.close()

    def test_silent_connections_never_keep_a_scraper_out(self):
        # Eight silent connections once blocked every authorized scrape
        # (0/48) until their 5 s were up. Now each scrape gets through at
        # once, however many silent ones are open, and whether they come
        # from the scraper's own address or not.
        self.start_route(status_token=TOKEN)
        silent = []
        try:
            for _ in range(5):
                silent += [socket.create_connection((LOOPBACK, self.metrics_port), timeout=20)
                           for _ in range(8)]
                started = time.monotonic()
                status, _, body = get(self.metrics_port, headers={"Authorization": f"Bearer {TOKEN}"})
                self.assertEqual(status, 200, body)
                self.assertLess(time.monotonic() - started, 2.5, "the scrape waited for a silent client")
            self.assertTrue(self.route.alive())
        finally:
            for s in silent:
                s.close()

    def test_a_name_in_host_is_refused_without_a_token(self):
        # DNS rebinding: a page on evil.example points its name at 127.0.0.1
        # and reads the answer as its own; its requests say its name.
        self.start_route()
        status, _, body = get(self.metrics_port, "/status.json", headers={"Host": "evil.example"})
        self.assertEqual(status, 403, body)
        self.assertIn("not to a name", body)
        self.assertEqual(get(self.metrics_port, headers={"Host": f"evil.example:{self.metrics_port}"})[0], 403)
        for host in [f"127.0.0.1:{self.metrics_port}", "localhost", f"localhost:{self.metrics_port}",
                     "[::1]:9749", "10.1.2.3"]:
            self.assertEqual(get(self.metrics_port, headers={"Host": host})[0], 200, host)

    def test_a_name_in_host_is_fine_with_a_token(self):
        self.start_route(status_token=TOKEN)
        status, _, body = get(self.metrics_port, headers={"Host": "route.example.org",
                                                          "Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(status, 200, body)

    def test_a_route_with_a_token_needs_a_status_token(self):
        cfg = self.c.write("r.ini", "[route]\nip=127.0.0.1\nport=7749\nmetrics=127.0.0.1:9749\n"
                                    f"token={TOKEN}-route\n")
        r = subprocess.run([harness.binary("route"), "--check-config", cfg], capture_output=True, text=True,
                           timeout=30)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn('[route] metrics = "127.0.0.1:9749": the route has a token, so its status page and '
                      '/metrics need one too: set status_token', r.stderr)
        cfg = self.c.write("r.ini", "[route]\nip=127.0.0.1\nport=7749\nmetrics=127.0.0.1:9749\n"
                                    f"token={TOKEN}-route\nstatus_token={TOKEN}\n")
        r = subprocess.run([harness.binary("route"), "--check-config", cfg], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_slow_client_does_not_block_others(self):
        self.start_route()
        with socket.create_connection((LOOPBACK, self.metrics_port), timeout=20) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\n")  # never finishes
            self.assertEqual(get(self.metrics_port)[0], 200)

    def test_token(self):
        self.start_route(status_token=TOKEN)
        for path in ["/metrics", "/", "/status.json", "/nope"]:
            status, h, _ = get(self.metrics_port, path)
            self.assertEqual((status, h.get("www-authenticate")), (401, "Bearer"), path)
            self.assertEqual(get(self.metrics_port, path, headers={"Authorization": "Bearer wrong"})[0], 401)
        self.assertEqual(get(self.metrics_port, headers={"Authorization": f"Bearer {TOKEN}"})[0], 200)
        self.assertEqual(get(self.metrics_port, f"/status.json?token={TOKEN}")[0], 200)
        self.assertEqual(get(self.metrics_port, f"/status.json?token={TOKEN}x")[0], 401)
        self.assertEqual(get(self.metrics_port, f"/status.json?token={TOKEN[:-1]}")[0], 401)

    def test_token_required_beyond_loopback(self):
        for addr in ["0.0.0.0:9749", "[::]:9749"]:
            cfg = self.c.write("r.ini", f"[route]\nip=127.0.0.1\nport=7749\nmetrics={addr}\n")
            r = subprocess.run([harness.binary("route"), "--check-config", cfg], capture_output=True, text=True,
                               timeout=30)
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn(f'[route] metrics = "{addr}": listens beyond loopback: set status_token', r.stderr)
            cfg = self.c.write("r.ini", f"[route]\nip=127.0.0.1\nport=7749\nmetrics={addr}\n"
                                        f"status_token={TOKEN}\n")
            r = subprocess.run([harness.binary("route"), "--check-config", cfg], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The status page's size budget (route/ops/status_page.hpp) and what
# /status.json may weigh with many rows: each list is capped at MAX_ROWS.
PAGE_BUDGET = 24 * 1024
JSON_BUDGET = 256 * 1024
MAX_ROWS = 100
UP_COLOR, DOWN_COLOR = (0x15, 0x65, 0xc0), (0x2e, 0x7d, 0x32)  # the lines of bytes/s
CHART_BACKGROUND = (0xfa, 0xfa, 0xfa)


def png_pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG, as
    Chromium writes its screenshots (no image library needed)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def near(p, q, tolerance=60):
    return sum(abs(a - b) for a, b in zip(p, q)) <= tolerance


@unittest.skipUnless(CHROMIUM, "needs chromium (scripts/install-deps.sh chromium)")
class TestStatusPage(MetricsCase):
    def dump_dom(self, url):
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            f"--user-data-dir={os.path.join(self.c.dir, 'chromium')}",
                            "--virtual-time-budget=5000", "--dump-dom", url],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        return r.stdout

    def test_page_renders_vnets_and_serves_as_text(self):
        self.start_route(status_token=TOKEN)
        echo = self.c.service(EchoService())
        evil = "<script>document.title='pwned'</script>"
        self.c.start_vnet("office", self.route_port, group="team",
                          serves={"ssh": {"serveid": 722, "port": echo.port, "name": "office-ssh"}})
        self.c.start_vnet("evil", self.route_port, group="team",
                          serves={"web": {"serveid": 723, "port": echo.port, "name": "<img src=x>web"}},
                          vnet_keys={"name": evil})
        headers = {"Authorization": f"Bearer {TOKEN}"}
        self.wait_until(lambda: '"serves":2' in get(self.metrics_port, "/status.json", headers=headers)[2],
                        20, "both serves registered")
        status, h, _ = get(self.metrics_port, "/", headers=headers)
        self.assertEqual(status, 200)
        csp = h["content-security-policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertRegex(csp, r"script-src 'nonce-[0-9a-f]{32}'")

        dom = self.dump_dom(f"http://{LOOPBACK}:{self.metrics_port}/?token={TOKEN}")
        cells = re.findall(r"<td[^>]*>(.*?)</td>", dom)
        self.assertIn("office", cells, dom)
        self.assertIn("office-ssh", cells, dom)
        self.assertIn("team", cells, dom)
        # Markup from a peer is shown as text, never run or parsed.
        self.assertIn("&lt;script&gt;document.title='pwned'&lt;/script&gt;", cells, dom)
        self.assertIn("&lt;img src=x&gt;web", cells, dom)
        self.assertIn("<title>vnet route</title>", dom)
        self.assertNotIn("<img", dom)
        self.assertRegex(dom, r'<p id="summary">version \S+, up ')
        # Counted words agree with their numbers (two vnets in one group).
        self.assertRegex(dom, r'; 2 vnets in 1 group, 2 serves, 0 live links, ')
        # Without the token the page's data is refused.
        dom = self.dump_dom(f"http://{LOOPBACK}:{self.metrics_port}/")
        self.assertNotIn("office-ssh", dom)

    def screenshot(self, url, path):
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--hide-scrollbars", f"--user-data-dir={os.path.join(self.c.dir, 'chromium')}",
                            "--window-size=1000,700", "--virtual-time-budget=5000", f"--screenshot={path}", url],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        return png_pixels(path)

    def test_charts_show_the_traffic_of_the_last_hour(self):
        self.start_route()
        echo = self.c.service(EchoService())
        use_port = free_port()
        key = {"group_key": subprocess.run([harness.binary("vnet"), "--gen-key"], capture_output=True, text=True,
                                           timeout=30).stdout.strip()}
        self.c.start_vnet("home", self.route_port, serves={"echo": {"serveid": 700, "port": echo.port}},
                          vnet_keys=key)
        self.c.start_vnet("away", self.route_port, uses={"e": {"serveid": 700, "port": use_port}}, vnet_keys=key)
        self.wait_echo(use_port, 20)
        # A keyed group is "k-" and 32 hex digits to the route.
        [keyed] = [g["name"] for g in json.loads(get(self.metrics_port, "/status.json")[2])["groups"]]
        self.assertRegex(keyed, r"^k-[0-9a-f]{32}$")
        status, h, page = get(self.metrics_port, "/")
        self.assertEqual(status, 200)
        self.assertLess(len(page.encode()), PAGE_BUDGET)
        # Dependency-free under the strict policy: nothing loaded from
        # elsewhere, no inline code without the nonce.
        self.assertNotRegex(page, r"\b(src|href)=")
        self.assertNotIn("unsafe", h["content-security-policy"])
        self.assertRegex(h["content-security-policy"], r"^default-src 'none'; script-src 'nonce-[0-9a-f]{32}'; ")
        # A group's series begins at the first step that sees the group.
        self.wait_until(lambda: keyed in json.loads(get(self.metrics_port, "/status.json")[2])["history"]["groups"],
                        15, "the group's series")
        data = os.urandom(2_000_000)
        with socket.create_connection((LOOPBACK, use_port), timeout=20) as s:
            s.sendall(data)
            self.assertEqual(sha256(harness.recv_exact(s, len(data))), sha256(data))
            # A link held open, for the link rows.
            self.wait_until(lambda: json.loads(get(self.metrics_port, "/status.json")[2])["links"], 10, "the link")

            # Two points at least (a step is 5 s), one with the traffic.
            def charted():
                st = json.loads(get(self.metrics_port, "/status.json")[2])
                up = st["history"]["route"]["up"]
                return len(up) >= 2 and max(up) > 0 and st
            st = self.wait_until(charted, 30, "the traffic in the history")
            self.assertGreater(max(st["history"]["groups"][keyed]["up"]), 0)
            self.assertGreater(max(st["history"]["route"]["opened"]), 0)
            [link] = st["links"]
            self.assertEqual((link["use_name"], link["serve_name"]), ("away", "home"))

            dom = self.dump_dom(f"http://{LOOPBACK}:{self.metrics_port}/")
            charts = re.search(r'<div class="charts" id="charts">(.*?)</div>', dom, re.S)
            self.assertTrue(charts, dom)
            paths = re.findall(r'<path d="([^"]+)" fill="none" stroke="#1565c0"', charts.group(1))
            self.assertTrue(paths, charts.group(1))
            ys = {float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", paths[0])}
            self.assertGreater(len(ys), 1, f"a flat chart after traffic: {paths[0]}")
            # Each group has its own small charts, in its row.
            groups = re.search(r'<table id="groups">(.*?)</table>', dom, re.S).group(1)
            self.assertRegex(groups, r'<svg width="120" height="28"[^>]*><path d="M[^"]+" fill="none" '
                                     r'stroke="#1565c0"')
            cells = re.findall(r"<td[^>]*>(.*?)</td>", dom)
            self.assertIn(f'<td title="{keyed}">{keyed[:6]}\u2026</td>', dom)
            self.assertIn(f"{link['use_vnet']:02} away", cells)
            self.assertIn(f"{link['serve_vnet']:02} home", cells)
            self.assertRegex(dom, r'<td class="n">\d+s</td>')  # the link's age

            # On screen: the chart's box (its background) holds pixels of the
            # up line well above its baseline (a flat chart has none there).
            w, h, px = self.screenshot(f"http://{LOOPBACK}:{self.metrics_port}/",
                                       os.path.join(self.c.dir, "status.png"))
            # The first row with a long run of the charts' background is
            # the top of the first chart (bytes/s, 360 x 90).
            top = left = None
            for y in range(h):
                run = 0
                for x in range(w):
                    run = run + 1 if px[y][x] == CHART_BACKGROUND else 0
                    if run == 300:
                        top, left = y, x - 299
                        break
                if top is not None:
                    break
            self.assertIsNotNone(top, "no chart on the screenshot")
            drawn = [(x, y) for y in range(top, min(h, top + 88)) for x in range(left, left + 358)
                     if near(px[y][x], UP_COLOR) or near(px[y][x], DOWN_COLOR)]
            self.assertTrue([p for p in drawn if p[1] < top + 60], f"chart at ({left}, {top}) is flat or empty")

    def test_status_json_stays_bounded_with_many_links(self):
        self.start_route()
        echo = self.c.service(EchoService())
        use_port = free_port()
        self.c.start_vnet("home", self.route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        self.c.start_vnet("away", self.route_port, uses={"e": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, 20)
        n = MAX_ROWS + 20
        held = []
        try:
            for _ in range(n):
                s = socket.create_connection((LOOPBACK, use_port), timeout=20)
                held.append(s)
                s.sendall(b"x")
                self.assertEqual(s.recv(1), b"x")
            st = self.wait_until(lambda: (lambda st: st["links_total"] == n and st)(
                json.loads(get(self.metrics_port, "/status.json")[2])), 20, f"{n} live links")
            body = get(self.metrics_port, "/status.json")[2]
            self.assertLess(len(body.encode()), JSON_BUDGET)
            self.assertEqual(len(st["links"]), MAX_ROWS)
            self.assertEqual(st["max_rows"], MAX_ROWS)
            self.assertEqual(st["totals"]["links_active"], n)
        finally:
            for s in held:
                s.close()


if __name__ == "__main__":
    unittest.main()
