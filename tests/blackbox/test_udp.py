"""UDP services end to end: route + vnet "home" serving UDP (and TCP)
services + vnet "office" using them. Each client address gets a flow (a link)
of its own; datagrams keep their boundaries; bytes are checked at both ends
(docs/configuration.md, UDP services)."""

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import attack_case
import harness
import test_metrics
import test_reload
from test_ctl import ctl
from harness import LOOPBACK, BlackBoxCase, EchoService, UdpEchoService, free_port, wait_for


def udp_client(timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((LOOPBACK, 0))
    s.settimeout(timeout)
    return s


def free_udp_port():
    return free_port(socket.SOCK_DGRAM)


def ask(sock, port, data, timeout=10.0):
    """Sends `data` to the use and returns the answer (a datagram)."""
    sock.settimeout(timeout)
    sock.sendto(data, (LOOPBACK, port))
    got, _ = sock.recvfrom(1 << 16)
    return got


class UdpCase(BlackBoxCase):
    vnet_keys = None  # more [vnet] keys of both vnets
    office_keys = {}  # and of the office's only

    def setUp(self):
        super().setUp()
        c = self.c
        self.route, route_port, self.route_metrics = c.start_route_with_metrics()
        self.echo = c.service(UdpEchoService(tag=b"E"))
        self.tcp_echo = c.service(EchoService())
        self.dead_port = free_udp_port()  # nothing listens there
        self.use = {"dns": free_udp_port(), "dead": free_udp_port(), "tcp": free_port(),
                    "wrong": free_port()}
        keys = self.vnet_keys
        self.metrics_port = free_port()
        office_keys = dict(keys or {}, metrics=f"{LOOPBACK}:{self.metrics_port}", **self.office_keys)
        self.home = c.start_vnet("home", route_port, vnet_keys=keys, serves={
            "dns": {"serveid": 700, "type": "udp", "port": self.echo.port},
            "dead": {"serveid": 701, "type": "udp", "port": self.dead_port},
            "tcp": {"serveid": 702, "port": self.tcp_echo.port},
        })
        self.office = c.start_vnet("office", route_port, vnet_keys=office_keys, uses={
            "dns": {"serveid": 700, "port": self.use["dns"]},
            "dead": {"serveid": 701, "port": self.use["dead"], "type": "udp"},
            "tcp": {"serveid": 702, "port": self.use["tcp"]},
            "wrong": {"serveid": 700, "port": self.use["wrong"], "type": "tcp"},
        })
        self.office.wait_log(re.compile(r"use dns listening on UDP"), timeout=15)
        self.office.wait_log(re.compile(r"use dead listening on UDP"), timeout=15)
        self.wait_echo(self.use["tcp"], timeout=15)

    def assert_the_route_shows_each_type(self, sealed):
        """The route's status.json and `vnet-route ctl show serves` give each
        serve's type: udp for 700 and 701, tcp for 702, sealed or not."""
        status = json.loads(test_metrics.get(self.route_metrics, "/status.json")[2])
        shown = {s["serveid"]: (s["type"], s["sealed"]) for s in status["serves"]}
        self.assertEqual(shown, {700: ("udp", sealed), 701: ("udp", sealed), 702: ("tcp", sealed)})
        rc, out, err = ctl("show serves", config=os.path.join(self.c.dir, "route.ini"), program="route")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"(?m)^group +serveid +name +type +vnet +address +relayed$")
        for serveid, type_ in ((700, "udp"), (701, "udp"), (702, "tcp")):
            self.assertRegex(out, rf"(?m)^\S+ +{serveid} +\S+ +{type_} +\d\d home ")


class UdpTest(UdpCase):
    def test_200_clients_each_get_exactly_their_own_answers(self):
        clients = [udp_client(timeout=30) for _ in range(200)]
        try:
            def run(i):
                s = clients[i]
                got = []
                for j in range(3):
                    req = f"client {i:03} request {j} ".encode().ljust(64, b".")
                    got.append(ask(s, self.use["dns"], req, timeout=30))
                return got
            results = harness.in_parallel(run, len(clients), 120)
            for i, got in enumerate(results):
                self.assertIsInstance(got, list, f"client {i}: {got!r}")
                want = [b"E" + f"client {i:03} request {j} ".encode().ljust(64, b".") for j in range(3)]
                self.assertEqual(got, want, f"client {i} got another's answers")
            # Nothing more is on its way to anyone: no answer crossed over.
            for i, s in enumerate(clients):
                s.setblocking(False)
                with self.assertRaises(BlockingIOError, msg=f"client {i} got an extra datagram"):
                    s.recvfrom(1 << 16)
            # The service saw 200 flows, each from a port of its own, 3 requests each.
            seen = self.echo.seen()
            self.assertEqual(len(seen), 200)
            self.assertEqual(sorted(n for n, _ in seen.values()), [3] * 200)
            # 200 live flows hold up no shutdown (their timers are cancelled).
            for d in (self.office, self.home):
                started = time.monotonic()
                self.assertEqual(d.stop(timeout=10), 0)
                self.assertLess(time.monotonic() - started, 2.5, f"{d.name} took long to stop")
                self.assertNotIn("shutdown took longer", d.log())
        finally:
            for s in clients:
                s.close()

    def test_largest_and_smallest_datagrams_arrive_whole(self):
        with udp_client() as s:
            for size in (60000, 1, 65507 - 1):
                data = os.urandom(size)
                got = ask(s, self.use["dns"], data)
                self.assertEqual(len(got), size + 1, f"{size} bytes")
                self.assertEqual(got, b"E" + data, f"{size} bytes")
            source = s.getsockname()
        seen = self.echo.seen()
        self.assertEqual(len(seen), 1, "one client, one flow")
        (count, _), = seen.values()
        self.assertEqual(count, 3)

    def test_a_steady_stream_arrives_in_order_with_none_lost(self):
        # 100 000 x 1200 bytes, the figure: 15 s on an idle 2-core VM.
        total, size, window = 100000, 1200, 64
        sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
        with udp_client(timeout=15) as s:
            sent = received = 0
            while received < total:
                # Paced by a window of answers outstanding: what is lost is
                # lost in the tunnel, not in the client's own buffer.
                while sent < total and sent - received < window:
                    d = sent.to_bytes(4, "big") + os.urandom(size - 4)
                    sent_hash.update(d)
                    s.sendto(d, (LOOPBACK, self.use["dns"]))
                    sent += 1
                got, _ = s.recvfrom(1 << 16)
                self.assertEqual(len(got), size + 1)
                self.assertEqual(int.from_bytes(got[1:5], "big"), received, "out of order or lost")
                got_hash.update(got[1:])
                received += 1
        self.assertEqual(got_hash.hexdigest(), sent_hash.hexdigest())
        seen = self.echo.seen()
        self.assertEqual(list(seen.values()), [(total, sent_hash.hexdigest())])

    def test_a_service_that_is_down_disturbs_nothing_else(self):
        with udp_client(timeout=1) as s:
            for i in range(20):
                s.sendto(b"into the void %d" % i, (LOOPBACK, self.use["dead"]))
            with self.assertRaises(socket.timeout):
                s.recvfrom(1 << 16)
        self.home.wait_log(re.compile(r"serve dead: link \d+: the service at .* refused a datagram"), timeout=10)
        refused = re.findall(r"refused a datagram", self.home.log())
        self.assertEqual(len(refused), 1, "one line for the flow, not one per datagram")
        # The TCP tunnel and the other UDP serve beside it still work.
        self.wait_echo(self.use["tcp"], timeout=5)
        with udp_client() as s:
            self.assertEqual(ask(s, self.use["dns"], b"still here"), b"Estill here")

    def test_a_use_whose_type_contradicts_the_serve_stands_by_saying_why(self):
        self.office.wait_log(re.compile(r"use wrong: serveid 700 is a udp serve, and this use says type=tcp"),
                             timeout=10)
        self.assertFalse(harness.port_accepts(self.use["wrong"]))

    def test_show_says_udp(self):
        def ctl(line, name):
            p = subprocess.run([harness.binary("vnet"), "ctl", "--config", os.path.join(self.c.dir, name + ".ini"),
                                *line.split()], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            return p.stdout
        self.assertIn(f"127.0.0.1:{self.use['dns']}/udp", ctl("show use", "office"))
        self.assertIn(f"127.0.0.1:{self.echo.port}/udp", ctl("show serve", "home"))
        self.assertRegex(ctl("show serves", "office"), r"(?m)^\s*700 .* udp ")
        # A flow is a link: it counts as one while it lives, and its datagrams are counted.
        with udp_client() as s:
            for i in range(3):
                self.assertEqual(ask(s, self.use["dns"], b"count me"), b"Ecount me")
            shown = ctl("show use dns", "office")
            self.assertRegex(shown, r"links\s+1 now")
            self.assertRegex(shown, r"datagrams\s+3 in, 3 out")
        samples = test_metrics.scrape(self.metrics_port)
        for direction in ("in", "out"):
            self.assertEqual(test_metrics.value(samples, "vnet_use_datagrams_total", key="dns", direction=direction), 3)
            self.assertEqual(test_metrics.value(samples, "vnet_use_datagrams_total", key="tcp", direction=direction), 0)
        self.assertEqual(test_metrics.value(samples, "vnet_use_links_total", key="dns"), 1)

    def test_the_route_shows_the_type(self):
        self.assert_the_route_shows_each_type(sealed=False)


class UdpBoundTest(UdpCase):
    vnet_keys = {"max_udp_flows": 3}

    def test_flows_are_bounded_by_max_udp_flows(self):
        clients = [udp_client(timeout=10) for _ in range(3)]
        late = [udp_client(timeout=1) for _ in range(2)]
        try:
            for i, s in enumerate(clients):
                self.assertEqual(ask(s, self.use["dns"], b"first %d" % i), b"Efirst %d" % i)
            for s in late:
                s.sendto(b"one too many", (LOOPBACK, self.use["dns"]))
                with self.assertRaises(socket.timeout):
                    s.recvfrom(1 << 16)
            self.office.wait_log("dropped: 3 UDP flows are open (raise [vnet] max_udp_flows)", timeout=10)
            # The three flows carry on.
            for i, s in enumerate(clients):
                self.assertEqual(ask(s, self.use["dns"], b"again %d" % i), b"Eagain %d" % i)
        finally:
            for s in clients + late:
                s.close()


class UdpKeyedTest(UdpCase):
    vnet_keys = {"group_key": "udp-blackbox-group-key-0123456789"}

    def test_a_keyed_group_carries_udp(self):
        # The type travels beside the sealed blob: the use knows it listens on UDP.
        with udp_client() as s:
            for size in (1, 1200, 60000):
                data = os.urandom(size)
                self.assertEqual(ask(s, self.use["dns"], data), b"E" + data)
        # The route sees the type of each sealed serve (docs/security.md).
        self.assert_the_route_shows_each_type(sealed=True)


class UdpOneLinerTest(BlackBoxCase):
    def start_flags(self, name, *flags):
        log = os.path.join(self.c.dir, f"{name}.log")
        d = harness.Daemon(name, [harness.binary("vnet"), "--log-level", "debug", *flags], log, self.c.dir)
        self.c.daemons.append(d)
        return d

    def test_serve_and_use_udp_from_the_command_line(self):
        _, port = self.c.start_route()
        echo = self.c.service(UdpEchoService(tag=b"1"))
        use_port = free_udp_port()
        route = f"{LOOPBACK}:{port}"
        self.start_flags("home", "--route", route, "--group", "g1", "--serve", f"{echo.port}:700/udp")
        office = self.start_flags("office", "--route", route, "--group", "g1", "--use", f"700:{use_port}/udp")
        office.wait_log(re.compile(r"use use700 listening on UDP"), timeout=15)
        with udp_client() as s:
            self.assertEqual(ask(s, use_port, b"dns?"), b"1dns?")


class UdpSharedPortTest(BlackBoxCase):
    def test_a_tcp_and_a_udp_use_share_one_local_port(self):
        """RDP's two transports on one local port: [use.rdp] type=tcp and
        [use.rdpudp] type=udp both listen on it and each reaches its serve."""
        _, route_port = self.c.start_route()
        udp_echo = self.c.service(UdpEchoService(tag=b"U"))
        tcp_echo = self.c.service(EchoService())
        port = free_port()  # free for TCP; checked for UDP below
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((LOOPBACK, port))
        self.c.start_vnet("home", route_port, serves={
            "rdp": {"serveid": 389, "port": tcp_echo.port},
            "rdpudp": {"serveid": 390, "type": "udp", "port": udp_echo.port}})
        office = self.c.start_vnet("office", route_port, uses={
            "rdp": {"serveid": 389, "port": port, "type": "tcp"},
            "rdpudp": {"serveid": 390, "port": port, "type": "udp"}})
        office.wait_log(re.compile(r"use rdpudp listening on UDP"), timeout=15)
        self.wait_echo(port, timeout=15)
        with udp_client() as s:
            self.assertEqual(ask(s, port, b"rdp?"), b"Urdp?")


class UdpIdleTest(UdpCase):
    # The use's flow times out first, always: the serving side's closes on
    # the use's final record, not on a timer of its own racing it.
    vnet_keys = {"udp_idle": 3}
    office_keys = {"udp_idle": 1}

    def test_an_idle_flow_closes_and_the_next_datagram_opens_a_new_one(self):
        with udp_client() as s:
            self.assertEqual(ask(s, self.use["dns"], b"one"), b"Eone")
            me = "%s:%d" % s.getsockname()
            closed = re.compile(r"use dns: flow from " + re.escape(me) + r" closed \(idle for 1 s\)")
            self.office.wait_log(closed, timeout=10)
            # The serving side closed its socket towards the service too.
            self.home.wait_log(re.compile(r"serve dns: link \d+: UDP flow closed \(closed by the link\)"), timeout=10)
            self.assertEqual(ask(s, self.use["dns"], b"two"), b"Etwo")
        opened = re.findall(r"use dns: flow from " + re.escape(me) + r" opened", self.office.log())
        self.assertEqual(len(opened), 2)
        # A new flow is a new socket towards the service: a second source port.
        seen = self.echo.seen()
        self.assertEqual(sorted(n for n, _ in seen.values()), [1, 1])


def flood(port, sources, until, addresses=10, limit=30.0):
    """Sends one datagram to 127.0.0.1:port from each of at least `sources`
    distinct source addresses (127.0.0.2.. and OS-chosen ports), as fast as
    Python opens sockets, and on until `until()` (at most `limit` seconds);
    returns (distinct sources, seconds)."""
    started = time.monotonic()
    used, batch = set(), []
    while len(used) < sources or (not until() and time.monotonic() - started < limit):
        for i in range(addresses):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((f"127.0.0.{2 + i}", 0))
            if s.getsockname() in used:  # a port freed by a closed batch came back
                s.close()
                continue
            used.add(s.getsockname())
            s.sendto(b"flood %d" % len(used), (LOOPBACK, port))
            batch.append(s)
        if len(batch) >= 1000:  # a thousand open at once: the fd limit stays far
            for b in batch:
                b.close()
            batch = []
    for b in batch:
        b.close()
    return len(used), time.monotonic() - started


class UdpFloodTest(UdpCase):
    vnet_keys = {"max_udp_flows": 100}

    def test_a_flood_from_10000_source_ports_is_bounded_and_the_tcp_tunnel_beside_it_is_unharmed(self):
        with udp_client() as first:  # a flow open before the flood
            self.assertEqual(ask(first, self.use["dns"], b"before"), b"Ebefore")
            pid = self.office.pid
            before = attack_case.rss_kb(pid)
            attack_case.reset_peak(pid)
            log_offset = len(self.office.log())
            # A hashed TCP transfer runs through the tunnel beside while the flood goes.
            data = os.urandom(32 << 20)

            done = threading.Event()

            def carry(i):
                if i == 1:
                    return flood(self.use["dns"], 10000, done.is_set)
                try:
                    return harness.exchange(self.use["tcp"], data, timeout=60)
                finally:
                    done.set()
            transfer, (sources, elapsed) = harness.in_parallel(carry, 2, 90)
            self.assertIsInstance(transfer, bytes, transfer)
            self.assertEqual(harness.sha256(transfer), harness.sha256(data), "the TCP tunnel beside the flood")
            # Flows are bounded: the service saw max_udp_flows sources, the first one's among them.
            wait_for(lambda: len(self.echo.seen()) == 100, 15, what="100 flows at the service")
            self.assertEqual(len(self.echo.seen()), 100)
            shown = subprocess.run([harness.binary("vnet"), "ctl", "--config", os.path.join(self.c.dir, "office.ini"),
                                    "show", "use", "dns"], capture_output=True, text=True, timeout=60).stdout
            self.assertRegex(shown, r"links\s+100 now")
            # The first client's flow carries on.
            self.assertEqual(ask(first, self.use["dns"], b"after"), b"Eafter")
        peak, after = attack_case.status_kb(pid, "VmHWM"), attack_case.rss_kb(pid)
        # The refusals are logged within the budget: 20 lines per 10 s.
        refused = self.office.log()[log_offset:].count("UDP flows are open (raise [vnet] max_udp_flows)")
        print(f"\nflood of {sources} source ports in {elapsed:.1f} s beside a 32 MiB TCP transfer: office RSS "
              f"{before} KiB before, peak {peak} KiB, {after} KiB after; {refused} refusal lines", file=sys.stderr)
        self.assertLess(peak - before, 32 << 10, "the flood's memory on the use's vnet (KiB)")
        self.assertGreater(refused, 0)
        self.assertLessEqual(refused, 20 * (int(elapsed // 10) + 2))


class UdpAnsweredTest(UdpCase):
    # Default udp_idle (60 s); log_links shows each flow's lines at info.
    vnet_keys = {"log_links": "true"}

    def test_a_flow_of_one_request_and_its_answer_closes_after_5_s_and_others_keep_udp_idle(self):
        with udp_client() as talk, udp_client() as query:
            for i in range(2):
                self.assertEqual(ask(talk, self.use["dns"], b"talk %d" % i), b"Etalk %d" % i)
            self.assertEqual(ask(query, self.use["dns"], b"query"), b"Equery")
            me, other = ("%s:%d" % s.getsockname() for s in (query, talk))
            closed = re.compile(r"info +use dns: flow from " + re.escape(me) +
                                r" closed \(idle for 5 s after one datagram each way\): 1 datagram from the client, "
                                r"1 to it$", re.M)
            self.office.wait_log(closed, timeout=15)
            # The flow of two requests went quiet first and still lives.
            self.assertNotIn(f"flow from {other} closed", self.office.log())
            self.home.wait_log(re.compile(r"info +serve dns: link \d+: UDP flow closed \(closed by the link\): "
                                          r"1 datagram to the service, 1 from it$", re.M), timeout=10)
            self.assertEqual(ask(query, self.use["dns"], b"again"), b"Eagain")
            self.assertEqual(len(re.findall(r"info +use dns: flow from " + re.escape(me) + r" opened",
                                            self.office.log())), 2)


class UdpReloadTest(test_reload.ReloadCase):
    """SIGHUP to the serving vnet: a tcp serve becomes udp, a udp serve goes
    and another comes; the using vnet follows each from the serve list."""

    def test_a_reload_turns_tcp_into_udp_and_adds_and_removes_udp_serves(self):
        c = self.c
        tcp_echo, udp_echo, udp_two = (c.service(EchoService()), c.service(UdpEchoService(tag=b"E")),
                                       c.service(UdpEchoService(tag=b"2")))
        pa, pb, pc = free_port(), free_udp_port(), free_udp_port()
        home = c.start_vnet("home", self.route_port, serves={
            "a": {"serveid": 700, "port": tcp_echo.port},
            "b": {"serveid": 701, "type": "udp", "port": udp_echo.port}})
        office = c.start_vnet("office", self.route_port, uses={
            "a": {"serveid": 700, "port": pa}, "b": {"serveid": 701, "port": pb},
            "c": {"serveid": 702, "port": pc}})
        self.wait_echo(pa, 15)
        office.wait_log(re.compile(r"use b listening on UDP"), timeout=15)
        with udp_client() as s:
            self.assertEqual(ask(s, pb, b"before"), b"Ebefore")

        self.rewrite(test_reload.config_path(home), "home", terminal=False, serves={
            "a": {"serveid": 700, "type": "udp", "port": udp_two.port},  # changed: tcp -> udp
            "c": {"serveid": 702, "type": "udp", "port": udp_echo.port}})  # added; b removed
        self.sighup(home, test_reload.summary(s=(1, 1, 1)))
        office.wait_log(re.compile(r"use a listening on UDP 127\.0\.0\.1:%d" % pa), timeout=15)
        office.wait_log(re.compile(r"use c listening on UDP 127\.0\.0\.1:%d" % pc), timeout=15)
        office.wait_log(re.compile(r"use b stopped listening on UDP"), timeout=15)
        self.wait_refuses(pa, "the use of 700 to stop listening on TCP")
        with udp_client() as s:
            self.assertEqual(ask(s, pa, b"now udp"), b"2now udp")
            self.assertEqual(ask(s, pc, b"added"), b"Eadded")
        # The removed serve's use no longer holds its UDP port.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as free:
            free.bind((LOOPBACK, pb))
        self.assertTrue(home.alive() and office.alive())


if __name__ == "__main__":
    import unittest
    unittest.main()
