"""Pooled links (protocol 5) with the real daemons: connections through a use
ride idle links opened ahead on both sides; pooled links cut on the path are
noticed and replaced; a refused service still closes the client promptly,
with the reason in the use vnet's log; max_idle_links = 0 falls back to
links opened on demand."""

import os
import re
import socket
import threading
import time
import unittest

import harness
from harness import LOOPBACK, BlackBoxCase, EchoService, free_port, sha256
from path_relay import LinkRelay
from test_metrics import scrape


def total(samples, name, **labels):
    """The sum of `name` over every sample whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items()
               if n == name and all((k, want) in ls for k, want in labels.items()))


def echo_exact(port, size, timeout):
    """One connection: `size` random bytes echoed back byte for byte within
    `timeout` seconds (a stalled link fails it). Returns (sent, got) hashes."""
    data = os.urandom(size)
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
        s.settimeout(timeout)
        sender = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)),
                                  daemon=True)
        sender.start()
        got = harness.recv_all(s)
        sender.join(timeout)
    return sha256(data), sha256(got)


class PoolCase(BlackBoxCase):
    def start_pair(self, through_relay=False, vnet_keys=None):
        """A route with /metrics, an echo service served as 700 by "home"
        and used by "office" (optionally both through a LinkRelay)."""
        c = self.c
        self.route, route_port, self.metrics_port = c.start_route_with_metrics()
        port = route_port
        if through_relay:
            self.relay = LinkRelay(route_port)
            self.addCleanup(self.relay.close)
            port = self.relay.port
        self.echo = c.service(EchoService())
        self.use_port = free_port()
        self.home = c.start_vnet("home", port, vnet_keys=vnet_keys,
                                 serves={"echo": {"serveid": 700, "port": self.echo.port}})
        self.office = c.start_vnet("office", port, vnet_keys=vnet_keys,
                                   uses={"echo": {"serveid": 700, "port": self.use_port}})
        # Waiting on the log, not on a probe connection: a probe would ride a
        # pooled link that the route may count after a test took its baseline.
        self.office.wait_log(re.compile(rf"use echo listening on 127\.0\.0\.1:{self.use_port}\b"), 15)

    def metrics(self):
        return scrape(self.metrics_port)

    def idle(self, role):
        return total(self.metrics(), "vnet_route_idle_links", role=role)

    def opened(self, path):
        return total(self.metrics(), "vnet_route_links_opened_total", path=path)

    def settle(self):
        """No link live at the route: a probe's link is counted when its
        serving side answers, maybe after the probe returned."""
        self.wait_until(lambda: total(self.metrics(), "vnet_route_links_active") == 0, 10,
                        "no live link at the route")

    def wait_pools(self, each=2, timeout=15):
        self.wait_until(lambda: self.idle("use") >= each and self.idle("serve") >= each, timeout,
                        f"{each} idle pooled links of each role at the route")


class PooledLinksTest(PoolCase):
    def test_connections_ride_pooled_links_on_both_sides(self):
        self.start_pair()
        self.wait_pools()
        self.settle()
        pool0, dial0 = self.opened("pool"), self.opened("dial")
        accepted0 = self.echo.accepted
        n = 12
        for i in range(n):
            sent, got = echo_exact(self.use_port, 1000 + 7919 * i, timeout=10)
            self.assertEqual(got, sent, f"connection {i}")
            # One at a time, with the pools refilled in between: each must find one.
            self.wait_pools()
        self.assertEqual(self.opened("pool") - pool0, n)
        self.assertEqual(self.opened("dial") - dial0, 0, "a link went the link_request way")
        self.assertEqual(self.echo.accepted - accepted0, n)
        # The serving vnet was never asked over its control session, and the
        # using one never had to open a link (the route's path counts the
        # serving side only).
        self.assertNotRegex(self.home.log(), r"link \d+ requested")
        self.assertNotIn("no idle pooled link", self.office.log())

    def test_a_burst_is_carried_and_the_pools_follow_the_rate(self):
        self.start_pair()
        self.wait_pools()
        results = harness.in_parallel(lambda i: echo_exact(self.use_port, 4096 + i, timeout=20), 24, 30)
        for i, r in enumerate(results):
            self.assertIsInstance(r, tuple, f"connection {i}: {r}")
            self.assertEqual(r[1], r[0], f"connection {i}")
        # After a burst the use pool holds more than its floor of 2, for a while.
        self.wait_until(lambda: self.idle("use") > 2, 10, "the use pool grown after the burst")

    def test_max_idle_links_0_opens_links_on_demand(self):
        self.start_pair(vnet_keys={"max_idle_links": 0})
        self.wait_echo(self.use_port, timeout=15)
        self.settle()
        pool0, dial0 = self.opened("pool"), self.opened("dial")
        for i in range(5):
            sent, got = echo_exact(self.use_port, 50000 + i, timeout=10)
            self.assertEqual(got, sent, f"connection {i}")
        self.assertEqual(self.opened("dial") - dial0, 5)
        self.assertEqual(self.opened("pool") - pool0, 0)
        self.assertEqual(self.idle("use") + self.idle("serve"), 0)


class QuotaTest(PoolCase):
    def test_a_route_quota_below_the_pools_is_logged_once_and_links_still_work(self):
        # One vnet using its own serve: both pools want 2 idle links, the
        # route allows 3.
        c = self.c
        _, route_port, self.metrics_port = c.start_route_with_metrics(max_idle_links_per_vnet=3)
        echo = c.service(EchoService())
        use_port = free_port()
        home = c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}},
                            uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_until(lambda: harness.port_accepts(use_port), 15, "home listening")
        refused = re.compile(r"warning pooled (use|serve) links: the route refused an idle link: "
                             r"vnet 01 may hold at most 3 idle pooled links")
        self.wait_until(lambda: refused.search(home.log()), 10, "the refusal logged")
        for i in range(5):
            sent, got = echo_exact(use_port, 10000 + i, timeout=10)
            self.assertEqual(got, sent, f"connection {i}")
        # The pool backs off and retries (1, 2, 4 s ...): give it two more
        # refusals' time, then the warning must still be there only once per pool.
        time.sleep(4)
        self.assertLessEqual(len(refused.findall(home.log())), 2)
        self.assertLessEqual(self.idle("use") + self.idle("serve"), 3)


class SessionTest(PoolCase):
    def test_pools_are_emptied_with_the_session_and_refilled_after_the_next_welcome(self):
        c = self.c
        route, route_port, self.metrics_port = c.start_route_with_metrics()
        echo = c.service(EchoService())
        use_port = free_port()
        home = c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}},
                            vnet_keys={"reconnect": 0.2})
        office = c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": use_port}},
                              vnet_keys={"reconnect": 0.2})
        self.wait_until(lambda: harness.port_accepts(use_port), 15, "office listening")
        self.wait_pools()
        route.kill9()
        # The idle links died with the session: each vnet closed its own
        # (their fds drop back) and holds none while the route is away.
        office.wait_log("lost route", 10)
        home.wait_log("lost route", 10)
        c.start_route(port=route_port, name="route2", metrics=f"{LOOPBACK}:{self.metrics_port}")
        self.wait_until(lambda: harness.port_accepts(self.metrics_port), 10, "the new route's metrics")
        # The log, not a probe connection: a probe's link could be counted
        # by the route after pool0 below was read.
        listening = re.compile(rf"use echo listening on 127\.0\.0\.1:{use_port}\b")
        self.wait_until(lambda: len(listening.findall(office.log())) >= 2, 15, "office listening again")
        self.wait_pools()
        self.settle()
        pool0 = self.opened("pool")
        n0 = office.log().count("no idle pooled link")
        for i in range(3):
            sent, got = echo_exact(use_port, 777 + i, timeout=10)
            self.assertEqual(got, sent, f"connection {i} after the reconnect")
            self.wait_pools()
        self.assertEqual(self.opened("pool") - pool0, 3)
        self.assertEqual(office.log().count("no idle pooled link"), n0)


class CutPathTest(PoolCase):
    def test_pooled_links_cut_on_the_path_are_replaced(self):
        self.start_pair(through_relay=True)
        self.wait_pools()
        self.wait_echo(self.use_port, timeout=10)
        self.wait_pools()
        use0, serve0 = self.relay.pooled[1], self.relay.pooled[2]
        cut = self.relay.cut_links()
        self.assertGreaterEqual(cut, 4)
        # Both vnets notice (the peer closed) and open new idle links.
        self.wait_until(lambda: self.relay.pooled[1] >= use0 + 2 and self.relay.pooled[2] >= serve0 + 2, 10,
                        "pooled links replaced on both sides")
        self.wait_pools()
        # The control sessions were not touched.
        self.assertNotRegex(self.home.log() + self.office.log(), r"lost route")
        accepted0 = self.echo.accepted
        for i in range(20):
            start = time.monotonic()
            sent, got = echo_exact(self.use_port, 3000 + 101 * i, timeout=10)
            self.assertEqual(got, sent, f"connection {i} after the cut")
            self.assertLess(time.monotonic() - start, 5, f"connection {i} stalled")
        self.assertEqual(self.echo.accepted - accepted0, 20)

    def test_a_cut_right_before_connecting_costs_no_connection(self):
        # No wait for the replacements: a dead pooled link must never be
        # handed out (the peek before use), and the route's side falls back.
        self.start_pair(through_relay=True)
        self.wait_pools()
        self.relay.cut_links()
        for i in range(5):
            sent, got = echo_exact(self.use_port, 2000 + i, timeout=10)
            self.assertEqual(got, sent, f"connection {i} right after the cut")


class RefusedServiceTest(PoolCase):
    def test_refused_service_closes_the_client_promptly_with_the_reason_logged(self):
        c = self.c
        _, route_port, self.metrics_port = c.start_route_with_metrics()
        dead, use_port = free_port(), free_port()
        c.start_vnet("home", route_port, serves={"dead": {"serveid": 701, "port": dead}})
        office = c.start_vnet("office", route_port, uses={"dead": {"serveid": 701, "port": use_port}})
        self.wait_until(lambda: harness.port_accepts(use_port), 15, "office listening")
        self.wait_pools()
        with socket.create_connection((LOOPBACK, use_port), timeout=5) as s:
            s.sendall(b"hello?")
            try:
                data, elapsed = harness.wait_closed(s, 5)
            except socket.timeout:
                self.fail("connection to a refused service still open after 5 s")
        self.assertEqual(data, b"")
        self.assertLess(elapsed, 2.0, f"closed only after {elapsed:.2f} s")
        office.wait_log(re.compile(rf"use dead: link to serveid 701 failed: cannot reach "
                                   rf"127\.0\.0\.1:{dead}: Connection refused"), 5)


if __name__ == "__main__":
    unittest.main()
