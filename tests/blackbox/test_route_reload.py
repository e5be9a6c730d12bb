"""SIGHUP to the route: it re-reads its file and applies what can change
without dropping anyone; a bad file or an unchanged one changes nothing. In
every case the route keeps running, the tunnel through it keeps carrying
bytes, and the vnets are not dropped."""

import os
import signal
import time

import harness
from harness import BlackBoxCase, EchoService, free_port, ini_text, sha256

# Fast timings so the tests take seconds. The vnets' own heartbeat is slow:
# they ping at the pace the route's welcome sets (every 0.5 s), so a shorter
# route timeout wrongly applied to them would drop them.
ROUTE_KEYS = {"heartbeat": 0.5, "timeout": 2}
FAST_VNET = {"reconnect": 0.3, "heartbeat": 10}


class RouteReloadTest(BlackBoxCase):
    def setUp(self):
        super().setUp()
        self.route, self.port = self.c.start_route(**ROUTE_KEYS)
        self.route_ini = os.path.join(self.c.dir, "route.ini")
        self.echo = self.c.service(EchoService())
        self.use_port = free_port()
        self.home = self.c.start_vnet("home", self.port, vnet_keys=FAST_VNET,
                                      serves={"echo": {"serveid": 700, "port": self.echo.port}})
        self.office = self.c.start_vnet("office", self.port, vnet_keys=FAST_VNET,
                                        uses={"echo": {"serveid": 700, "port": self.use_port}})
        self.wait_echo(self.use_port, timeout=15)

    def write_route_ini(self, **keys):
        route = {"ip": harness.LOOPBACK, "port": self.port}
        route.update(ROUTE_KEYS)
        route.update(keys)
        self.c.write("route.ini", ini_text({"route": route}))

    def sighup(self, expect):
        """SIGHUP the route and wait for `expect` after its 'reloading' line."""
        before = len(self.route.log())
        self.route.signal(signal.SIGHUP)
        self.wait_until(lambda: expect in self.route.log()[before:], 10,
                        f"{expect!r} in the route's log after SIGHUP")
        self.assertIn(f"SIGHUP: reloading {self.route_ini}", self.route.log()[before:])
        if "needs a restart" not in expect:
            self.assertNotIn("needs a restart", self.route.log()[before:])

    def assert_nobody_dropped(self, timeout_s):
        # "Still connected after a while" cannot be polled for: let more than
        # one route timeout pass, so a timeout wrongly applied to the live
        # sessions would have dropped them by now.
        time.sleep(timeout_s * 1.5)
        self.assertTrue(self.route.alive(), "the route exited on SIGHUP")
        data = os.urandom(256 * 1024)
        got = harness.exchange(self.use_port, data)
        self.assertEqual(sha256(got), sha256(data))
        self.echo.wait_record(lambda r: r == (len(data), sha256(data)), 10)
        self.assertNotIn("disconnected", self.route.log())
        for v in (self.home, self.office):
            log = v.log()
            self.assertNotIn("lost route", log, f"{v.name} lost the route")
            self.assertEqual(log.count("connected to route"), 1, f"{v.name} reconnected")

    def test_changed_timeout_applies(self):
        self.write_route_ini(timeout=3, link_timeout=5)
        self.sighup("reload: timeout 2 -> 3, link_timeout 10 -> 5")
        self.assert_nobody_dropped(3)
        # A second SIGHUP compares with what the first one applied.
        self.sighup("reload: nothing changed")

    def test_shorter_timeout_does_not_drop_live_vnets(self):
        # The live vnets were welcomed with 2 s and ping every 0.5 s: they keep
        # 2 s. Only vnets that connect from now on get 0.45 s (and ping faster).
        self.write_route_ini(timeout=0.45)
        self.sighup("reload: timeout 2 -> 0.45")
        self.assert_nobody_dropped(2)

    def test_bad_file_changes_nothing(self):
        self.c.write("route.ini", f"[route]\nip={harness.LOOPBACK}\nport={self.port}\ntimeout=abc\n")
        self.sighup("reload failed, nothing changed:")
        self.assertIn("timeout", self.route.log().split("reload failed, nothing changed:")[1])
        self.assert_nobody_dropped(2)
        # The old settings are still the ones in force.
        self.write_route_ini()
        self.sighup("reload: nothing changed")

    def test_same_file_changes_nothing(self):
        self.sighup("reload: nothing changed")
        self.assert_nobody_dropped(2)

    def test_new_port_needs_a_restart(self):
        other = free_port()
        self.write_route_ini(port=other)
        self.sighup("needs a restart; still listening on")
        self.assertIn(f"127.0.0.1:{other} needs a restart", self.route.log())
        self.assert_nobody_dropped(2)
        self.assertFalse(harness.port_accepts(other))

    def test_vnet_rename_is_kept_once_on_the_route(self):
        # The route keeps a vnet's name in one place (its registry): a second
        # rename must start from the first one's result.
        home_ini = os.path.join(self.c.dir, "home.ini")
        for old, new in (("home", "house"), ("house", "home2")):
            with open(home_ini, encoding="utf-8") as f:
                text = f.read()
            self.c.write("home.ini", text.replace(f"name={old}\n", f"name={new}\n"))
            self.home.signal(signal.SIGHUP)
            self.route.wait_log(f"renamed: {old} -> {new}", timeout=10)
        self.assert_nobody_dropped(2)


if __name__ == "__main__":
    import unittest
    unittest.main()
