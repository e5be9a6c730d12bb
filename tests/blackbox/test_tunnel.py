"""Traffic through the real daemons: route + vnet "home" serving services +
vnet "office" using them. Every stream is checked by sha256 at both ends."""

import os
import socket
import threading
import unittest

import harness
from harness import (LOOPBACK, BannerService, BlackBoxCase, DigestService, EchoService,
                     free_port, port_accepts, port_refuses, recv_all, recv_exact, sha256)


class TunnelTest(BlackBoxCase):
    # test_windows.py runs these tests with vnet.exe as "home", and again as
    # "office", under Wine.
    def start_home(self, route_port, serves):
        return self.c.start_vnet("home", route_port, serves=serves)

    def start_office(self, route_port, uses):
        return self.c.start_vnet("office", route_port, uses=uses)

    def setUp(self):
        super().setUp()
        c = self.c
        self.route, route_port = c.start_route()
        self.echo = c.service(EchoService())
        self.banner_data = b"SSH-2.0-vnet_blackbox\r\n" + os.urandom(192 * 1024)
        self.banner = c.service(BannerService(self.banner_data))
        self.tail = os.urandom(256 * 1024)
        self.digest = c.service(DigestService(self.tail))
        dead_port = free_port()  # nothing listens there: the service refuses
        self.use = {name: free_port() for name in ("echo", "banner", "digest", "dead")}
        self.home = self.start_home(route_port, {
            "echo": {"serveid": 700, "port": self.echo.port, "info": "echo"},
            "banner": {"serveid": 701, "port": self.banner.port},
            "digest": {"serveid": 702, "port": self.digest.port},
            "dead": {"serveid": 703, "port": dead_port},
        })
        self.office = self.start_office(route_port, {
            "echo": {"serveid": 700, "port": self.use["echo"]},
            "banner": {"serveid": 701, "port": self.use["banner"]},
            "digest": {"serveid": 702, "port": self.use["digest"]},
            "dead": {"serveid": 703, "port": self.use["dead"]},
        })
        self.wait_echo(self.use["echo"], timeout=15)

    def wait_listening(self, name):
        port = self.use[name]
        self.wait_until(lambda: port_accepts(port), 10, f"use {name} listening on {port}")
        return port

    def test_1mb_each_way_byte_exact(self):
        data = os.urandom(1 << 20)
        got = harness.exchange(self.use["echo"], data)
        # service end: it received exactly what we sent
        self.echo.wait_record(lambda r: r == (len(data), sha256(data)), 10,
                              what="the echo service to receive the 1 MB intact")
        # client end: it got back exactly the same bytes
        self.assertEqual(len(got), len(data))
        self.assertEqual(sha256(got), sha256(data))

    def test_concurrent_connections_do_not_mix(self):
        payloads = [os.urandom(256 * 1024 + i) for i in range(8)]
        results = harness.in_parallel(lambda i: harness.exchange(self.use["echo"], payloads[i]),
                                      len(payloads), 60)
        for i, (sent, got) in enumerate(zip(payloads, results)):
            self.assertIsInstance(got, bytes, f"connection {i}: {got!r}")
            self.assertEqual(sha256(got), sha256(sent), f"connection {i} corrupted")
        for sent in payloads:
            self.echo.wait_record(lambda r, s=sent: r == (len(s), sha256(s)), 10,
                                  what="every payload intact at the service")

    def test_banner_first_service_arrives_intact(self):
        port = self.wait_listening("banner")
        with socket.create_connection((LOOPBACK, port), timeout=10) as s:
            # The client says nothing: the service speaks first.
            got = recv_exact(s, len(self.banner_data))
        self.assertEqual(sha256(got), sha256(self.banner_data))

    def test_half_close_from_service(self):
        # The service sends its banner then FIN; the client sees EOF but can
        # still send, and the service receives those bytes.
        port = self.wait_listening("banner")
        data = os.urandom(300 * 1024)
        with socket.create_connection((LOOPBACK, port), timeout=10) as s:
            got = recv_all(s)
            self.assertEqual(sha256(got), sha256(self.banner_data))
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(recv_all(s), b"")
        self.banner.wait_record(lambda r: r == (len(data), sha256(data)), 10,
                                what="the service to receive the client's bytes after its FIN")

    def test_half_close_from_client(self):
        # The client sends, then FIN; the service reads to EOF and only then
        # replies: the reply must come back over the half-closed connection.
        port = self.wait_listening("digest")
        data = os.urandom(1 << 20)
        with socket.create_connection((LOOPBACK, port), timeout=10) as s:
            sender = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
            sender.start()
            reply = recv_all(s)
            sender.join(10)
        header, _, tail = reply.partition(b"\n")
        self.assertEqual(header.decode(), f"{len(data)} {sha256(data)}",
                         "the service did not receive the client's bytes intact")
        self.assertEqual(len(tail), len(self.tail))
        self.assertEqual(sha256(tail), sha256(self.tail))
        self.digest.wait_record(lambda r: r == (len(data), sha256(data)), 5)

    def test_refused_service_closes_client_promptly(self):
        port = self.wait_listening("dead")
        try:
            data, elapsed = harness.connect_until_closed(port, 5)
        except socket.timeout:
            self.fail("connection to a refused service still open after 5 s")
        self.assertEqual(data, b"", "got bytes from a service that refused the connection")
        self.assertLess(elapsed, 1.0, f"closed only after {elapsed:.2f} s")
        # Nothing else was disturbed.
        self.wait_echo(self.use["echo"], timeout=5)


class GroupTest(BlackBoxCase):
    def test_other_group_gets_no_listener(self):
        c = self.c
        route, route_port = c.start_route()
        echo = c.service(EchoService())
        same_port, other_port = free_port(), free_port()
        c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": same_port}})
        stranger = c.start_vnet("stranger", route_port, group="other",
                                uses={"echo": {"serveid": 700, "port": other_port}})
        self.wait_echo(same_port, timeout=15)
        # The stranger says why its use stands by once it has its group's
        # serve list: from then on it has decided, nothing to wait for.
        stranger.wait_log("use echo: serveid 700 is not offered in group 'other' "
                          "(no serves on offer from other vnets: is the serving vnet connected, with the "
                          "same group and group_key?)", timeout=10)
        self.assertTrue(port_refuses(other_port),
                        "a vnet of group 'other' opened a use for a serve of group 'default'")
        self.assertNotIn("use echo listening", stranger.log())
        self.wait_echo(same_port, timeout=5)

    def test_same_serveid_in_two_groups(self):
        c = self.c
        route, route_port = c.start_route()
        echo = c.service(EchoService())
        banner_data = b"220 other group's service\r\n" + os.urandom(4096)
        banner = c.service(BannerService(banner_data))
        default_use, other_use = free_port(), free_port()
        c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        c.start_vnet("home2", route_port, group="other",
                     serves={"banner": {"serveid": 700, "port": banner.port}})
        c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": default_use}})
        c.start_vnet("office2", route_port, group="other",
                     uses={"banner": {"serveid": 700, "port": other_use}})
        self.wait_echo(default_use, timeout=15)
        self.wait_until(lambda: port_accepts(other_use), 10, "the use of group 'other'")
        with socket.create_connection((LOOPBACK, other_use), timeout=10) as s:
            got = recv_all(s)
        self.assertEqual(sha256(got), sha256(banner_data),
                         "serveid 700 of group 'other' did not reach that group's service")


if __name__ == "__main__":
    unittest.main()
