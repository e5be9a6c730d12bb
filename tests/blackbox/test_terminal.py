"""The vnet terminal (terminal=true) driven like a user: a real `vnet` in a
pseudo-terminal, every command of the spec, the prompts and their defaults,
Ctrl-C / Ctrl-D, history, completion, log lines arriving while typing; then
the script mode (stdin a pipe) and the no-terminal modes (stdin /dev/null or
closed, terminal=false)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

import harness
from harness import (LOOPBACK, EchoService, TcpService, free_port, port_accepts, port_refuses,
                     recv_exact, sha256)
from pty_session import (CONNECTED, PROMPT, PipedProcess, TerminalCase, find_row, table_rows,
                         vnet_config_text)

SERVE_HEADER = re.compile(r"(?m)^\s*serveid {2,}key {2,}name {2,}ip:port {2,}active {2,}state {2,}links\s*$")
USE_HEADER = re.compile(r"(?m)^\s*serveid {2,}key {2,}listen {2,}active {2,}state {2,}links\s*$")
SERVES_HEADER = re.compile(
    r"(?m)^\s*serveid {2,}vnetid {2,}vnet {2,}name {2,}type {2,}ip:port {2,}info\s*$")
VNETS_HEADER = re.compile(r"(?m)^\s*vnetid {2,}name {2,}links\s*$")
COMMANDS = ["help", "show", "serve", "use", "unserve", "ping", "reload", "exit"]


def table_after(header, text):
    """The rows of the table under `header` in `text` (cells split on 2+ spaces)."""
    m = header.search(text)
    if not m:
        raise AssertionError(f"no table header {header.pattern!r} in:\n{text}")
    return table_rows(text[m.end():])


def row_by_key(rows, key, col=1):
    for r in rows:
        if len(r) > col and r[col] == key:
            return r
    return None


def hold_connection(port):
    """A connection through `port` that has carried one echo round trip."""
    s = socket.create_connection((LOOPBACK, port), timeout=10)
    s.settimeout(10)
    s.sendall(b"hold")
    assert recv_exact(s, 4) == b"hold"
    return s


def closed_by_peer(sock, timeout=10.0):
    """True when the peer closes `sock` (EOF or reset) within `timeout`."""
    sock.settimeout(timeout)
    try:
        return sock.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class TerminalTest(TerminalCase):
    """A route; vnet "home" (terminal=false) serving two echo services as 700
    and 701 and using the terminal's 710; vnet "term" in a pty serving 710
    ("local", display name "localecho"), with an inactive serve "off" (711),
    a serve "clash" refused (static 700 is home's), a use "u700" (listening)
    and a use "u730" (standing by until somebody serves 730)."""

    def setUp(self):
        super().setUp()
        c = self.c
        self.route, self.route_port = c.start_route()
        self.echo = c.service(EchoService())
        self.echo2 = c.service(EchoService())
        self.local_echo = c.service(EchoService())
        self.home_use_710 = free_port()
        self.home = c.start_vnet("home", self.route_port, serves={
            "echo": {"serveid": 700, "port": self.echo.port, "info": "echo-info"},
            "echo2": {"serveid": 701, "port": self.echo2.port},
        }, uses={"local": {"serveid": 710, "port": self.home_use_710}})
        self.home_id = self.home.wait_log(CONNECTED).group(1)
        self.home.wait_log("serve echo registered as serveid 700")
        self.u700 = free_port()
        self.u730 = free_port()
        self.off_port = free_port()
        self.term, self.cfg = self.terminal("term", self.route_port, serves={
            "local": {"serveid": 710, "port": self.local_echo.port, "name": "localecho"},
            "off": {"serveid": 711, "port": self.off_port, "active": False},
            "clash": {"serveid": 700, "port": self.off_port},
        }, uses={
            "u700": {"serveid": 700, "port": self.u700},
            "u730": {"serveid": 730, "port": self.u730},
        })
        self.term_id = self.term.vnetid
        self.wait_echo(self.u700, 15)
        self.wait_echo(self.home_use_710, 15)

    # ------------------------------------------------------------ help & errors

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
        self.assertRegex(out, r"(?m)^usage: help \| show \| serve \| use \| unserve \| ping \| reload \| exit\s*$")
        self.assertTrue(self.term.alive())
        out = self.term.command("ping")
        self.assertRegex(out, r"answered in")

    def test_bad_show_argument_prints_error_and_usage(self):
        out = self.term.command("show bogus")
        self.assertRegex(out, r"(?m)^error: .+\n(.*\n)*?usage: show")
        self.assertTrue(self.term.alive())
        self.assertRegex(self.term.command("show vnet"), r"(?m)^\s*vnetid\s+\d\d")

    # --------------------------------------------------------------------- show

    def test_show_vnet(self):
        out = self.term.command("show vnet")
        expected = {
            "vnetid": re.escape(self.term_id),
            "name": "term",
            "group": "default",
            "route": re.escape(f"127.0.0.1:{self.route_port} (connected)"),
            "config": re.escape(self.cfg),
            "unserve": re.escape("allow_unserve=false unserve_remote=false unserve_num=1, 0 alive"),
            "serves": re.escape("3 (1 registered)"),
            "uses": re.escape("2 (1 listening)"),
        }
        for key, value in expected.items():
            self.assertRegex(out, rf"(?m)^\s*{key}\s{{2,}}{value}\s*$", f"show vnet: {key}")

    def test_show_serve_rows_and_links(self):
        held = hold_connection(self.home_use_710)
        try:
            out = self.term.command("show serve")
            rows = table_after(SERVE_HEADER, out)
            local = row_by_key(rows, "local")
            self.assertEqual(local, ["710", "local", "localecho",
                                     f"127.0.0.1:{self.local_echo.port}", "yes", "registered",
                                     "1"], out)
            off = row_by_key(rows, "off")
            self.assertEqual(off, ["---", "off", "off", f"127.0.0.1:{self.off_port}", "no",
                                   "inactive", "0"], out)
            clash = row_by_key(rows, "clash")
            self.assertIsNotNone(clash, out)
            self.assertEqual(clash[:5], ["---", "clash", "clash", f"127.0.0.1:{self.off_port}",
                                         "yes"], out)
            self.assertTrue(clash[5].startswith("refused: ") and len(clash[5]) > 9, out)
            self.assertEqual(clash[-1], "0", out)
            self.assertEqual(len(rows), 3, f"extra rows in show serve:\n{out}")
        finally:
            held.close()
        # The link closes: links drops back to 0.
        self.poll_command(self.term, "show serve",
                          lambda out: (row_by_key(table_after(SERVE_HEADER, out), "local")
                                       or [None])[-1] == "0",
                          what="the links of serve local to drop to 0")

    def test_show_use_rows_and_links(self):
        held = hold_connection(self.u700)
        try:
            out = self.term.command("show use")
            rows = table_after(USE_HEADER, out)
            self.assertEqual(row_by_key(rows, "u700"),
                             ["700", "u700", f"127.0.0.1:{self.u700}", "yes", "listening", "1"],
                             out)
            self.assertEqual(row_by_key(rows, "u730"),
                             ["730", "u730", f"127.0.0.1:{self.u730}", "yes", "standing by", "0"],
                             out)
            self.assertEqual(len(rows), 2, f"extra rows in show use:\n{out}")
        finally:
            held.close()

    def test_show_use_every_state(self):
        # A second terminal vnet with one use in each state.
        sb, off, nosid = free_port(), free_port(), free_port()
        t2, _ = self.terminal("term2", self.route_port, uses={
            "sb": {"serveid": 799, "port": sb},                 # not offered: standing by
            "sbauto": {"serveid": 798},                         # not offered, no port: auto
            "off": {"serveid": 700, "port": off, "active": False},
            "nosid": {"port": nosid},                           # no serveid
            "busy": {"serveid": 701},  # listens on the serve's port: the echo service has it
        })
        def busy_shown(out):
            r = row_by_key(table_after(USE_HEADER, out), "busy")
            return r and r[3] == "yes" and r[4].startswith("port busy: ") and out
        out = self.poll_command(t2, "show use", busy_shown,
                                what="use busy to be shown as 'port busy: ...'")
        rows = table_after(USE_HEADER, out)
        self.assertEqual(row_by_key(rows, "sb"),
                         ["799", "sb", f"127.0.0.1:{sb}", "yes", "standing by", "0"], out)
        self.assertEqual(row_by_key(rows, "sbauto"),
                         ["798", "sbauto", "127.0.0.1:auto", "yes", "standing by", "0"], out)
        self.assertEqual(row_by_key(rows, "off"),
                         ["700", "off", f"127.0.0.1:{off}", "no", "inactive", "0"], out)
        nosid_row = row_by_key(rows, "nosid")
        self.assertIsNotNone(nosid_row, out)
        self.assertEqual(nosid_row[2:], [f"127.0.0.1:{nosid}", "yes", "no serveid", "0"], out)
        busy = row_by_key(rows, "busy")
        self.assertEqual(busy[:3], ["701", "busy", f"127.0.0.1:{self.echo2.port}"], out)

    def test_show_serve_and_use_when_empty(self):
        t2, _ = self.terminal("empty", self.route_port)
        self.assertRegex(t2.command("show serve"), r"(?m)^no serves\s*$")
        self.assertRegex(t2.command("show use"), r"(?m)^no uses\s*$")

    def test_show_serves_from_the_route(self):
        out = self.term.command("show serves")
        rows = table_after(SERVES_HEADER, out)
        r700 = find_row(out[SERVES_HEADER.search(out).end():], "700")
        self.assertEqual(r700, ["700", self.home_id, "home", "echo", "tcp",
                                f"127.0.0.1:{self.echo.port}", "echo-info"], out)
        r710 = row_by_key(rows, "710", col=0)
        self.assertEqual(r710, ["710", self.term_id, "term", "localecho", "tcp",
                                f"127.0.0.1:{self.local_echo.port}"], out)
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
        out = self.term.command("show vnets")
        rows = table_after(VNETS_HEADER, out)
        home = row_by_key(rows, self.home_id, col=0)
        term = row_by_key(rows, self.term_id, col=0)
        self.assertIsNotNone(home, out)
        self.assertEqual(home[1], "home", out)
        self.assertRegex(home[2], r"^\d+$", out)
        self.assertEqual(len(home), 3, f"home's row must not end with '*':\n{out}")
        self.assertIsNotNone(term, out)
        self.assertEqual(term[1], "term", out)
        self.assertRegex(term[2], r"^\d+$", out)
        self.assertEqual(term[-1], "*", out)
        self.assertRegex(out, rf"(?m)^\s*{self.term_id} {{2,}}term {{2,}}\d+ {{2}}\*\s*$")
        self.assertRegex(out, r"(?m)^- 2 vnets -\s*$")

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
        self.assertRegex(self.term.command("show serve"), SERVE_HEADER)

    def test_ctrl_c_cancels_a_command_waiting_for_the_route(self):
        os.kill(self.route.pid, signal.SIGSTOP)
        self.addCleanup(lambda: self.route.alive() and os.kill(self.route.pid, signal.SIGCONT))
        for line in ("ping", "show serves"):
            self.term.send_line(line)
            self.term.expect(re.escape(line) + r"[ \t]*\n")  # accepted: now waiting
            mark = self.term.cursor
            self.term.ctrl_c()
            # Cancelled: the prompt comes back although the route is frozen.
            self.term.expect(PROMPT, 5)
            self.assertNotIn("answered in", self.term.since(mark))
            self.assertIsNone(SERVES_HEADER.search(self.term.since(mark)))
        os.kill(self.route.pid, signal.SIGCONT)
        out = self.term.command("ping")
        self.assertRegex(out, r"answered in")

    # -------------------------------------------------------------------- serve

    def test_serve_new_open_close_delete_with_arguments(self):
        svc = self.c.service(EchoService())
        t = self.term
        out = t.command(f"serve new s1 serveid=720 port={svc.port} info=lineinfo")
        self.assertRegex(out, r"(?m)^serve s1 created \(inactive\)\s*$")
        row = row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "s1")
        self.assertEqual(row, ["---", "s1", "s1", f"127.0.0.1:{svc.port}", "no", "inactive", "0"])

        self.assertRegex(t.command("serve open s1"), r"(?m)^serve s1 opened\s*$")
        self.poll_command(t, "show serve", lambda out: row_by_key(
            table_after(SERVE_HEADER, out), "s1") == ["720", "s1", "s1", f"127.0.0.1:{svc.port}",
                                                        "yes", "registered", "0"],
            what="serve s1 registered as 720")
        out = t.command("show serves")
        self.assertEqual(row_by_key(table_after(SERVES_HEADER, out), "720", col=0),
                         ["720", self.term_id, "term", "s1", "tcp", f"127.0.0.1:{svc.port}",
                          "lineinfo"], out)
        # It carries bytes: another vnet uses it.
        q = free_port()
        self.c.start_vnet("user720", self.route_port, uses={"s": {"serveid": 720, "port": q}})
        self.wait_echo(q, 15)
        held = hold_connection(q)
        try:
            # close by serveid: unregistered, its live link closed
            self.assertRegex(t.command("serve close 720"), r"(?m)^serve s1 closed\s*$")
            self.assertTrue(closed_by_peer(held), "a live link survived 'serve close'")
        finally:
            held.close()
        self.wait_until(lambda: port_refuses(q), 10, "the user's port to close after serve close")
        row = row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "s1")
        self.assertEqual([row[0], row[4], row[5]], ["---", "no", "inactive"])

        self.assertRegex(t.command("serve delete s1"), r"(?m)^serve s1 deleted\s*$")
        self.assertIsNone(row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "s1"))

    def test_serve_run_asks_every_field_and_uses_defaults(self):
        svc = self.c.service(EchoService())
        t = self.term
        t.send_line("serve run")
        t.answer("name", "s2")
        t.answer(r"serveid\(000\)", "")
        t.answer(r"ip\(127\.0\.0\.1\)", "")
        t.answer("port", str(svc.port))
        t.answer(r"info\(\)", "")
        t.expect(r"(?m)^serve s2 created and opened\s*$")
        t.expect(PROMPT)
        row = self.poll_command(t, "show serve", lambda out: (
            lambda r: r if r and r[5] == "registered" else None)(
                row_by_key(table_after(SERVE_HEADER, out), "s2")),
            what="serve s2 registered")
        self.assertRegex(row[0], r"^\d{3}$")
        self.assertNotEqual(row[0], "000")
        self.assertEqual(row[1:], ["s2", "s2", f"127.0.0.1:{svc.port}", "yes", "registered", "0"])
        out = t.command("show serves")
        r = row_by_key(table_after(SERVES_HEADER, out), row[0], col=0)
        self.assertEqual(r, [row[0], self.term_id, "term", "s2", "tcp", f"127.0.0.1:{svc.port}"],
                         f"info must be empty:\n{out}")
        q = free_port()
        self.c.start_vnet("user-s2", self.route_port,
                          uses={"s": {"serveid": int(row[0]), "port": q}})
        self.wait_echo(q, 15)
        data = os.urandom(100 * 1024)
        self.assertEqual(sha256(harness.exchange(q, data)), sha256(data))
        svc.wait_record(lambda rec: rec == (len(data), sha256(data)), 10)

    def test_serve_with_a_key_value_asks_only_required_fields(self):
        t = self.term
        mark = t.cursor
        t.send_line("serve new s3 info=hello")
        m = t.expect(r"^ {4}port: ")
        self.assertNotRegex(t.screen()[mark:m.start()], r"serveid\(|ip\(|info\(|name: ",
                            "a field with a default was asked although a key=value was given")
        t.send_line("4321")
        t.expect(r"(?m)^serve s3 created \(inactive\)\s*$")
        t.expect(PROMPT)

        mark = t.cursor
        t.send_line("serve new port=4322")
        m = t.expect(r"^ {4}name: ")
        t.send_line("s4")
        t.expect(r"(?m)^serve s4 created \(inactive\)\s*$")
        t.expect(PROMPT)
        self.assertNotRegex(t.screen()[mark:], r"serveid\(|ip\(|info\(|port: ")
        rows = table_after(SERVE_HEADER, t.command("show serve"))
        self.assertEqual(row_by_key(rows, "s3"), ["---", "s3", "s3", "127.0.0.1:4321", "no",
                                                  "inactive", "0"])
        self.assertEqual(row_by_key(rows, "s4"), ["---", "s4", "s4", "127.0.0.1:4322", "no",
                                                  "inactive", "0"])

    def test_serve_bad_arguments(self):
        t = self.term
        out = t.command("serve new s5 port=abc")
        self.assertRegex(out, r'(?m)^error: port = "abc": not a port number \(1-65535\)\s*\n'
                              r'usage: serve')
        out = t.command("serve new s6 port=70000")
        self.assertRegex(out, r"(?m)^error: .*\nusage: serve")
        out = t.command("serve new local port=1234")
        self.assertRegex(out, r"(?m)^error: serve 'local' already exists\s*$")
        for verb in ("open", "close", "delete"):
            out = t.command(f"serve {verb} nosuch")
            self.assertRegex(out, r"(?m)^error: no serve 'nosuch'\s*$", verb)
        out = t.command("serve frob")
        self.assertRegex(out, r"(?m)^error: .*\n(.*\n)*?usage: serve")
        self.assertTrue(t.alive())
        rows = table_after(SERVE_HEADER, t.command("show serve"))
        self.assertEqual(sorted(r[1] for r in rows), ["clash", "local", "off"])
        self.assertEqual(row_by_key(rows, "local")[5], "registered")

    # ---------------------------------------------------------------------- use

    def test_use_new_open_close_delete_with_arguments(self):
        t = self.term
        q = free_port()
        out = t.command(f"use new u3 serveid=701 port={q}")
        self.assertRegex(out, r"(?m)^use u3 created \(inactive\)\s*$")
        self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u3"),
                         ["701", "u3", f"127.0.0.1:{q}", "no", "inactive", "0"])
        self.assertTrue(port_refuses(q), "an inactive use listens")

        self.assertRegex(t.command("use open u3"), r"(?m)^use u3 opened\s*$")
        self.wait_echo(q, 10)
        data = os.urandom(64 * 1024)
        self.assertEqual(sha256(harness.exchange(q, data)), sha256(data))
        self.echo2.wait_record(lambda r: r == (len(data), sha256(data)), 10)
        held = hold_connection(q)
        try:
            self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u3"),
                             ["701", "u3", f"127.0.0.1:{q}", "yes", "listening", "1"])
            self.assertRegex(t.command("use close 701"), r"(?m)^use u3 closed\s*$")
            self.assertTrue(closed_by_peer(held), "a live link survived 'use close'")
        finally:
            held.close()
        self.wait_until(lambda: port_refuses(q), 5, "the use to stop listening")
        self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u3")[3:5],
                         ["no", "inactive"])
        self.assertRegex(t.command("use open 701"), r"(?m)^use u3 opened\s*$")
        self.wait_echo(q, 10)
        self.assertRegex(t.command("use delete u3"), r"(?m)^use u3 deleted\s*$")
        self.wait_until(lambda: port_refuses(q), 5, "the deleted use to stop listening")
        self.assertIsNone(row_by_key(table_after(USE_HEADER, t.command("show use")), "u3"))

    def test_use_run_asks_every_field_and_uses_defaults(self):
        # A serve on 127.0.0.2:X, so that the default local port X is free on
        # 127.0.0.1 (where the use listens by default).
        for _ in range(20):
            svc = EchoService("127.0.0.2")
            with socket.socket() as probe:
                try:
                    probe.bind((LOOPBACK, svc.port))
                    break
                except OSError:
                    svc.close()
        self.c.service(svc)
        home2 = self.c.start_vnet("home2", self.route_port, serves={
            "far": {"serveid": 702, "ip": "127.0.0.2", "port": svc.port}})
        home2.wait_log("registered as serveid 702")
        t = self.term
        t.send_line("use run")
        t.answer("name", "u4")
        t.answer("serveid", "702")
        t.answer(r"ip\(127\.0\.0\.1\)", "")
        t.answer(rf"port\({svc.port}\)", "")
        t.expect(r"(?m)^use u4 created and opened\s*$")
        t.expect(PROMPT)
        self.wait_echo(svc.port, 10)
        data = os.urandom(64 * 1024)
        self.assertEqual(sha256(harness.exchange(svc.port, data)), sha256(data))
        svc.wait_record(lambda r: r == (len(data), sha256(data)), 10)
        self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u4"),
                         ["702", "u4", f"127.0.0.1:{svc.port}", "yes", "listening", "0"])

    def test_use_port_default_is_auto_when_the_serveid_is_not_offered(self):
        t = self.term
        t.send_line("use new u5")
        t.answer("serveid", "799")
        t.answer(r"ip\(127\.0\.0\.1\)", "")
        t.answer(r"port\(auto\)", "")
        t.expect(r"(?m)^use u5 created \(inactive\)\s*$")
        t.expect(PROMPT)
        self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u5"),
                         ["799", "u5", "127.0.0.1:auto", "no", "inactive", "0"])

    def test_use_with_a_key_value_asks_only_required_fields(self):
        t = self.term
        q = free_port()
        mark = t.cursor
        t.send_line(f"use run u6 port={q}")
        m = t.expect(r"^ {4}serveid: ")
        self.assertNotRegex(t.screen()[mark:m.start()], r"name: |ip\(|port\(")
        t.send_line("701")
        t.expect(r"(?m)^use u6 created and opened\s*$")
        t.expect(PROMPT)
        self.assertNotRegex(t.screen()[mark:], r"ip\(|port\(")
        self.wait_echo(q, 10)

    def test_use_bad_arguments(self):
        t = self.term
        out = t.command("use new u7 serveid=abc port=1234")
        self.assertRegex(out, r"(?m)^error: .*serveid.*\nusage: use")
        out = t.command("use new u8 serveid=701 port=abc")
        self.assertRegex(out, r'(?m)^error: port = "abc": not a port number \(1-65535\)\s*\n'
                              r'usage: use')
        out = t.command("use new u700 serveid=700 port=1234")
        self.assertRegex(out, r"(?m)^error: use 'u700' already exists\s*$")
        for verb in ("open", "close", "delete"):
            self.assertRegex(t.command(f"use {verb} nosuch"), r"(?m)^error: no use 'nosuch'\s*$")
        self.assertTrue(t.alive())
        rows = table_after(USE_HEADER, t.command("show use"))
        self.assertEqual(sorted(r[1] for r in rows), ["u700", "u730"])
        self.wait_echo(self.u700, 5)

    # ----------------------------------------------------------- line editing

    def test_ctrl_c_at_the_prompt_discards_the_line(self):
        t = self.term
        t.send("serve new zz port=1234")
        t.expect(r"serve new zz port=1234")
        t.ctrl_c()
        t.expect(r"\^C", 5)
        t.expect(PROMPT, 5)
        self.assertTrue(t.alive())
        # The next line starts empty: "ping" alone runs.
        self.assertRegex(t.command("ping"), r"(?m)^route \S+ answered in")
        self.assertIsNone(row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "zz"))

    def test_ctrl_c_during_a_question_aborts_the_command(self):
        t = self.term
        t.send_line("serve new")
        t.answer("name", "ab")
        t.expect(r"^ {4}serveid\(000\): ")
        t.ctrl_c()
        t.expect(r"\^C", 5)
        t.expect(PROMPT, 5)
        t.send_line("use new")
        t.expect(r"^ {4}name: ")
        t.ctrl_c()
        t.expect(r"\^C", 5)
        t.expect(PROMPT, 5)
        self.assertTrue(t.alive())
        self.assertIsNone(row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "ab"))
        self.assertEqual(sorted(r[1] for r in table_after(USE_HEADER, t.command("show use"))),
                         ["u700", "u730"])

    def test_history_up_arrow(self):
        t = self.term
        self.assertRegex(t.command("show vnet"), r"(?m)^\s*vnetid")
        self.assertRegex(t.command("ping"), r"answered in")
        mark = t.cursor
        t.send("\x1b[A\x1b[A\r")  # two back: show vnet
        t.expect(r"(?m)^\s*vnetid\s{2,}\d\d\s*$")
        t.expect(PROMPT)
        self.assertNotIn("answered in", t.since(mark))
        t.send("\x1b[A\r")  # one back: show vnet again (just run)
        t.expect(r"(?m)^\s*vnetid\s{2,}\d\d\s*$")
        t.expect(PROMPT)
        self.assertRegex(t.command("ping"), r"answered in")
        mark = t.cursor
        t.send("\x1b[A\r")  # one back: ping
        t.expect(r"(?m)^route \S+ answered in")
        t.expect(PROMPT)
        self.assertNotRegex(t.since(mark), r"vnetid|error")

    def test_tab_completes_the_command_name(self):
        t = self.term
        t.send("sh\t")
        t.expect(r"show ")
        t.send("vnet\r")
        t.expect(r"(?m)^\s*vnetid\s{2,}" + self.term_id + r"\s*$")
        t.expect(PROMPT)
        t.send("pi\t\r")
        t.expect(r"(?m)^route \S+ answered in")
        t.expect(PROMPT)

    def test_tab_completes_sub_commands_and_names(self):
        # README: Tab completes command names, sub-commands and the names of
        # your serves and uses.
        t = self.term
        t.send("serve cl\t")
        t.expect(r"serve close ")
        t.send("lo\t")
        t.expect(r"^cal ?|local")
        t.send("\r")
        t.expect(r"(?m)^serve local closed\s*$")
        t.expect(PROMPT)
        t.send("use clo\t")
        t.expect(r"use close ")
        t.send("u70\t\r")  # u700 (u7 is ambiguous: u730)
        t.expect(r"(?m)^use u700 closed\s*$")
        t.expect(PROMPT)

    def test_command_typed_while_a_log_line_arrives(self):
        t = self.term
        t.send("show us")
        t.expect("show us")
        # Somebody starts serving 730: this vnet opens use u730 and logs it
        # while the half-typed line sits at the prompt.
        svc = self.c.service(EchoService())
        self.c.start_vnet("other", self.route_port,
                          serves={"s": {"serveid": 730, "port": svc.port}})
        t.expect(rf"use u730 listening on 127\.0\.0\.1:{self.u730} for serveid 730", 15)
        # The typed text is still there: finishing the word runs "show use".
        mark = t.cursor
        t.send("e\r")
        m = t.expect(USE_HEADER)
        out_start = m.start()
        p = t.expect(PROMPT)
        out = t.screen()[out_start:p.start()]
        self.assertNotIn("error", t.screen()[mark:p.start()])
        rows = table_after(USE_HEADER, out)
        self.assertEqual(row_by_key(rows, "u730"),
                         ["730", "u730", f"127.0.0.1:{self.u730}", "yes", "listening", "0"], out)
        self.wait_echo(self.u730, 5)

    # ---------------------------------------------------------------- leaving

    def test_exit_command(self):
        self.term.send_line("exit")
        self.term.expect_exit = True
        self.assertEqual(self.term.wait_exit(10), 0)
        self.wait_until(lambda: port_refuses(self.u700), 5, "the use to close with the vnet")

    def test_ctrl_d_on_an_empty_line_exits(self):
        self.term.expect_exit = True
        self.term.ctrl_d()
        self.assertEqual(self.term.wait_exit(10), 0)

    def test_sigterm_exits_cleanly(self):
        self.term.expect_exit = True
        self.term.signal(signal.SIGTERM)
        self.assertEqual(self.term.wait_exit(10), 0)


class ScriptModeTest(TerminalCase):
    """terminal=true with stdin a pipe, and the modes where stdin is not read."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.echo = self.c.service(EchoService())
        self.home = self.c.start_vnet("home", self.route_port, serves={
            "echo": {"serveid": 700, "port": self.echo.port}})
        self.home.wait_log("serve echo registered as serveid 700")

    def start_piped(self, name, **kw):
        cfg = self.c.write(f"{name}.ini", vnet_config_text(name, self.route_port, **kw))
        p = PipedProcess([harness.binary("vnet"), "--log-level", "info", cfg], cwd=self.c.dir,
                         stderr_path=os.path.join(self.c.dir, f"{name}.stderr"), name=name)
        return self.track(p), cfg

    def wait_stderr(self, p, pattern, timeout=10.0):
        rx = re.compile(pattern)
        return self.wait_until(lambda: rx.search(p.stderr()), timeout,
                               f"{pattern!r} on the stderr of {p.name}")

    def test_commands_from_a_pipe(self):
        p, cfg = self.start_piped("script")
        self.wait_stderr(p, CONNECTED.pattern)
        svc = self.c.service(EchoService())
        q = free_port()
        # serve run with a NAME and no key=value: serveid, ip, port, info come
        # from the next lines.
        p.write(f"help\nshow vnet\nserve run p1\n\n\n{svc.port}\npiped-info\n")
        sid = self.wait_stderr(p, r"serve p1 registered as serveid (\d{3})").group(1)
        p.write(f"show serves\nuse run pu\n700\n\n{q}\nbogus\nping\n")
        self.wait_echo(q, 10)
        p.close_stdin()
        p.expect_exit = True
        self.assertEqual(p.wait_exit(10), 0, "end of input must exit with code 0")
        out = p.stdout()
        self.assertNotIn(">:", out, "a prompt was printed in script mode")
        self.assertNotRegex(out, r"(?m)^ {4}(name|serveid|ip|port|info|serve|use|to vnetid)"
                                 r"(\([^)]*\))?: ",
                            "a question was printed in script mode")
        self.assertNotIn("serveid(000)", out)
        # Every command ran, in order.
        marks = [r"(?m)^  help {2,}\S", r"(?m)^\s*vnetid\s{2,}\d\d",
                 r"(?m)^serve p1 created and opened\s*$",
                 SERVES_HEADER.pattern,
                 rf"(?m)^\s*{sid} {{2,}}\d\d {{2,}}script {{2,}}p1 {{2,}}tcp {{2,}}"
                 rf"127\.0\.0\.1:{svc.port} {{2,}}piped-info\s*$",
                 r"(?m)^use pu created and opened\s*$",
                 r"(?m)^error: no command 'bogus'\s*$",
                 rf"(?m)^route 127\.0\.0\.1:{self.route_port} answered in \d+\.\d{{3}} ms"]
        at = 0
        for pat in marks:
            m = re.compile(pat).search(out, at)
            self.assertIsNotNone(m, f"{pat!r} missing or out of order in stdout:\n{out}")
            at = m.end()
        self.assertNotIn("answered in", p.stderr(), "command output went to stderr")

    def test_readme_pipe_example(self):
        # README: printf 'show serves\nping\n' | ./vnet office.ini 2>/dev/null
        # The input ends at once; the commands still wait for the route.
        p, cfg = self.start_piped("office")
        p.write("show serves\nping\n")
        p.close_stdin()
        p.expect_exit = True
        self.assertEqual(p.wait_exit(15), 0)
        out = p.stdout()
        self.assertRegex(out, SERVES_HEADER)
        self.assertRegex(out, r"(?m)^700 {2,}\d\d {2,}home {2,}echo {2,}tcp ")
        self.assertRegex(out, r"(?m)^- 2 vnets, 1 serve -\s*$")
        self.assertRegex(out, rf"(?m)^route 127\.0\.0\.1:{self.route_port} answered in ")
        self.assertNotIn("error", out)

    def test_sighup_in_script_mode(self):
        p, cfg = self.start_piped("script")
        self.wait_stderr(p, CONNECTED.pattern)
        svc = self.c.service(EchoService())
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(vnet_config_text("script", self.route_port,
                                     serves={"s": {"serveid": 752, "port": svc.port}}))
        p.proc.send_signal(signal.SIGHUP)
        self.wait_stderr(p, rf"SIGHUP: reloading {re.escape(cfg)}")
        self.wait_stderr(p, rf"reloaded {re.escape(cfg)}: serves \+1 -0 ~0, uses \+0 -0 ~0")
        self.wait_stderr(p, r"serve s registered as serveid 752")
        self.assertTrue(p.alive())
        p.write("show serve\n")
        p.close_stdin()
        p.expect_exit = True
        self.assertEqual(p.wait_exit(10), 0)
        self.assertRegex(p.stdout(), r"(?m)^752 {2,}s {2,}s {2,}127\.0\.0\.1:\d+ {2,}yes {2,}registered")

    def run_without_terminal(self, argv_prefix=(), stdin=subprocess.DEVNULL, name="quiet"):
        svc = self.c.service(EchoService())
        cfg = self.c.write(f"{name}.ini", vnet_config_text(
            name, self.route_port, serves={"s": {"serveid": 750, "port": svc.port}}))
        log_path = os.path.join(self.c.dir, f"{name}.log")
        log = open(log_path, "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(list(argv_prefix) + [harness.binary("vnet"), "--log-level",
                                                     "info", cfg],
                                cwd=self.c.dir, stdin=stdin, stdout=log, stderr=subprocess.STDOUT)

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        self.addCleanup(stop)

        def read():
            log.flush()
            with open(log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        warning = re.compile(r"terminal=true but stdin is not readable \(.+\): "
                             r"running without a terminal")
        try:
            self.wait_until(lambda: warning.search(read()), 10, "the no-terminal warning")
            q = free_port()
            self.c.start_vnet(f"{name}-user", self.route_port,
                              uses={"s": {"serveid": 750, "port": q}})
            self.wait_echo(q, 15)
            self.assertIsNone(proc.poll(), "the vnet exited")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(10), 0)
        except AssertionError:
            sys.stderr.write(f"\n----- {name} log -----\n{read()}\n")
            raise

    def test_stdin_dev_null_runs_without_a_terminal(self):
        self.run_without_terminal(stdin=subprocess.DEVNULL, name="devnull")

    def test_stdin_closed_runs_without_a_terminal(self):
        # sh closes fd 0 and execs the vnet (same pid).
        self.run_without_terminal(argv_prefix=("sh", "-c", 'exec "$0" "$@" 0<&-'),
                                  stdin=subprocess.DEVNULL, name="closed")

    def test_terminal_false_never_reads_stdin(self):
        svc = self.c.service(EchoService())
        q = free_port()
        quiet = self.c.start_vnet("quiet", self.route_port,
                                  serves={"s": {"serveid": 751, "port": svc.port}})
        quiet.wait_log(CONNECTED)
        quiet.proc.stdin.write(b"exit\nserve delete s\n")
        quiet.proc.stdin.flush()
        quiet.proc.stdin.close()
        self.c.start_vnet("quiet-user", self.route_port, uses={"s": {"serveid": 751, "port": q}})
        self.wait_echo(q, 15)
        # For a while, it keeps running and serving.
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            self.c.check_alive()
            time.sleep(0.1)
        self.wait_echo(q, 5)
        self.assertNotIn("no command", quiet.log())


if __name__ == "__main__":
    unittest.main()
