"""A connection held open through a use is closed when its use or its serve
goes away: `use delete|close`, `serve delete|close`, and a reload that
re-creates the entry. Connections through the other pair are untouched."""

import socket
import unittest

from harness import LOOPBACK, EchoService, free_port, recv_exact, vnet_config_text
from vnet_terminal import TerminalCase


class HeldConnectionTest(TerminalCase):
    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.echo1, self.echo2, self.echo3 = (self.c.service(EchoService()) for _ in range(3))
        self.p1, self.p2 = free_port(), free_port()
        self.serves = {"s1": {"serveid": 700, "port": self.echo1.port},
                       "s2": {"serveid": 701, "port": self.echo2.port}}
        self.uses = {"u1": {"serveid": 700, "port": self.p1},
                     "u2": {"serveid": 701, "port": self.p2}}
        self.home, self.home_cfg = self.terminal("home", self.route_port, serves=self.serves)
        self.office, self.office_cfg = self.terminal("office", self.route_port, uses=self.uses)
        self.wait_echo(self.p1, 15)
        self.wait_echo(self.p2, 15)
        self.held1, self.held2 = self.hold(self.p1), self.hold(self.p2)

    def hold(self, port):
        s = socket.create_connection((LOOPBACK, port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"hello")
        self.assertEqual(recv_exact(s, 5), b"hello")
        return s

    def assert_closed(self, s, timeout=10):
        """EOF or reset within `timeout` (nothing else was sent to it)."""
        s.settimeout(timeout)
        try:
            data = s.recv(1024)
        except ConnectionResetError:
            return
        except socket.timeout:
            self.fail(f"the held connection is still open after {timeout} s")
        self.assertEqual(data, b"", "unexpected bytes on the held connection")

    def assert_untouched(self, s):
        s.sendall(b"still there")
        self.assertEqual(recv_exact(s, 11), b"still there")

    def check(self):
        self.assert_closed(self.held1)
        self.assert_untouched(self.held2)

    def test_use_delete(self):
        self.office.command("use delete u1")
        self.check()

    def test_use_close(self):
        self.office.command("use close u1")
        self.check()

    def test_serve_delete(self):
        self.home.command("serve delete s1")
        self.check()

    def test_serve_close(self):
        self.home.command("serve close s1")
        self.check()

    def test_reload_that_changes_the_use(self):
        uses = dict(self.uses, u1={"serveid": 700, "port": free_port()})
        with open(self.office_cfg, "w", encoding="utf-8") as f:
            f.write(vnet_config_text("office", self.route_port, uses=uses))
        out = self.office.command("reload")
        self.assertRegex(out, r"(?m)^reloaded \S+: serves \+0 -0 ~0, uses \+0 -0 ~1\s*$")
        self.check()

    def test_reload_that_changes_the_serve(self):
        serves = dict(self.serves, s1={"serveid": 700, "port": self.echo3.port})
        with open(self.home_cfg, "w", encoding="utf-8") as f:
            f.write(vnet_config_text("home", self.route_port, serves=serves))
        out = self.home.command("reload")
        self.assertRegex(out, r"(?m)^reloaded \S+: serves \+0 -0 ~1, uses \+0 -0 ~0\s*$")
        self.check()


if __name__ == "__main__":
    unittest.main()
