"""The Windows build under Wine, continued (test_windows.py has the tunnels
through vnet.exe):

- the manual's example configs (tests/fixtures/manual_*.ini) load unchanged
  in vnet.exe and vnet-route.exe, also as Notepad saves them (UTF-8 with a
  BOM, CRLF);
- vnet-route.exe with two Linux vnets carries a transfer hashed at both ends;
- a UDP service served by vnet.exe answers through a Linux vnet.
About a minute on the 2-core CI machine."""

import os
import re
import socket
import unittest

import harness
import test_manual_configs
import wine
from harness import LOOPBACK, BlackBoxCase, EchoService, UdpEchoService, free_port, sha256


def setUpModule():
    wine.require_build()
    wine.prepare_prefix()


class WindowsConfigTest(BlackBoxCase):
    def notepad_copy(self, path):
        """The file as Notepad writes it: a UTF-8 BOM and CRLF line ends."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        name = "notepad-" + os.path.basename(path)
        out = os.path.join(self.c.dir, name)
        with open(out, "wb") as f:
            f.write(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
        return out

    def test_the_manuals_configs_load_unchanged(self):
        configs = test_manual_configs.manual_configs()
        self.assertTrue(configs, f"no manual_*.ini in {harness.FIXTURES}")
        for path in configs:
            with open(path, encoding="utf-8") as f:
                route_only = [s.strip() for s in test_manual_configs.SECTION.findall(f.read())] == ["route"]
            for variant in (path, self.notepad_copy(path)):
                with self.subTest(config=os.path.basename(variant)):
                    status, out, err = wine.run(wine.VNET_EXE, "--check-config", variant, cwd=self.c.dir)
                    self.assertEqual(status, 0, out + err)
                    self.assertIn("valid", out)
                    self.assertNotRegex(err, re.compile(r"unknown (key|section)", re.I))
                    if route_only:
                        status, out, err = wine.run(wine.ROUTE_EXE, "--check-config", variant,
                                                    cwd=self.c.dir)
                        self.assertEqual(status, 0, out + err)
                        self.assertRegex(out, r"would listen on (127\.0\.0\.1|0\.0\.0\.0):7749")


class WindowsRouteTest(BlackBoxCase):
    def test_a_route_exe_carries_a_tunnel_between_linux_vnets(self):
        c = self.c
        route, route_port = wine.start_route(c)
        echo = c.service(EchoService())
        home = c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        home.wait_log("registered as serveid 700", timeout=30)
        use_port = free_port()
        c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=30)

        data = os.urandom(20 << 20)
        got = harness.exchange(use_port, data, timeout=120)
        echo.wait_record(lambda r: r == (len(data), sha256(data)), 30,
                         what="the echo service to receive the 20 MB intact")
        self.assertEqual(sha256(got), sha256(data))
        # The route relays by copying on Windows (no splice); it still runs.
        self.assertTrue(route.alive(), route.log())


class WindowsUdpTest(BlackBoxCase):
    def test_a_udp_round_trip_through_a_serving_vnet_exe(self):
        c = self.c
        route, route_port = c.start_route()
        echo = c.service(UdpEchoService(tag=b"E"))
        home = wine.start_vnet(c, "home", route_port,
                               serves={"dns": {"serveid": 700, "type": "udp", "port": echo.port}})
        home.wait_log("registered as serveid 700", timeout=60)
        use_port = free_port(socket.SOCK_DGRAM)
        office = c.start_vnet("office", route_port, uses={"dns": {"serveid": 700, "port": use_port}})
        office.wait_log(re.compile(r"use dns listening on UDP"), timeout=30)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((LOOPBACK, 0))
            s.settimeout(30)
            for size in (1, 1200, 60000):
                data = os.urandom(size)
                s.sendto(data, (LOOPBACK, use_port))
                got, _ = s.recvfrom(1 << 16)
                self.assertEqual(got, b"E" + data, f"{size} bytes")
        (count, _), = echo.seen().values()
        self.assertEqual(count, 3)


if __name__ == "__main__":
    unittest.main()
