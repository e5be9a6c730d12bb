"""The vnet terminal's editing commands, driven in a pty: serve and use
new|run|open|close|delete (arguments on the line or asked, with defaults),
references by key or serveid and their ambiguity, names in any script, what
`use run|open` says when the port cannot be opened, and unserve's local
side. Each test builds the few vnets it needs."""

import os
import socket
import unittest

import harness
from harness import LOOPBACK, EchoService, free_port, port_refuses, sha256
from vnet_terminal import (CONNECTED, PROMPT, SERVE_HEADER, SERVES_HEADER, USE_HEADER,
                           TerminalCase, closed_by_peer, hold_connection, row_by_key, table_after,
                           why_under)


class ServeEditTest(TerminalCase):
    """A route and one terminal vnet, "term", with no serves or uses."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.term, _ = self.terminal("term", self.route_port)

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
                         ["720", t.vnetid, "term", "s1", "tcp", f"127.0.0.1:{svc.port}",
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
        self.assertRegex(t.command("show serve"), r"(?m)^no serves\s*$")

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
        self.assertEqual(r, [row[0], t.vnetid, "term", "s2", "tcp", f"127.0.0.1:{svc.port}"],
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
        t.expect(r"^ {4}name: ")
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
        self.assertRegex(t.command("serve new local port=1234"), r"(?m)^serve local created")
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
        self.assertEqual([r[1] for r in rows], ["local"])

    def test_a_serveid_that_matches_several_serves_is_refused(self):
        # Two serves asking for the same serveid (one would be refused by the
        # route): "720" names neither; nothing is done on a guess.
        t = self.term
        for key in ("web", "web2"):
            self.assertRegex(t.command(f"serve new {key} serveid=720 port={free_port()}"),
                             rf"(?m)^serve {key} created \(inactive\)\s*$")
        for verb in ("open", "close", "delete"):
            out = t.command(f"serve {verb} 720")
            self.assertRegex(out, r"(?m)^error: 720 matches web, web2\b.*$", verb)
        rows = table_after(SERVE_HEADER, t.command("show serve"))
        self.assertEqual([(r[1], r[4]) for r in rows], [("web", "no"), ("web2", "no")])
        # By key, each is still reachable.
        self.assertRegex(t.command("serve delete web2"), r"(?m)^serve web2 deleted\s*$")
        self.assertRegex(t.command("serve delete 720"), r"(?m)^serve web deleted\s*$")

    def test_names_in_any_script(self):
        # [serve.网页] is a valid file section: the terminal takes it as well.
        t = self.term
        out = t.command("serve new 网页 serveid=720 port=4400 info=主页")
        self.assertRegex(out, r"(?m)^serve 网页 created \(inactive\)\s*$")
        self.assertRegex(t.command("use new 远程 serveid=721 port=4401"),
                         r"(?m)^use 远程 created \(inactive\)\s*$")
        self.assertEqual(row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "网页"),
                         ["---", "网页", "网页", "127.0.0.1:4400", "no", "inactive", "0"])
        self.assertRegex(t.command("serve delete 网页"), r"(?m)^serve 网页 deleted\s*$")
        # 64 bytes, the protocol's limit for a name: 21 CJK characters fit.
        self.assertRegex(t.command(f"use new {'页' * 21} serveid=722 port=4403"), r"created")
        # What the file refuses is refused: spaces, ']', a 65th byte.
        out = t.command('serve new "my web" port=4402')
        self.assertRegex(out, r'(?m)^error: name = "my web": not a name')
        out = t.command("serve new a]b port=4404")
        self.assertRegex(out, r'(?m)^error: name = "a\]b": not a name')
        out = t.command(f"serve new {'页' * 22} port=4405")
        self.assertRegex(out, r'(?m)^error: name = "页{22}": not a name \(1-64 bytes of')


class UseEditTest(TerminalCase):
    """A route, "home" serving echo services as 700 and 701, and a terminal
    vnet "term"."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.home, self.svc = self.echo_vnet("home", self.route_port, {"echo": 700, "echo2": 701})
        self.term, _ = self.terminal("term", self.route_port)

    def test_use_new_open_close_delete_with_arguments(self):
        t = self.term
        q = free_port()
        out = t.command(f"use new u3 serveid=701 port={q}")
        self.assertRegex(out, r"(?m)^use u3 created \(inactive\)\s*$")
        self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u3"),
                         ["701", "u3", f"127.0.0.1:{q}", "no", "inactive", "0"])
        self.assertTrue(port_refuses(q), "an inactive use listens")

        self.assertRegex(t.command("use open u3"),
                         rf"(?m)^use u3 opened: listening on 127\.0\.0\.1:{q}\s*$")
        self.wait_echo(q, 10)
        data = os.urandom(64 * 1024)
        self.assertEqual(sha256(harness.exchange(q, data)), sha256(data))
        self.svc["echo2"].wait_record(lambda r: r == (len(data), sha256(data)), 10)
        held = hold_connection(q)
        try:
            # Earlier links may still be closing: poll for exactly the held one.
            want = ["701", "u3", f"127.0.0.1:{q}", "yes", "listening", "1"]
            self.poll_command(t, "show use", lambda out: row_by_key(
                table_after(USE_HEADER, out), "u3") == want, what=f"u3 as {want}")
            self.assertRegex(t.command("use close 701"), r"(?m)^use u3 closed\s*$")
            self.assertTrue(closed_by_peer(held), "a live link survived 'use close'")
        finally:
            held.close()
        self.wait_until(lambda: port_refuses(q), 5, "the use to stop listening")
        self.assertEqual(row_by_key(table_after(USE_HEADER, t.command("show use")), "u3")[3:5],
                         ["no", "inactive"])
        self.assertRegex(t.command("use open 701"), r"(?m)^use u3 opened: listening on ")
        self.wait_echo(q, 10)
        self.assertRegex(t.command("use delete u3"), r"(?m)^use u3 deleted\s*$")
        self.wait_until(lambda: port_refuses(q), 5, "the deleted use to stop listening")
        self.assertRegex(t.command("show use"), r"(?m)^no uses\s*$")

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
        # The port's default comes from this vnet's own copy of the serve
        # list, which hears of 702 up to 20 ms after the route registered it
        # (changes are merged: docs/protocol.md, How it works). A probe use shows
        # when it has: its default port is then the serve's.
        def knows_702():
            t.command("use new probe702 serveid=702")
            known = f"127.0.0.1:{svc.port}" in t.command("show use")
            t.command("use delete probe702")
            return known
        self.wait_until(knows_702, 10, "serve 702 in this vnet's own list")
        t.send_line("use run")
        t.answer("name", "u4")
        t.answer("serveid", "702")
        t.answer(r"ip\(127\.0\.0\.1\)", "")
        t.answer(rf"port\({svc.port}\)", "")
        t.expect(rf"(?m)^use u4 created and opened: listening on 127\.0\.0\.1:{svc.port}\s*$")
        t.expect(PROMPT)
        self.wait_echo(svc.port, 10)
        data = os.urandom(64 * 1024)
        self.assertEqual(sha256(harness.exchange(svc.port, data)), sha256(data))
        svc.wait_record(lambda r: r == (len(data), sha256(data)), 10)
        # The exchange's link ends a moment after its last byte: poll for 0 links.
        self.poll_command(t, "show use", lambda out: row_by_key(table_after(USE_HEADER, out), "u4") ==
                          ["702", "u4", f"127.0.0.1:{svc.port}", "yes", "listening", "0"],
                          what="use u4 listening with no live link")

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
        t.expect(rf"(?m)^use u6 created and opened: listening on 127\.0\.0\.1:{q}\s*$")
        t.expect(PROMPT)
        self.assertNotRegex(t.screen()[mark:], r"ip\(|port\(")
        self.wait_echo(q, 10)

    def test_use_bad_arguments(self):
        t = self.term
        self.assertRegex(t.command(f"use new u700 serveid=700 port={free_port()}"), r"created")
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
        self.assertEqual([r[1] for r in rows], ["u700"])

    def test_a_serveid_that_matches_several_uses_is_refused(self):
        # Issue 7 item 2: with ssh and ssh3 both on 700, `use delete 700`
        # deleted one of them.
        t = self.term
        p1, p2 = free_port(), free_port()
        self.assertRegex(t.command(f"use run ssh serveid=700 port={p1}"), r"created and opened")
        self.assertRegex(t.command(f"use new ssh3 serveid=700 port={p2}"), r"created")
        for verb in ("open", "close", "delete"):
            out = t.command(f"use {verb} 700")
            self.assertRegex(out, r"(?m)^error: 700 matches ssh, ssh3\b.*$", verb)
        # Nothing changed: ssh still carries, ssh3 is still there and closed.
        rows = table_after(USE_HEADER, t.command("show use"))
        self.assertEqual([(r[1], r[3]) for r in rows], [("ssh", "yes"), ("ssh3", "no")])
        self.wait_echo(p1, 5)
        # Asked for at the question, the same answer.
        t.send_line("use delete")
        t.answer("use", "700")
        t.expect(r"(?m)^error: 700 matches ssh, ssh3\b.*$")
        t.expect(PROMPT)
        self.assertEqual(len(table_after(USE_HEADER, t.command("show use"))), 2)

    def test_use_run_and_open_say_when_the_port_is_busy(self):
        # Issue 7 item 4: "created and opened" was printed although the port
        # could not be opened.
        t = self.term
        # First this vnet must know that 700 and 701 are offered (else the
        # uses below stand by): a use of each carries an echo.
        for sid in (700, 701):
            probe = free_port()
            self.assertRegex(t.command(f"use run probe{sid} serveid={sid} port={probe}"), r"created")
            self.wait_echo(probe, 15)
        busy = socket.socket()
        busy.bind((LOOPBACK, 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = t.command(f"use run y serveid=700 port={port}")
        self.assertRegex(out, rf"(?m)^use y created; port {port} is busy \(.+\), "
                              rf"retrying every \d+(\.\d+)? s\s*$")
        self.assertNotIn("opened", out)
        self.assertRegex(t.command(f"use new z serveid=701 port={port}"), r"created \(inactive\)")
        out = t.command("use open z")
        self.assertRegex(out, rf"(?m)^use z: port {port} is busy \(.+\), retrying every ")
        self.assertNotIn("opened", out)
        out = t.command("show use")
        row = row_by_key(table_after(USE_HEADER, out), "y")
        self.assertEqual(row[4], "port busy", row)
        self.assertTrue(why_under(out, ["700", "y"]), out)  # the port's error, under the row
        self.assertEqual(row[3], "yes", row)
        # The port frees up: the use opens it on its own.
        self.assertRegex(t.command("use delete z"), r"deleted")
        busy.close()
        self.wait_echo(port, 30, "use y to open the freed port")


class UnserveLocalSideTest(TerminalCase):
    """A route, vnet A (allow_unserve) and a terminal vnet B asking it."""

    def test_local_port_on_the_line_asks_nothing_more(self):
        self.route, self.route_port = self.c.start_route()
        echo = self.c.service(EchoService())
        a = self.c.start_vnet("A", self.route_port, vnet_keys={"allow_unserve": True})
        aid = a.wait_log(CONNECTED).group(1)
        b, _ = self.terminal("B", self.route_port)
        q = free_port()
        mark = b.cursor
        b.send_line(f"unserve vnetid={aid} port={echo.port} local_port={q}")
        m = b.expect(rf"(?m)^use unserve-(\d{{3}}) created: 127\.0\.0\.1:{q} -> serveid \d{{3}}\s*$",
                     20)
        self.assertNotRegex(b.screen()[mark:m.start()], r"(?m)^ {4}\S+: ",
                            "a question was asked although the line gave the local side")
        b.expect(PROMPT)
        self.wait_echo(q, 15)


if __name__ == "__main__":
    unittest.main()
