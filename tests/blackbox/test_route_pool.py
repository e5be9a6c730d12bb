"""Pooled links at the route (protocol 5), with fake vnets (wire.py) on TLS
control sessions to the real route: an idle serve-role link gets the use
side's link as link_assign (its sealed secret opens to the use ticket's
secret), the serving vnet's link_result reaches the use side, a pooled link
with a bad ticket or over the quota is refused, a dead idle link is skipped
for another or the link_request fallback, and a session's end closes its
idle links."""

import os
import socket
import threading
import time

import harness
import wire
from harness import BlackBoxCase, sha256
from test_metrics import scrape, value

SERVEID = 700


def read_exact(conn, n, timeout=10.0):
    """n raw bytes from a wire.Conn (its frame buffer first), or fewer at EOF."""
    out = bytearray(conn.buf[:n])
    del conn.buf[:n]
    deadline = time.monotonic() + timeout
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout(f"{len(out)} of {n} bytes within {timeout} s")
        conn.sock.settimeout(left)
        chunk = conn.sock.recv(min(1 << 20, n - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def closed_within(conn, timeout):
    """True once the route has closed `conn` (EOF or reset), skipping frames."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
            if not conn.sock.recv(1 << 16):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def transfer(src, dst, data):
    """Sends `data` on src while reading it on dst; what dst got."""
    sender = threading.Thread(target=src.sock.sendall, args=(data,), daemon=True)
    sender.start()
    got = read_exact(dst, len(data), timeout=30)
    sender.join(10)
    return got


class LinkPoolTest(BlackBoxCase):
    def start(self, **route_keys):
        self.route, self.port, self.metrics_port = self.c.start_route_with_metrics(**route_keys)
        self.home, _ = wire.hello(self.port, name="home")
        self.addCleanup(self.home.close)
        self.assertTrue(wire.register(self.home, SERVEID)["ok"])
        self.office, _ = wire.hello(self.port, name="office")
        self.addCleanup(self.office.close)
        self.home_tickets = wire.take_tickets(self.home, 16)
        self.office_tickets = wire.take_tickets(self.office, 16)

    def metric(self, name, **labels):
        return value(scrape(self.metrics_port), name, **labels)

    def wait_idle(self, role, n):
        self.wait_until(lambda: self.metric("vnet_route_idle_links", role=role) == n, 10,
                        f"{n} idle {role} links at the route")

    def pooled(self, role, tickets):
        c = wire.Conn(self.port)
        self.addCleanup(c.close)
        c.send_raw(wire.link_pool(tickets.pop(), role))
        return c

    def assigned(self, first=b""):
        """A link_open from office, with `first` behind it, assigned to home's
        idle serve link: (use side, serving side), link_assign read."""
        serve = self.pooled(wire.POOL_SERVE, self.home_tickets)
        self.wait_idle("serve", 1)
        use = wire.Conn(self.port)
        self.addCleanup(use.close)
        use.send_raw(wire.link_open(self.office_tickets.pop(), SERVEID) + first)
        self.assertEqual(serve.recv(10).name, "link_assign")
        return use, serve

    def no_link_request_so_far(self, conn):
        """The names of what the route sent `conn` before the pong of a ping
        sent now: a session's frames arrive in order, so a link_request queued
        earlier would be among them."""
        conn.send("ping", request_id=77, timestamp=1)
        seen = []
        while True:
            m = conn.recv(10)
            self.assertIsNotNone(m, "the route closed the session")
            if m.name == "pong":
                return seen
            seen.append(m.name)

    def test_use_link_reaches_an_idle_serve_link_as_link_assign(self):
        self.start()
        pool_ticket = self.home_tickets[-1]
        serve = self.pooled(wire.POOL_SERVE, self.home_tickets)
        use_ticket = self.office_tickets[-1]
        use = self.pooled(wire.POOL_USE, self.office_tickets)
        self.wait_idle("serve", 1)
        self.wait_idle("use", 1)

        # The bind and the use side's first bytes at once (0-RTT).
        hello = b"USE-HELLO-" + os.urandom(46)
        use.send_raw(wire.encode("link_bind", serveid=SERVEID) + hello)
        assign = serve.recv(10)
        self.assertEqual(assign.name, "link_assign")
        self.assertEqual(assign["serveid"], SERVEID)
        self.assertEqual(wire.open_link_secret(pool_ticket["secret"], assign["link_id"], SERVEID,
                                               assign["sealed"]), use_ticket["secret"])
        # Bound to its link and serveid, and to this pooled link's ticket.
        self.assertIsNone(wire.open_link_secret(pool_ticket["secret"], assign["link_id"] + 1, SERVEID,
                                                assign["sealed"]))
        self.assertIsNone(wire.open_link_secret(use_ticket["secret"], assign["link_id"], SERVEID,
                                                assign["sealed"]))
        # The use hello reaches the serving side before it answers.
        self.assertEqual(read_exact(serve, len(hello)), hello)
        serve_hello = b"SERVE-HELLO-" + os.urandom(44)
        serve.send_raw(wire.encode("link_result", ok=True, reason="") + serve_hello)
        result = use.recv(10)
        self.assertEqual((result.name, result["ok"], result["reason"]), ("link_result", True, ""))
        self.assertEqual(read_exact(use, len(serve_hello)), serve_hello)

        up, down = os.urandom(300_001), os.urandom(200_003)
        self.assertEqual(sha256(transfer(use, serve, up)), sha256(up))
        self.assertEqual(sha256(transfer(serve, use, down)), sha256(down))
        # Half-close passes too.
        use.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(closed_within(serve, 10))

        self.assertNotIn("link_request", self.no_link_request_so_far(self.home))
        s = scrape(self.metrics_port)
        self.assertEqual(value(s, "vnet_route_links_opened_total", path="pool"), 1)
        self.assertEqual(value(s, "vnet_route_links_opened_total", path="dial"), 0)
        self.assertEqual(value(s, "vnet_route_idle_links", role="serve"), 0)
        self.assertEqual(value(s, "vnet_route_idle_links", role="use"), 0)

    def test_link_open_without_an_idle_link_falls_back_to_link_request(self):
        self.start()
        use = wire.Conn(self.port)
        self.addCleanup(use.close)
        t = self.office_tickets.pop()
        hello = os.urandom(56)
        use.send_raw(wire.link_open(t, SERVEID) + hello)
        req = self.home.recv_until("link_request", 10)
        self.assertEqual((req["serveid"], req["link_secret"]), (SERVEID, t["secret"]))
        serve = wire.Conn(self.port)
        self.addCleanup(serve.close)
        serve.send("link_join", link_id=req["link_id"], proof=wire.join_proof(t["secret"], req["link_id"]))
        self.assertEqual(read_exact(serve, len(hello)), hello)
        serve.send("link_result", ok=True, reason="")
        self.assertTrue(use.recv(10)["ok"])
        data = os.urandom(100_000)
        self.assertEqual(sha256(transfer(serve, use, data)), sha256(data))
        self.assertEqual(self.metric("vnet_route_links_opened_total", path="dial"), 1)
        self.assertEqual(self.metric("vnet_route_links_opened_total", path="pool"), 0)

    def test_the_serving_vnets_refusal_reaches_the_use_side_word_for_word(self):
        self.start()
        use, serve = self.assigned(b"h" * 56)
        why = "cannot reach 127.0.0.1:22: Connection refused"
        serve.send("link_result", ok=False, reason=why)
        result = use.recv(10)
        self.assertEqual((result.name, result["ok"], result["reason"]), ("link_result", False, why))
        self.assertTrue(closed_within(use, 10), "the use side's link stays open")
        self.assertTrue(closed_within(serve, 10), "the serving side's link stays open")
        self.wait_until(lambda: self.metric("vnet_route_links_failed_total", reason="refused") == 1, 10,
                        "the refusal counted")
        self.assertEqual(self.metric("vnet_route_links_opened_total", path="pool"), 0)

    def test_a_serving_side_that_closes_without_answering_fails_the_link_promptly(self):
        self.start(link_timeout=60)  # prompt: not the deadline
        use, serve = self.assigned(b"h" * 56)
        began = time.monotonic()
        serve.close()
        result = use.recv(10)
        self.assertLess(time.monotonic() - began, 5)
        self.assertEqual((result.name, result["ok"]), ("link_result", False))
        self.assertEqual(result["reason"], "vnet 01 closed the link before answering")
        self.assertTrue(closed_within(use, 10))
        self.wait_until(lambda: self.metric("vnet_route_links_failed_total", reason="closed") == 1, 10,
                        "the failure counted")

    def test_a_serving_side_that_never_answers_times_out_with_why(self):
        self.start(link_timeout=1)
        use, serve = self.assigned()
        result = use.recv(10)
        self.assertEqual((result["ok"], result["reason"]), (False, "vnet 01 did not answer within 1000 ms"))
        self.assertTrue(closed_within(serve, 10))
        self.assertEqual(self.metric("vnet_route_links_failed_total", reason="timeout"), 1)

    def test_bad_tickets_on_link_pool_are_refused_and_disturb_nothing(self):
        self.start()
        # A live pooled link of the same vnet, to check it is not disturbed.
        serve = self.pooled(wire.POOL_SERVE, self.home_tickets)
        self.wait_idle("serve", 1)
        spent = self.home_tickets.pop()
        first = wire.Conn(self.port)
        self.addCleanup(first.close)
        first.send_raw(wire.link_pool(spent, wire.POOL_SERVE))
        self.wait_idle("serve", 2)
        cases = {
            "spent": wire.link_pool(spent, wire.POOL_SERVE),
            "unknown": wire.link_pool({"id": 12345, "secret": bytes(32)}, wire.POOL_USE),
            # A proof for the other role: the proof binds the role.
            "wrong proof": wire.encode("link_pool", role=wire.POOL_USE, ticket_id=self.home_tickets[-1]["id"],
                                       proof=wire.pool_proof(self.home_tickets[-1]["secret"],
                                                             self.home_tickets[-1]["id"], wire.POOL_SERVE)),
        }
        for what, opening in cases.items():
            with wire.Conn(self.port) as c:
                c.send_raw(opening)
                m = c.recv(10)
                self.assertEqual(m.name, "error", what)
                self.assertIn("ticket", m["message"], what)
                self.assertTrue(closed_within(c, 10), what)
        self.home_tickets.pop()  # spent by the wrong proof
        self.wait_until(lambda: self.metric("vnet_route_links_failed_total", reason="unknown_ticket") == 3,
                        10, "three refusals counted")
        self.assertEqual(self.metric("vnet_route_idle_links", role="serve"), 2)
        # The idle link still serves.
        use = wire.Conn(self.port)
        self.addCleanup(use.close)
        use.send_raw(wire.link_open(self.office_tickets.pop(), SERVEID))
        self.assertEqual(serve.recv(10).name, "link_assign")

    def test_the_idle_link_over_the_quota_is_refused_naming_the_key(self):
        self.start(max_idle_links_per_vnet=3)
        for _ in range(2):
            self.pooled(wire.POOL_SERVE, self.home_tickets)
        self.pooled(wire.POOL_USE, self.home_tickets)
        self.wait_until(lambda: self.metric("vnet_route_idle_links", role="serve") == 2 and
                        self.metric("vnet_route_idle_links", role="use") == 1, 10, "three idle links")
        over = self.pooled(wire.POOL_USE, self.home_tickets)
        m = over.recv(10)
        self.assertEqual(m.name, "error")
        self.assertEqual(m["message"], "vnet 01 may hold at most 3 idle pooled links "
                                       "(raise [route] max_idle_links_per_vnet)")
        self.assertTrue(closed_within(over, 10))
        self.assertEqual(self.metric("vnet_route_limit_refusals_total", key="max_idle_links_per_vnet"), 1)
        # Another vnet has its own quota.
        self.pooled(wire.POOL_SERVE, self.office_tickets)
        self.wait_idle("serve", 3)

    def test_a_dead_idle_link_is_skipped_for_the_next_or_the_fallback(self):
        self.start()
        older = self.pooled(wire.POOL_SERVE, self.home_tickets)
        newer = self.pooled(wire.POOL_SERVE, self.home_tickets)
        self.wait_idle("serve", 2)
        older.close()  # the vnet (or a NAT on the path) closed it
        use = wire.Conn(self.port)
        self.addCleanup(use.close)
        use.send_raw(wire.link_open(self.office_tickets.pop(), SERVEID) + b"a" * 56)
        self.assertEqual(newer.recv(10).name, "link_assign")
        self.assertEqual(read_exact(newer, 56), b"a" * 56)
        newer.send("link_result", ok=True, reason="")
        self.assertTrue(use.recv(10)["ok"])
        # None left: the next link falls back to link_request and works.
        self.wait_idle("serve", 0)
        second = wire.Conn(self.port)
        self.addCleanup(second.close)
        t = self.office_tickets.pop()
        second.send_raw(wire.link_open(t, SERVEID) + b"b" * 56)
        req = self.home.recv_until("link_request", 10)
        join = wire.Conn(self.port)
        self.addCleanup(join.close)
        join.send("link_join", link_id=req["link_id"], proof=wire.join_proof(t["secret"], req["link_id"]))
        self.assertEqual(read_exact(join, 56), b"b" * 56)
        join.send("link_result", ok=True, reason="")
        self.assertTrue(second.recv(10)["ok"])
        data = os.urandom(50_000)
        self.assertEqual(sha256(transfer(second, join, data)), sha256(data))

    def test_the_end_of_a_session_closes_its_idle_links(self):
        self.start()
        serve = self.pooled(wire.POOL_SERVE, self.home_tickets)
        use = self.pooled(wire.POOL_USE, self.home_tickets)
        others = self.pooled(wire.POOL_SERVE, self.office_tickets)
        self.wait_idle("serve", 2)
        self.wait_idle("use", 1)
        self.home.close()
        self.assertTrue(closed_within(serve, 10), "the idle serve link stays open")
        self.assertTrue(closed_within(use, 10), "the idle use link stays open")
        self.wait_idle("serve", 1)
        self.wait_idle("use", 0)
        # The other vnet's idle link is untouched.
        self.assertFalse(closed_within(others, 0.3))  # a short look: nothing to poll for

    def test_the_route_stopping_closes_idle_links_and_exits_promptly(self):
        self.start()
        links = [self.pooled(wire.POOL_SERVE, self.home_tickets),
                 self.pooled(wire.POOL_USE, self.office_tickets)]
        self.wait_idle("serve", 1)
        self.wait_idle("use", 1)
        began = time.monotonic()
        self.assertEqual(self.route.stop(timeout=10), 0)
        self.assertLess(time.monotonic() - began, 5, "the route waited on its idle links")
        for c in links:
            self.assertTrue(closed_within(c, 5))
