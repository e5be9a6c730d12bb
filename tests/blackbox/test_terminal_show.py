"""The vnet terminal's read-only commands, driven in a pty: help and usage
errors, show serve|use|vnet (this vnet), show serves|vnets and ping (asked
from the route), and what they print when the route is gone or frozen.
Each test builds the few vnets it needs."""

import os
import re
import signal
import unicodedata
import unittest

import test_metrics
from harness import EchoService, exchange, free_port, sha256
from vnet_terminal import (COMMANDS, PROMPT, PROMPT_AFTER_CTRL_C, SERVE_HEADER, SERVES_HEADER, STANDING_BY,
                           USE_HEADER, VNETS_HEADER, TerminalCase, details, find_row,
                           hold_connection, row_by_key, table_after, why_under)


def columns(text):
    """Display columns of `text` on a terminal (East Asian wide = 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class HelpTest(TerminalCase):
    """A route and one terminal vnet with nothing configured."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.term, _ = self.terminal("term", self.route_port)

    def test_help_lists_every_command_aligned(self):
        out = self.term.command("help")
        starts = {}
        for name in COMMANDS:
            m = re.search(rf"(?m)^  {name}( {{2,}})\S", out)
            self.assertIsNotNone(m, f"no line for {name!r} in help:\n{out}")
            starts[name] = len("  " + name + m.group(1))
        self.assertEqual(len(set(starts.values())), 1,
                         f"descriptions not aligned (columns {starts}):\n{out}")

    def test_help_command_shows_usage_and_details(self):
        for name in COMMANDS:
            out = self.term.command(f"help {name}")
            lines = [l for l in out.splitlines() if l.strip()]
            self.assertTrue(lines and lines[0].startswith(f"usage: {name}"),
                            f"help {name}: first line is not 'usage: {name}...':\n{out}")
        out = self.term.command("help serve")
        self.assertGreater(len([l for l in out.splitlines() if l.strip()]), 1,
                           f"help serve has no details:\n{out}")
        out = self.term.command("help nosuch")
        self.assertRegex(out, r"(?m)^error: no command 'nosuch'\s*$")

    def test_unknown_command_is_an_error_and_the_terminal_goes_on(self):
        out = self.term.command("frobnicate now")
        self.assertRegex(out, r"(?m)^error: no command 'frobnicate'\s*$")
        self.assertRegex(out, r"(?m)^usage: help \| show \| serve \| use \| unserve \| ping \| reload \| save \| exit\s*$")
        self.assertTrue(self.term.alive())
        self.assertRegex(self.term.command("ping"), r"answered in")

    def test_bad_show_argument_prints_error_and_usage(self):
        out = self.term.command("show bogus")
        self.assertRegex(out, r"(?m)^error: .+\n(.*\n)*?usage: show")
        self.assertTrue(self.term.alive())
        self.assertRegex(self.term.command("show vnet"), r"(?m)^\s*vnetid\s+\d\d")

    def test_show_serve_and_use_when_empty(self):
        self.assertRegex(self.term.command("show serve"), r"(?m)^no serves\s*$")
        self.assertRegex(self.term.command("show use"), r"(?m)^no uses\s*$")

    def test_ping(self):
        out = self.term.command("ping")
        self.assertRegex(out, rf"(?m)^route 127\.0\.0\.1:{self.route_port} answered in "
                              rf"\d+\.\d{{3}} ms\s*$")

    def test_not_connected(self):
        self.route.kill9()
        self.term.expect(r"lost route", 10)
        self.term.expect(PROMPT, 10)
        for line in ("show serves", "show vnets", "ping", "unserve vnetid=01 port=1"):
            out = self.term.command(line)
            self.assertRegex(out, r"(?m)^error: not connected to the route\s*$", line)
        out = self.term.command("show vnet")
        self.assertRegex(out, rf"(?m)^\s*route\s{{2,}}127\.0\.0\.1:{self.route_port} "
                              rf"\(not connected\)\s*$")
        self.assertRegex(self.term.command("show serve"), r"(?m)^no serves\s*$")

    def test_ctrl_c_cancels_a_command_waiting_for_the_route(self):
        os.kill(self.route.pid, signal.SIGSTOP)
        self.addCleanup(lambda: self.route.alive() and os.kill(self.route.pid, signal.SIGCONT))
        for line in ("ping", "show serves", "show vnets"):
            self.term.send_line(line)
            self.term.expect(re.escape(line) + r"[ \t]*\n")  # accepted: now waiting
            mark = self.term.cursor
            self.term.ctrl_c()
            # Cancelled: said so, and the prompt comes back although the route is frozen.
            self.term.expect(r"(?m)^cancelled\s*$", 5)
            # The tty's own echo of ^C may land just before the prompt.
            self.term.expect(PROMPT_AFTER_CTRL_C, 5)
            cut = self.term.since(mark)
            self.assertNotIn("error", cut, "a cancel the user asked for is not an error")
            self.assertNotIn("answered in", cut)
            self.assertIsNone(SERVES_HEADER.search(cut))
        os.kill(self.route.pid, signal.SIGCONT)
        self.assertRegex(self.term.command("ping"), r"answered in")


class ShowLocalTest(TerminalCase):
    """show serve|use|vnet: this vnet's own tables, each test with its scene."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()

    def test_show_vnet(self):
        local = self.c.service(EchoService())
        term, cfg = self.terminal("term", self.route_port, serves={
            "local": {"serveid": 710, "port": local.port},
            "off": {"serveid": 711, "port": free_port(), "active": False},
        }, uses={"u730": {"serveid": 730, "port": free_port()}})
        out = term.command("show vnet")
        expected = {
            "vnetid": re.escape(term.vnetid),
            "name": "term",
            "group": "default",
            "route": re.escape(f"127.0.0.1:{self.route_port} (connected)"),
            "config": re.escape(cfg),
            "unserve": re.escape("allow_unserve=false unserve_remote=false unserve_num=1, 0 alive"),
            "serves": re.escape("2 (1 registered)"),
            "uses": re.escape("1 (0 listening)"),
        }
        for key, value in expected.items():
            self.assertRegex(out, rf"(?m)^\s*{key}\s{{2,}}{value}\s*$", f"show vnet: {key}")

    def test_show_serve_rows_and_links(self):
        # home serves 700 and uses the terminal's 710; the terminal's "clash"
        # asks for 700 too and is refused.
        home_use = free_port()
        self.echo_vnet("home", self.route_port, {"echo": 700},
                       uses={"local": {"serveid": 710, "port": home_use}})
        local = self.c.service(EchoService())
        off_port = free_port()
        term, _ = self.terminal("term", self.route_port, serves={
            "local": {"serveid": 710, "port": local.port, "name": "localecho"},
            "off": {"serveid": 711, "port": off_port, "active": False},
            "clash": {"serveid": 700, "port": off_port},
        })
        self.wait_echo(home_use, 15)
        held = hold_connection(home_use)
        try:
            # The echo probe's own link may still be closing: poll for exactly one.
            out = self.poll_command(term, "show serve", lambda out: (row_by_key(
                table_after(SERVE_HEADER, out), "local") or [None])[-1] == "1" and out,
                what="serve local with one link")
            rows = table_after(SERVE_HEADER, out)
            self.assertEqual(row_by_key(rows, "local"),
                             ["710", "local", "localecho", f"127.0.0.1:{local.port}", "yes",
                              "registered", "1"], out)
            self.assertEqual(row_by_key(rows, "off"),
                             ["---", "off", "off", f"127.0.0.1:{off_port}", "no", "inactive", "0"],
                             out)
            clash = row_by_key(rows, "clash")
            self.assertIsNotNone(clash, out)
            self.assertEqual(clash[:5], ["---", "clash", "clash", f"127.0.0.1:{off_port}", "yes"],
                             out)
            self.assertEqual(clash[5:], ["refused", "0"], out)
            self.assertRegex(why_under(out, ["---", "clash"]), r"\S", out)  # the route's words, under the row
            self.assertEqual(len(rows), 3, f"extra rows in show serve:\n{out}")
        finally:
            held.close()
        # The link closes: links drops back to 0.
        self.poll_command(term, "show serve",
                          lambda out: (row_by_key(table_after(SERVE_HEADER, out), "local")
                                       or [None])[-1] == "0",
                          what="the links of serve local to drop to 0")

    def test_show_use_rows_and_links(self):
        self.echo_vnet("home", self.route_port, {"echo": 700})
        u700, u730 = free_port(), free_port()
        term, _ = self.terminal("term", self.route_port, uses={
            "u700": {"serveid": 700, "port": u700},
            "u730": {"serveid": 730, "port": u730},  # nobody serves 730
        })
        self.wait_echo(u700, 15)
        held = hold_connection(u700)
        try:
            # The echo probe's own link may still be closing: poll for exactly one.
            want = ["700", "u700", f"127.0.0.1:{u700}", "yes", "listening", "1"]
            out = self.poll_command(term, "show use", lambda out: row_by_key(
                table_after(USE_HEADER, out), "u700") == want and out, what=f"u700 as {want}")
            rows = table_after(USE_HEADER, out)
            r730 = row_by_key(rows, "u730")
            self.assertEqual(r730[:4] + r730[5:], ["730", "u730", f"127.0.0.1:{u730}", "yes", "0"],
                             out)
            self.assertRegex(r730[4], STANDING_BY, out)
            self.assertEqual(len(rows), 2, f"extra rows in show use:\n{out}")
        finally:
            held.close()

    def test_show_use_every_state(self):
        # home serves 701 on a local echo port: a use of 701 with no port of
        # its own wants that same port, which is busy.
        _, services = self.echo_vnet("home", self.route_port, {"echo2": 701})
        sb, off, nosid = free_port(), free_port(), free_port()
        t2, _ = self.terminal("term2", self.route_port, uses={
            "sb": {"serveid": 799, "port": sb},                 # not offered: standing by
            "sbauto": {"serveid": 798},                         # not offered, no port: auto
            "off": {"serveid": 700, "port": off, "active": False},
            "nosid": {"port": nosid},                           # no serveid
            "busy": {"serveid": 701},
        })

        def busy_shown(out):
            r = row_by_key(table_after(USE_HEADER, out), "busy")
            return r and r[3] == "yes" and r[4] == "port busy" and why_under(out, ["701", "busy"]) and out
        out = self.poll_command(t2, "show use", busy_shown,
                                what="use busy to be shown as 'port busy' with why")
        rows = table_after(USE_HEADER, out)
        sb_row, sbauto_row = row_by_key(rows, "sb"), row_by_key(rows, "sbauto")
        self.assertEqual([sb_row[i] for i in (0, 1, 2, 3, 5)],
                         ["799", "sb", f"127.0.0.1:{sb}", "yes", "0"], out)
        self.assertRegex(sb_row[4], STANDING_BY, out)
        self.assertEqual([sbauto_row[i] for i in (0, 1, 2, 3, 5)],
                         ["798", "sbauto", "127.0.0.1:auto", "yes", "0"], out)
        self.assertRegex(sbauto_row[4], STANDING_BY, out)
        self.assertEqual(row_by_key(rows, "off"),
                         ["700", "off", f"127.0.0.1:{off}", "no", "inactive", "0"], out)
        nosid_row = row_by_key(rows, "nosid")
        self.assertIsNotNone(nosid_row, out)
        self.assertEqual(nosid_row[2:], [f"127.0.0.1:{nosid}", "yes", "no serveid", "0"], out)
        busy = row_by_key(rows, "busy")
        self.assertEqual(busy[:3], ["701", "busy", f"127.0.0.1:{services['echo2'].port}"], out)

    def test_tables_align_by_display_width(self):
        # A CJK key takes two columns per character: the next column starts
        # at the same screen column on every row.
        term, _ = self.terminal("term", self.route_port, serves={
            "网页": {"serveid": 720, "port": free_port(), "active": False},
            "abcde": {"serveid": 721, "port": free_port(), "active": False},
        })
        out = term.command("show serve")
        lines = [l for l in out.splitlines() if re.match(r"^(serveid|---)\s", l)]
        self.assertEqual(len(lines), 3, out)
        # The display column where the third cell (name) starts on each line.
        starts = set()
        for line in lines:
            m = re.match(r"^(\S+ {2,}\S+ {2,})\S", line)
            self.assertIsNotNone(m, line)
            starts.add(columns(m.group(1)))
        self.assertEqual(len(starts), 1, f"columns not aligned on screen ({starts}):\n{out}")


class ShowWidthTest(TerminalCase):
    """show serve and show use fit an 80-column terminal, long reasons and
    all: a reason is on lines of its own under its row; the detail view
    (show serve KEY, show use KEY) holds it and the totals."""

    def test_every_line_fits_80_columns_with_long_reasons(self):
        self.route, self.route_port = self.c.start_route()
        group = "the-office-network-of-the-accounting-department"  # in the standing-by reason
        _, services = self.echo_vnet("home", self.route_port, {"echo": 700, "busy": 701}, group=group)
        taken = free_port()
        term, _ = self.terminal("term", self.route_port, group=group, serves={
            "clash": {"serveid": 700, "port": taken, "name": "a-serve-with-a-long-name"},
            "local": {"serveid": 710, "port": taken},
        }, uses={
            "nobody": {"serveid": 799, "port": free_port()},
            "busy": {"serveid": 701},  # the serve's own port, taken by its echo service here
        })

        def long_reasons(out, rows):
            return all(len(why_under(out, r) or "") > 60 for r in rows) and out
        serve = self.poll_command(term, "show serve", lambda out: long_reasons(out, [["---", "clash"]]),
                                  what="serve clash refused, with the route's reason")
        use = self.poll_command(term, "show use", lambda out: long_reasons(out, [["799", "nobody"]]) and
                                why_under(out, ["701", "busy"]) and out, what="uses standing by and busy, with why")
        self.assertIn(group, why_under(use, ["799", "nobody"]))
        self.assertEqual(row_by_key(table_after(USE_HEADER, use), "busy")[4], "port busy", use)
        views = {"show serve": serve, "show use": use}
        for line in ("show serve clash", "show use nobody", "show use busy", "show serve local"):
            views[line] = term.command(line)
        self.assertEqual(details(views["show use nobody"])["why"], why_under(use, ["799", "nobody"]))
        self.assertEqual(details(views["show serve clash"])["state"], "refused")
        self.assertEqual(details(views["show serve local"])["links"], "0 now, 0 in total")
        for line, out in views.items():
            for l in out.splitlines():
                self.assertLessEqual(columns(l.rstrip()), 80, f"{line}: a line of {columns(l)} columns:\n{out}")
        self.assertRegex(term.command("show serve nosuch"), r"(?m)^error: no serve 'nosuch'")
        self.assertRegex(term.command("show vnet term"), r"(?m)^error: show vnet takes no key")


def human_bytes(n):
    """As the vnet prints byte counts (text::human_bytes)."""
    kib, mib, gib = 1024, 1024 ** 2, 1024 ** 3
    if n >= gib:
        return f"{n / gib:.2f} GiB"
    if n >= mib and n % mib == 0:
        return f"{n // mib} MiB"
    if n >= mib:
        return f"{n / mib:.1f} MiB"
    if n >= kib:
        return f"{n / kib:.1f} KiB"
    return f"{n} bytes"


class ShowTrafficTest(TerminalCase):
    """show serve|use: links now and in total, bytes in and out, as the
    vnet's /metrics counts them."""

    def test_show_serve_and_use_traffic(self):
        self.route, self.route_port = self.c.start_route()
        home_use, u700, metrics = free_port(), free_port(), free_port()
        self.echo_vnet("home", self.route_port, {"echo": 700},
                       uses={"local": {"serveid": 710, "port": home_use}})
        local = self.c.service(EchoService())
        term, _ = self.terminal("term", self.route_port,
                                serves={"local": {"serveid": 710, "port": local.port}},
                                uses={"u700": {"serveid": 700, "port": u700}},
                                vnet_keys={"metrics": f"127.0.0.1:{metrics}"})
        self.wait_echo(home_use, 15)
        self.wait_echo(u700, 15)

        def quiet():  # the probes' links have ended, and so been counted
            m = test_metrics.scrape(metrics)
            return (test_metrics.value(m, "vnet_use_links", key="u700") == 0 and
                    test_metrics.value(m, "vnet_serve_links", key="local") == 0 and m)
        before = self.wait_until(quiet, 10, "the probes' links to end")
        up, down = os.urandom(3 * 1024 * 1024), os.urandom(1024 * 1024 + 5)
        self.assertEqual(sha256(exchange(u700, up)), sha256(up))        # through term's use
        self.assertEqual(sha256(exchange(home_use, down)), sha256(down))  # through term's serve

        def moved(kind, key, n):
            now = test_metrics.scrape(metrics)
            return all(test_metrics.value(now, f"vnet_{kind}_bytes_total", key=key, direction=d) -
                       test_metrics.value(before, f"vnet_{kind}_bytes_total", key=key, direction=d) == n
                       for d in ("in", "out")) and now
        self.wait_until(lambda: moved("use", "u700", len(up)), 10, "use u700 to count the upload")
        now = self.wait_until(lambda: moved("serve", "local", len(down)), 10, "serve local to count it")

        def totals(kind, key):
            v = lambda name, **l: int(test_metrics.value(now, f"vnet_{kind}_{name}", key=key, **l))
            return ["0", str(v("links_total")), human_bytes(v("bytes_total", direction="in")),
                    human_bytes(v("bytes_total", direction="out"))]
        want = totals("serve", "local")
        self.assertEqual(want[2:], [human_bytes(len(down) + 4)] * 2)  # and the probe's "ping"
        # The totals are in the detail view.
        def shown(d):
            return [d["links"].split()[0], d["links"].split()[2], d["in"].removesuffix(" (from the route)"),
                    d["out"].removesuffix(" (to the route)")]
        self.assertEqual(shown(details(term.command("show serve local"))), want)
        want = totals("use", "u700")
        self.assertEqual(want[2:], ["3.0 MiB"] * 2)  # 3 MiB and 4 bytes
        self.assertEqual(shown(details(term.command("show use u700"))), want)


class ShowRouteTest(TerminalCase):
    """show serves|vnets: what the route tells about the group."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()

    def test_show_serves_from_the_route(self):
        home, svc = self.echo_vnet("home", self.route_port, {
            "echo": {"serveid": 700, "info": "echo-info"}, "echo2": 701})
        local = self.c.service(EchoService())
        term, _ = self.terminal("term", self.route_port, serves={
            "local": {"serveid": 710, "port": local.port, "name": "localecho"},
            "off": {"serveid": 711, "port": free_port(), "active": False},
        })
        home_id = re.search(r"as vnet (\d\d)", home.log()).group(1)
        out = term.command("show serves")
        rows = table_after(SERVES_HEADER, out)
        self.assertEqual(row_by_key(rows, "700", col=0),
                         ["700", home_id, "home", "echo", "tcp",
                          f"127.0.0.1:{svc['echo'].port}", "echo-info"], out)
        self.assertEqual(row_by_key(rows, "710", col=0),
                         ["710", term.vnetid, "term", "localecho", "tcp",
                          f"127.0.0.1:{local.port}"], out)
        self.assertIsNotNone(row_by_key(rows, "701", col=0), out)
        self.assertIsNone(row_by_key(rows, "711", col=0), f"an inactive serve is listed:\n{out}")
        self.assertRegex(out, r"(?m)^- 2 vnets, 3 serves -\s*$")

    def test_show_serves_singular(self):
        solo_echo = self.c.service(EchoService())
        t2, _ = self.terminal("solo", self.route_port, group="solo",
                              serves={"one": {"serveid": 700, "port": solo_echo.port}})
        out = self.poll_command(t2, "show serves",
                                lambda out: re.search(r"(?m)^- 1 vnet, 1 serve -\s*$", out) and out,
                                what="'- 1 vnet, 1 serve -'")
        self.assertEqual(find_row(out[SERVES_HEADER.search(out).end():], "700")[:3],
                         ["700", t2.vnetid, "solo"], out)

    def test_show_vnets(self):
        home = self.c.start_vnet("home", self.route_port)
        home_id = home.wait_log(re.compile(r"as vnet (\d\d)")).group(1)
        term, _ = self.terminal("term", self.route_port)
        out = term.command("show vnets")
        rows = table_after(VNETS_HEADER, out)
        home_row = row_by_key(rows, home_id, col=0)
        term_row = row_by_key(rows, term.vnetid, col=0)
        self.assertIsNotNone(home_row, out)
        self.assertEqual(home_row[1], "home", out)
        self.assertRegex(home_row[2], r"^\d+$", out)
        self.assertEqual(len(home_row), 3, f"home's row must not end with '*':\n{out}")
        self.assertIsNotNone(term_row, out)
        self.assertEqual(term_row[1], "term", out)
        self.assertEqual(term_row[-1], "*", out)
        self.assertRegex(out, rf"(?m)^\s*{term.vnetid} {{2,}}term {{2,}}\d+ {{2}}\*\s*$")
        self.assertRegex(out, r"(?m)^- 2 vnets -\s*$")

    def test_peer_text_is_escaped_in_tables(self):
        # Control characters never get this far (the config refuses them and
        # the route's decoder too), but text that reorders what follows it
        # (bidi overrides) and backslashes do: the tables show them escaped,
        # and the raw characters never reach the screen.
        self.echo_vnet("evil\u202evnet", self.route_port, {
            "s": {"serveid": 700, "name": "na\\me", "info": "in\u2066fo"}})
        self.echo_vnet("宽名字", self.route_port, {"w": {"serveid": 701, "info": "信息"}})
        term, _ = self.terminal("term", self.route_port)
        out = term.command("show serves")
        self.assertIn(r"evil\u{202E}vnet", out)
        self.assertIn(r"na\\me", out)
        self.assertIn(r"in\u{2066}fo", out)
        out = term.command("show vnets")
        self.assertIn(r"evil\u{202E}vnet", out)
        for raw in ("\u202e", "\u2066"):
            self.assertNotIn(raw, term.raw, f"{raw!r} reached the terminal as it is")
        # CJK from a peer is kept as it is, and aligned.
        out = term.command("show serves")
        rows = table_after(SERVES_HEADER, out)
        self.assertEqual(row_by_key(rows, "701", col=0)[2], "宽名字", out)
        self.assertEqual(row_by_key(rows, "701", col=0)[-1], "信息", out)


if __name__ == "__main__":
    unittest.main()
