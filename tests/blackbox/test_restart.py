"""Resilience: the route dies and comes back, a serving vnet dies."""

import os
import re

import harness
from harness import BlackBoxCase, EchoService, free_port, port_refuses, sha256

# Fast timings so the tests take seconds, not the default tens of seconds.
FAST_VNET = {"reconnect": 0.3, "heartbeat": 0.5}


class RestartTest(BlackBoxCase):
    def start_pair(self, route_port):
        echo = self.c.service(EchoService())
        use_port = free_port()
        home = self.c.start_vnet("home", route_port, vnet_keys=FAST_VNET,
                                 serves={"echo": {"serveid": 700, "port": echo.port}})
        office = self.c.start_vnet("office", route_port, vnet_keys=FAST_VNET,
                                   uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=15)
        return echo, home, office, use_port

    def assert_exact_transfer(self, echo, port, size=256 * 1024):
        data = os.urandom(size)
        got = harness.exchange(port, data)
        self.assertEqual(sha256(got), sha256(data))
        echo.wait_record(lambda r: r == (len(data), sha256(data)), 10)

    def test_a_route_that_stops_tells_its_vnets_why(self):
        route, port = self.c.start_route(heartbeat=0.5, timeout=2)
        echo, home, office, use_port = self.start_pair(port)
        self.assertEqual(route.stop(), 0)
        self.assertRegex(route.log(), r"vnet \d\d \(home\) disconnected: the route is shutting down")
        for vnet in (home, office):
            vnet.wait_log("lost route: the route reported an error: the route is shutting down", timeout=10)

    def test_route_restart_on_same_port(self):
        route, port = self.c.start_route(heartbeat=0.5, timeout=2)
        echo, home, office, use_port = self.start_pair(port)

        route.kill9()
        home.wait_log("lost route", timeout=10)
        office.wait_log("lost route", timeout=10)

        route2, port2 = self.c.start_route(port=port, name="route2", heartbeat=0.5, timeout=2)
        self.assertEqual(port2, port)
        # The same vnet processes reconnect, re-register and reopen by themselves.
        self.wait_echo(use_port, timeout=20,
                       what="the use port to work again through the new route")
        self.assertTrue(home.alive() and office.alive(), "a vnet exited instead of reconnecting")
        self.assert_exact_transfer(echo, use_port)
        route2.wait_log("(home) connected", timeout=5)
        route2.wait_log("(office) connected", timeout=5)
        # Same vnets, new vnetids maybe: not an owner change.
        self.assertNotIn("is now served by", office.log())

    def test_serving_vnet_killed(self):
        route, port = self.c.start_route(heartbeat=0.5, timeout=1.5)
        echo, home, office, use_port = self.start_pair(port)

        home.kill9()
        # Its serve disappears from the group: the use stops listening.
        self.wait_until(lambda: port_refuses(use_port), 8,
                        "the use port to stop accepting after the serving vnet died")
        route.wait_log("(home) disconnected", timeout=5)
        self.assertTrue(office.alive())

        # The use stood by: a new serving vnet brings it back.
        self.c.start_vnet("home-again", port, vnet_keys=FAST_VNET,
                          serves={"echo": {"serveid": 700, "port": echo.port}})
        self.wait_echo(use_port, timeout=15,
                       what="the use port to reopen when serveid 700 is offered again")
        # The route may hand home's vnetid to home-again: the name tells them apart.
        office.wait_log(re.compile(r"use echo: serveid 700 is now served by vnet \d\d \(home-again\), "
                                   r"was \d\d \(home\)"), 5)
        self.assert_exact_transfer(echo, use_port)


if __name__ == "__main__":
    import unittest
    unittest.main()
