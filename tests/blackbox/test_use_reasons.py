"""What the using side says about the serve behind a use: why a use stands
by (a typo in serveid or group), once per change of reason; and which vnet
serves it when another one takes the serveid over."""

import os
import re
import socket
import unittest

import harness
import wire
from harness import BlackBoxCase, EchoService, free_port, port_refuses, sha256

CONNECTED = re.compile(r"connected to route \S+ as vnet (\d\d)")


class FakeVnet:
    """Speaks just enough of the protocol (wire.py) to join a group under any
    name and register one static serve: a peer the route does not check."""

    def __init__(self, route_port, name, serveid, port):
        self.sock = wire.control_socket(route_port)
        self.sock.sendall(wire.encode("control_hello", name=name, group="default", auth=""))
        self.sock.sendall(wire.encode("serve_register", request_id=1, serve=wire.serve_info(
            serveid=serveid, name="svc", ip="127.0.0.1", port=port)))

    def close(self):
        self.sock.close()


class UseReasonTest(BlackBoxCase):
    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()

    def test_standby_says_why_once(self):
        port, web_port = free_port(), free_port()
        office = self.c.start_vnet("office", self.route_port, group="default-sh",
                                   uses={"ssh": {"serveid": 700, "port": port},
                                         "web": {"serveid": 701, "port": web_port}})
        line = ("use ssh: serveid 700 is not offered in group 'default-sh' (no serves on offer from other "
                "vnets: is the serving vnet connected, with the same group and group_key?)")
        office.wait_log(line, timeout=10)
        self.assertTrue(port_refuses(port))
        # Another vnet joins with serve 701: a new push, the counts change,
        # the reason does not: no second line.
        echo = self.c.service(EchoService())
        home = self.c.start_vnet("home", self.route_port, group="default-sh",
                                 serves={"web": {"serveid": 701, "port": echo.port}})
        office.wait_log("use web listening on", timeout=10)
        self.wait_echo(web_port)
        self.assertEqual(office.log().count("use ssh: serveid 700 is not offered"), 1, office.log())
        self.assertTrue(port_refuses(port))
        # web stands by in its turn: its reason is logged, ssh's is not again.
        web_line = "use web: serveid 701 is not offered in group 'default-sh'"
        before = office.log().count(web_line)
        home.stop()
        harness.wait_for(lambda: office.log().count(web_line) > before, 10, what="web's new standby line")
        self.assertEqual(office.log().count("use ssh: serveid 700 is not offered"), 1, office.log())


    def test_standby_names_the_serves_on_offer(self):
        # One vnet serving two ids: the use with a third id is told which
        # ones are offered, by one vnet (not "2 serves from 2 other vnets").
        echo = self.c.service(EchoService())
        self.c.start_vnet("home", self.route_port, serves={"a": {"serveid": 700, "port": echo.port},
                                                          "b": {"serveid": 701, "port": echo.port}})
        office = self.c.start_vnet("office", self.route_port, uses={"typo": {"serveid": 702, "port": free_port()}})
        office.wait_log("use typo: serveid 702 is not offered in group 'default' "
                        "(serves on offer: 700, 701, from 1 other vnet)", timeout=10)

    def test_a_different_group_key_is_hinted_at(self):
        # Same group name, different keys: different groups at the route.
        echo = self.c.service(EchoService())
        self.c.start_vnet("home", self.route_port, vnet_keys={"group_key": "a" * 64},
                          serves={"ssh": {"serveid": 700, "port": echo.port}})
        office = self.c.start_vnet("office", self.route_port, vnet_keys={"group_key": "b" * 64},
                                   uses={"ssh": {"serveid": 700, "port": free_port()}})
        office.wait_log("use ssh: serveid 700 is not offered in group 'default' (no serves on offer from "
                        "other vnets: is the serving vnet connected, with the same group and group_key?)",
                        timeout=10)

    def test_a_normal_start_logs_no_false_alarm(self):
        # The office often gets the group's list a moment before home's serve
        # is registered: a reason that clears within the grace is not logged.
        port = free_port()
        echo = self.c.service(EchoService())
        office = self.c.start_vnet("office", self.route_port, uses={"ssh": {"serveid": 700, "port": port}})
        office.wait_log(CONNECTED, 10)
        self.c.start_vnet("home", self.route_port, serves={"ssh": {"serveid": 700, "port": echo.port}})
        office.wait_log("use ssh listening on", timeout=10)
        self.wait_echo(port)
        self.assertNotIn("is not offered", office.log())


class OwnerChangeTest(BlackBoxCase):
    def test_new_owner_is_logged_and_reached(self):
        route, route_port = self.c.start_route()
        first, second = self.c.service(EchoService()), self.c.service(EchoService())
        home = self.c.start_vnet("home", route_port, serves={"ssh": {"serveid": 700, "port": first.port}})
        home_id = home.wait_log(CONNECTED, 10).group(1)
        home.wait_log("serve ssh registered as serveid 700", 10)
        x = self.c.start_vnet("x", route_port, serves={"ssh": {"serveid": 700, "port": second.port}})
        x_id = x.wait_log(CONNECTED, 10).group(1)
        x.wait_log("serve ssh refused", 10)
        port = free_port()
        office = self.c.start_vnet("office", route_port, uses={"ssh": {"serveid": 700, "port": port}})
        self.wait_echo(port, 15)
        home.stop()
        office.wait_log(f"use ssh: serveid 700 is now served by vnet {x_id} (x), was {home_id} (home)", 15)
        # And the use now reaches x's service, byte for byte.
        self.wait_echo(port, 15)
        data = os.urandom(64 * 1024)
        self.assertEqual(sha256(harness.exchange(port, data)), sha256(data))
        second.wait_record(lambda r: r == (len(data), sha256(data)), 10, what="the bytes at x's service")

    def test_peer_names_are_escaped(self):
        route, route_port = self.c.start_route()
        echo = self.c.service(EchoService())
        home = self.c.start_vnet("home", route_port, serves={"ssh": {"serveid": 700, "port": echo.port}})
        home_id = home.wait_log(CONNECTED, 10).group(1)
        port = free_port()
        office = self.c.start_vnet("office", route_port, uses={"ssh": {"serveid": 700, "port": port}})
        self.wait_echo(port, 15)
        home.stop()
        office.wait_log("use ssh: serveid 700 is not offered", 10)
        # A name that would forge a log line is refused by the route itself.
        forger = FakeVnet(route_port, b"x\x1b[2J\n2026-01-01 00:00:00.000 info  forged", 700, echo.port)
        self.addCleanup(forger.close)
        route.wait_log(re.compile(r"connection from \S+ dropped: bad opening frame: .*name"), 10)
        # A name that passes (no control character) but reorders text is shown escaped.
        fake = FakeVnet(route_port, "x\u202eevil".encode(), 700, echo.port)
        self.addCleanup(fake.close)
        office.wait_log(re.compile(r"use ssh: serveid 700 is now served by vnet \d\d "
                                   rf"\(x\\u\{{202E\}}evil\), was {home_id} \(home\)"), 10)
        route.wait_log(re.compile(r"vnet \d\d \(x\\u\{202E\}evil\) connected from"), 10)
        for daemon in (office, route):
            self.assertNotIn("\x1b", daemon.log())
            self.assertNotIn("\u202e", daemon.log())
            self.assertNotRegex(daemon.log(), r"(?m)^2026-01-01 00:00:00.000 info  forged")


if __name__ == "__main__":
    unittest.main()
