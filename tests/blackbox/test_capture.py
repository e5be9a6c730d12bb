"""What an observer on the path sees: a recording relay sits between the vnets
and the route and keeps every byte of every connection (control sessions and
links, both directions). A known payload crosses the tunnel; the capture must
hold none of the payload, the group name, the serve names, the token or the
group key (issue 9: TLS on control sessions, links encrypted end to end).
An interactive exchange shows the observer only bucketed record sizes
(issue 20, protocol 7's padding)."""

import os
import re
import socket
import unittest

import harness
import wire
from path_relay import LinkRelay, echo_through_relay
from harness import LOOPBACK, BlackBoxCase, EchoService, UdpEchoService, free_port, recv_exact, sha256

def record_size(n):
    """What the record of an n-byte write weighs on the wire: its 4-byte
    length word and what the word counts."""
    return 4 + wire.record_length(n)


class CaptureTest(BlackBoxCase):
    def run_capture(self, token=None, group_key=None, udp=False):
        c = self.c
        group = "capture-group-" + os.urandom(6).hex()
        serve_name = "capture-serve-" + os.urandom(6).hex()
        route_keys = {"token": token} if token else {}
        _, route_port = c.start_route(**route_keys)
        relay = LinkRelay(route_port, record_control=True)
        self.addCleanup(relay.close)
        echo = c.service(UdpEchoService(tag=b"") if udp else EchoService())
        use_port = free_port()
        vnet_keys = {"group_key": group_key} if group_key else {}

        def write(name, serves=None, uses=None):
            text = harness.vnet_config_text(name, relay.port, group, serves, uses, vnet_keys,
                                            terminal=False)
            if token:
                text = text.replace("[route]\n", f"[route]\ntoken={token}\n", 1)
            return c.start("vnet", c.write(f"{name}.ini", text), name)

        write("home", serves={serve_name: {"serveid": 700, "port": echo.port, "type": "udp" if udp else "tcp",
                                           "info": "capture-info-" + group}})
        office = write("office", uses={"echo": {"serveid": 700, "port": use_port}})

        marker = b"KNOWN-PAYLOAD-" + os.urandom(8).hex().encode()
        payload = (marker + os.urandom(4096)) * 64
        if udp:
            # The same bytes as 64 datagrams of one flow, each answered.
            office.wait_log(re.compile(r"use echo listening on UDP"), timeout=20)
            got = b""
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(10)
                piece = len(payload) // 64
                for i in range(64):
                    s.sendto(payload[i * piece:(i + 1) * piece], (LOOPBACK, use_port))
                    got += s.recvfrom(1 << 16)[0]
        else:
            self.wait_echo(use_port, timeout=20)
            got = harness.exchange(use_port, payload)
        self.assertEqual(sha256(got), sha256(payload))

        cap = relay.capture()
        # The relay carried the sessions and the link: a capture to look at.
        self.assertGreater(relay.connections, 2)
        self.assertGreater(len(cap), len(payload))
        secrets = {"payload marker": marker, "group name": group.encode(),
                   "serve name": serve_name.encode(), "serve info": b"capture-info-"}
        if token:
            secrets["token"] = token.encode()
        if group_key:
            secrets["group key"] = group_key.encode()
        for what, needle in secrets.items():
            # assertFalse, not assertNotIn: the capture is too big to print.
            self.assertFalse(needle in cap, f"the {what} crossed the wire in clear")
        # No 32-byte run of the payload's random part either.
        for i in range(0, len(payload) - 32, 4096 * 7 + 13):
            chunk = payload[i:i + 32]
            if marker not in chunk:
                self.assertFalse(chunk in cap, f"payload bytes at offset {i} crossed in clear")

    def test_private_route_with_group_key_leaks_nothing(self):
        self.run_capture(token="t0ken-" + os.urandom(12).hex(),
                         group_key="gr0upkey-" + os.urandom(12).hex())

    def test_udp_flows_leak_nothing(self):
        self.run_capture(token="t0ken-" + os.urandom(12).hex(),
                         group_key="gr0upkey-" + os.urandom(12).hex(), udp=True)

    def test_udp_flows_on_an_open_route_leak_nothing_to_the_path(self):
        self.run_capture(udp=True)

    def test_open_route_without_key_leaks_nothing_to_the_path(self):
        # The manual's setup (no token, no key): an observer on the path still
        # reads nothing; only the route itself could (docs/security.md).
        self.run_capture()

    def test_interactive_writes_show_only_bucketed_record_sizes(self):
        relay, _, use_port = echo_through_relay(self, group="pad-" + os.urandom(6).hex())
        self.wait_echo(use_port, timeout=20)

        # Keystrokes and short lines, one write at a time, each echoed before
        # the next: one record per write on the link, each way.
        writes = [1, 2, 30, 64, 1, 100, 3, 1000]
        with socket.create_connection((harness.LOOPBACK, use_port), timeout=10) as s:
            s.sendall(b"warm")  # the link's opening and its early record
            self.assertEqual(recv_exact(s, 4), b"warm")
            for i, n in enumerate(writes):
                data = os.urandom(n)
                s.sendall(data)
                self.assertEqual(recv_exact(s, n), data, f"write {i}")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(s.recv(1), b"")  # the service's end came back: both FINALs passed
        with relay.lock:
            links = [dict(up=list(k["up"]), down=list(k["down"])) for k in relay.use_chunks]
        used = max(links, key=lambda k: len(k["up"]))
        # The writes, then the FINAL record (empty) in each direction.
        expected = [record_size(n) for n in writes] + [record_size(0)]
        self.assertEqual(used["up"][-len(expected):], expected)
        self.assertEqual(used["down"][-len(expected):], expected)
        # One size for every write of 64 bytes or less: 87 bytes on the wire.
        self.assertEqual({record_size(n) for n in (0, 1, 2, 3, 30, 64)}, {87})


if __name__ == "__main__":
    unittest.main()
