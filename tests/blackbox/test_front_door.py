"""What unauthenticated clients can make the route spend (issue 20, findings
2 and 6), with the real route: a handshake's memory before its ClientHello
is whole, the bound on handshakes in progress, the handshake rate with room
kept for addresses admitted before, and the quotas that parallel sessions
or rotating addresses used to dodge (sessions per network, unserve requests
per group)."""

import socket
import ssl
import time
import unittest

import harness
import wire
from attack_case import rss_kb
from attack_tools import try_hello
from harness import LOOPBACK, BlackBoxCase


def closed_by_peer(sock, timeout=0.05):
    """True when the route closed (or reset) `sock`."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (socket.timeout, BlockingIOError):
        return False
    except OSError:
        return True


def next_named(conn, name, timeout, pred=None):
    """The next `name` message on conn, or None at EOF or after `timeout`."""
    try:
        return conn.recv_until(name, timeout=timeout, pred=pred)
    except socket.timeout:
        return None


def tls_handshake(port, source, timeout=3.0):
    """True when a whole TLS handshake with the route succeeds from `source`."""
    try:
        wire.control_socket(port, timeout=timeout, source=source).close()
        return True
    except (OSError, ssl.SSLError):
        return False


class FrontDoorTest(BlackBoxCase):
    def connect(self, port, payload, source=None):
        s = socket.socket()
        self.addCleanup(s.close)
        if source:
            s.bind((source, 0))
        s.connect((LOOPBACK, port))
        s.sendall(payload)
        return s

    def test_a_partial_client_hello_holds_no_tls_state(self):
        # A TLS state is ~90 KiB; before the whole ClientHello arrived, a
        # connection holds its socket and a coroutine frame only.
        route, port = self.c.start_route(max_unidentified=2000)
        hello = wire.client_hello()
        self.assertTrue(tls_handshake(port, None))  # warm: the TLS context is in use
        n = 300
        before = rss_kb(route.pid)
        held = [self.connect(port, hello[: len(hello) // 2]) for _ in range(n)]
        # Every connection accepted and waiting for the rest of its hello.
        self.wait_until(lambda: len(held) == n and not any(closed_by_peer(s, 0.01) for s in held[-5:]), 10,
                        "the connections held")
        time.sleep(0.5)  # the route accepts in batches; nothing to poll for in its output
        grown = rss_kb(route.pid) - before
        self.assertLess(grown, n * 16, f"route RSS grew {grown} KiB for {n} partial hellos")

    def test_handshakes_in_progress_are_bounded_oldest_first(self):
        route, port = self.c.start_route(max_pending_handshakes=4)
        hello = wire.client_hello()
        held = []
        for _ in range(10):
            held.append(self.connect(port, hello))
            time.sleep(0.02)  # in order: the oldest are the first ones
        self.wait_until(lambda: sum(closed_by_peer(s) for s in held[:6]) == 6, 10,
                        "the six oldest handshakes closed")
        self.assertFalse(any(closed_by_peer(s) for s in held[6:]), "the four newest still pending")
        route.wait_log("its TLS handshake was the oldest of 4 unfinished")

    def test_the_handshake_rate_keeps_room_for_addresses_admitted_before(self):
        route, port = self.c.start_route(max_handshakes_per_second=5)
        # 127.0.0.1 is admitted once: it is known from then on.
        first, why = try_hello(port, "known", "g")
        self.assertIsNotNone(first, why)
        first.close()
        # A newcomer address spends the newcomers' bucket at once.
        t0 = time.monotonic()
        done = sum(tls_handshake(port, "127.0.0.2") for _ in range(30))
        elapsed = time.monotonic() - t0
        self.assertLessEqual(done, 5 + int(elapsed * 5) + 1, f"{done} handshakes in {elapsed:.1f} s")
        route.wait_log("more than 5 handshakes per second from addresses not admitted before")
        # Meanwhile the known address still gets in.
        again, why = try_hello(port, "known-again", "g")
        self.assertIsNotNone(again, why)
        again.close()

    def test_sessions_are_bounded_per_network(self):
        route, port = self.c.start_route(max_sessions_per_network=2)
        held = []
        for source in ("127.0.0.2", "127.0.0.3"):
            c, why = try_hello(port, "n" + source[-1], "g", source=source)
            self.assertIsNotNone(c, why)
            held.append(c)
        c, why = try_hello(port, "n4", "g", source="127.0.0.4")
        self.assertIsNone(c)
        self.assertIn("at most 2 vnets may connect from network 127.0.0.0/24", why)
        other, why = try_hello(port, "other", "g", source="127.0.1.2")
        self.assertIsNotNone(other, why)  # another network
        for h in held + [other]:
            h.close()

    def test_parallel_sessions_share_their_groups_unserve_minute(self):
        # 30 per vnet, but 5 for the group: three askers get 5 through, together.
        route, port = self.c.start_route(max_unserves_per_minute=30, max_group_unserves_per_minute=5)
        victim, why = try_hello(port, "victim", "g")
        self.assertIsNotNone(victim, why)
        askers = []
        for i in range(3):
            c, why = try_hello(port, f"asker{i}", "g")
            self.assertIsNotNone(c, why)
            askers.append(c)
        target = victim.welcome["vnetid"]
        for i in range(4):
            for a in askers:
                a.send("unserve_request", request_id=i + 1, vnetid=target, ip="127.0.0.1", port=9)
        refusals = 0
        for a in askers:
            for _ in range(4):
                r = next_named(a, "unserve_result", 2, pred=lambda m: not m["ok"])
                if r is None:
                    break
                if "max_group_unserves_per_minute" in r["reason"]:
                    refusals += 1
        passed = 0
        while next_named(victim, "unserve_request", 2 if passed < 5 else 0.5) is not None:
            passed += 1
            if passed > 12:
                break
        self.assertEqual(passed, 5, "requests passed on to the target in one minute, all askers together")
        self.assertEqual(refusals, 7)
        # A new session in the group starts from what the group spent.
        late, why = try_hello(port, "late", "g")
        self.assertIsNotNone(late, why)
        late.send("unserve_request", request_id=99, vnetid=target, ip="127.0.0.1", port=9)
        r = next_named(late, "unserve_result", 5)
        self.assertIsNotNone(r)
        self.assertIn("max_group_unserves_per_minute", r["reason"])
        for c in askers + [victim, late]:
            c.close()


if __name__ == "__main__":
    unittest.main()
