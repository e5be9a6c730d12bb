"""Links encrypted end to end between the real daemons (issue 9): what a
relay on the path between the vnets and the route sees of the links, a
recorded link opening replayed, a byte flipped in the middle of a link, and
group keys keeping vnets without the key out of the group."""

import os
import re
import socket
import unittest

import harness
import wire
from harness import BlackBoxCase, EchoService, LOOPBACK, free_port, port_refuses, sha256
from path_relay import LinkRelay


class LinkSecurityTest(BlackBoxCase):
    def start_pair(self, serve_name="echo", group="default"):
        """A route, an echo service served as 700 by "home" and used by
        "office", both vnets reaching the route through a LinkRelay."""
        c = self.c
        self.route, route_port = c.start_route()
        self.relay = LinkRelay(route_port)
        self.addCleanup(self.relay.close)
        self.echo = c.service(EchoService())
        self.use_port = free_port()
        self.home = c.start_vnet("home", self.relay.port, group=group, serves={
            serve_name: {"serveid": 700, "port": self.echo.port}})
        self.office = c.start_vnet("office", self.relay.port, group=group,
                                   uses={"echo": {"serveid": 700, "port": self.use_port}})
        self.wait_until(lambda: harness.port_accepts(self.use_port), 15, "office listening")

    def test_sixteen_mib_each_way_byte_exact(self):
        # Straight to the route: the relay in Python would be the bottleneck.
        c = self.c
        _, route_port = c.start_route()
        echo = c.service(EchoService())
        use_port = free_port()
        c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=15)
        data = os.urandom(16 << 20)
        got = harness.exchange(use_port, data, timeout=120)
        self.assertEqual(len(got), len(data))
        self.assertEqual(sha256(got), sha256(data))
        # And the service got every byte in order (its record of the stream).
        echo.wait_record(lambda r: r == (len(data), sha256(data)), 10, "the service's record")

    def test_link_capture_holds_neither_payload_nor_names(self):
        group = "group-" + os.urandom(6).hex()
        serve_name = "serve-" + os.urandom(6).hex()
        self.start_pair(serve_name=serve_name, group=group)
        marker = b"KNOWN-PAYLOAD-" + os.urandom(8).hex().encode()
        payload = (marker + os.urandom(4096)) * 64
        got = harness.exchange(self.use_port, payload)
        self.assertEqual(sha256(got), sha256(payload))
        cap = self.relay.capture()
        self.assertGreaterEqual(self.relay.links, 2)  # both sides of the link went through it
        self.assertGreater(len(cap), 2 * len(payload))
        # assertFalse, not assertNotIn: the capture is too big to print.
        self.assertFalse(marker in cap, "the payload crossed a link in clear")
        self.assertFalse(group.encode() in cap, "the group name is on a link")
        self.assertFalse(serve_name.encode() in cap, "the serve name is on a link")
        for i in range(0, len(payload) - 32, 4096 * 7 + 13):
            chunk = payload[i:i + 32]
            if marker not in chunk:
                self.assertFalse(chunk in cap, f"payload bytes at offset {i} crossed in clear")

    def test_replayed_link_opening_is_refused_and_reaches_nothing(self):
        self.start_pair()
        data = os.urandom(64 * 1024)
        got = harness.exchange(self.use_port, data)
        self.assertEqual(sha256(got), sha256(data))

        def transfer_link():  # not the probes' links: the one that carried `data`
            with self.relay.lock:
                return next((bytes(s) for s in self.relay.use_streams if len(s) > len(data)), None)
        recorded = self.wait_until(transfer_link, 10, "the recorded use-side link")

        def links_ended():  # a probe's link may still be dialling the echo service
            log = self.route.log()
            return len(re.findall(r"link \d+ paired", log)) == len(re.findall(r"link \d+ \(.*\) closed after", log))
        self.wait_until(links_ended, 10, "every link paired so far to end")
        accepted = self.echo.accepted
        # The recorded opening and every byte after it, straight to the route.
        with socket.create_connection((LOOPBACK, self.relay.route_port), timeout=10) as s:
            try:
                s.sendall(recorded)
                # The route refuses at the opening frame: an error frame, or a
                # reset when it closes with our replayed bytes unread.
                rest = harness.recv_all(s)
                self.assertEqual(rest[:wire.HEADER_SIZE][4:], bytes([0, wire.TYPES["error"]]))
                self.assertIn(b"ticket", rest)
            except ConnectionResetError:
                pass
        self.route.wait_log(re.compile(r"link from .* refused: unknown or already used ticket"), 10)
        # The route said no before asking anyone: no link request, no dial.
        self.assertEqual(self.echo.accepted, accepted)

    def check_flip(self, direction):
        self.start_pair()
        self.relay.flip = (direction, 300 * 1024)
        data = os.urandom(1 << 20)
        got = harness.exchange(self.use_port, data, timeout=30, may_be_cut=True)
        self.assertTrue(self.relay.flipped)
        # Cut short, and not one corrupted byte before the cut.
        self.assertLess(len(got), len(data))
        self.assertEqual(got, data[:len(got)])
        # The end that opened the flipped record says so, and closed the link.
        failed = self.home if direction == "up" else self.office
        failed.wait_log(re.compile(r"failed: a record (failed authentication|'s length is out of bounds)"), 10)
        # The service never got a corrupted byte either: what it recorded
        # (at the link's close) is a prefix of what the client sent.
        rec = self.echo.wait_record(lambda r: True, 10, "the service's record")
        self.assertEqual(rec[1], sha256(data[:rec[0]]))
        # The next connection works: only that link was cut.
        self.wait_echo(self.use_port, timeout=10)

    def test_flipped_byte_toward_the_user_closes_the_link(self):
        self.check_flip("down")

    def test_flipped_byte_toward_the_service_closes_the_link(self):
        self.check_flip("up")


class RelabelledLinkTest(BlackBoxCase):
    def test_a_link_bind_rewritten_to_another_serve_reaches_no_service(self):
        """Issue 20, item 4: a route in the middle rewrites link_bind from
        serveid 700 to 701 (another serve of the same vnet, which speaks
        first). The serveid is in the link's keys: the serving vnet refuses
        the opening before it dials 701's service, and the client gets not
        one byte of it, and a reset or close, never B's banner."""
        c = self.c
        _, route_port = c.start_route()
        relay = LinkRelay(route_port)
        self.addCleanup(relay.close)
        echo = c.service(EchoService())
        banner = b"SERVICE-B-" + os.urandom(8).hex().encode()
        other = c.service(harness.BannerService(banner))
        use_port = free_port()
        key = {"group_key": "k3y-" + os.urandom(16).hex()}
        home = c.start_vnet("home", relay.port, group="team", vnet_keys=key, serves={
            "a": {"serveid": 700, "port": echo.port}, "b": {"serveid": 701, "port": other.port}})
        c.start_vnet("office", relay.port, group="team", vnet_keys=key,
                     uses={"a": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=15)
        relay.rewrite = (wire.encode("link_bind", serveid=700), wire.encode("link_bind", serveid=701))
        got = b""
        with socket.create_connection((LOOPBACK, use_port), timeout=10) as s:
            s.sendall(b"hello A")
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except ConnectionResetError:
                pass
        self.assertEqual(relay.rewritten, 1, "the connection did not go out on a pooled link")
        self.assertNotIn(banner, got)
        self.assertEqual(got, b"")
        home.wait_log(re.compile(r"the use side's opening does not authenticate"), 10)
        self.assertEqual(other.accepted, 0, "service B was dialled")


class CipherInteropTest(BlackBoxCase):
    def test_a_vnet_without_aes_instructions_links_with_one_that_has_them(self):
        """Issue 23: the serving vnet runs as on a CPU without AES
        instructions (VNET_TEST_NO_AES=1, a test switch), the use vnet as it
        is: the link settles on ChaCha20-Poly1305 and carries 4 MiB each
        way byte for byte; then the other way round."""
        c = self.c
        _, route_port = c.start_route()
        echo = c.service(EchoService())
        for serveid, forced in ((700, "home"), (701, "office")):
            use_port = free_port()
            try:
                os.environ["VNET_TEST_NO_AES"] = "1" if forced == "home" else "0"
                home = c.start_vnet(f"home{serveid}", route_port,
                                    serves={"echo": {"serveid": serveid, "port": echo.port}})
                os.environ["VNET_TEST_NO_AES"] = "1" if forced == "office" else "0"
                office = c.start_vnet(f"office{serveid}", route_port,
                                      uses={"echo": {"serveid": serveid, "port": use_port}})
            finally:
                os.environ.pop("VNET_TEST_NO_AES", None)
            self.wait_echo(use_port, timeout=15)
            data = os.urandom(4 << 20)
            got = harness.exchange(use_port, data, timeout=60)
            self.assertEqual(sha256(got), sha256(data), f"without AES: {forced}")
            for vnet in (home, office):
                vnet.wait_log(re.compile(r"ran on ChaCha20-Poly1305"), 10)
        # Neither forced, on a CPU with AES instructions: AES-256-GCM.
        with open("/proc/cpuinfo") as f:
            flags = f.read().split()
        if "aes" in flags and "pclmulqdq" in flags:
            use_port = free_port()
            home = c.start_vnet("home702", route_port, serves={"echo": {"serveid": 702, "port": echo.port}})
            office = c.start_vnet("office702", route_port, uses={"echo": {"serveid": 702, "port": use_port}})
            self.wait_echo(use_port, timeout=15)
            for vnet in (home, office):
                vnet.wait_log(re.compile(r"ran on AES-256-GCM"), 10)


class GroupKeyTest(BlackBoxCase):
    def test_without_the_key_a_vnet_neither_sees_nor_reaches_nor_squats_the_group(self):
        c = self.c
        route, route_port = c.start_route()
        key = "k3y-" + os.urandom(16).hex()
        echo = c.service(EchoService())
        impostor_echo = c.service(EchoService())
        home = c.start_vnet("home", route_port, group="team", vnet_keys={"group_key": key},
                            serves={"secret-svc": {"serveid": 700, "port": echo.port}})
        home.wait_log(re.compile(r"serve secret-svc registered as serveid 700"), 15)
        # The route sees an opaque group id, never the name.
        route.wait_log(re.compile(r"vnet \d+ \(home\) connected from .*, group 'k-[0-9a-f]{32}'"), 10)

        # Same name, no key: its static 700 is its own group's, not refused.
        nokey = c.start_vnet("nokey", route_port, group="team",
                             serves={"impostor": {"serveid": 700, "port": impostor_echo.port}})
        nokey.wait_log(re.compile(r"serve impostor registered as serveid 700"), 15)
        # Another key: its use of 700 never listens.
        other_port = free_port()
        other = c.start_vnet("other", route_port, group="team",
                             vnet_keys={"group_key": "0ther-" + os.urandom(16).hex()},
                             uses={"svc": {"serveid": 700, "port": other_port}})
        other.wait_log(re.compile(r"use svc: serveid 700 is not offered in group 'team'"), 15)
        self.assertTrue(port_refuses(other_port))
        # The right key: its use reaches home's service, not the impostor's.
        good_port = free_port()
        c.start_vnet("office", route_port, group="team", vnet_keys={"group_key": key},
                     uses={"svc": {"serveid": 700, "port": good_port}})
        self.wait_echo(good_port, timeout=15)
        self.assertGreater(echo.accepted, 0)
        self.assertEqual(impostor_echo.accepted, 0)

        # A hand-made session in group "team" (what a vnet without the key
        # sends) lists only the impostor's serve.
        conn, _ = wire.hello(route_port, name="prober", group="team")
        with conn:
            conn.send("serve_query", request_id=5)
            q = conn.recv_until("serve_query_result", 10)
            self.assertIsNotNone(q)
            names = [e["serve"]["name"] for e in q["serves"]]
            self.assertEqual(names, ["impostor"])


if __name__ == "__main__":
    unittest.main()
