"""scripts/bench.py keeps working in every mode (tiny sizes, bounded time),
and its WAN delay relay (tests/bench/delay_relay.cpp) delays as it says and
loses no byte. Figures are not asserted, only what physics guarantees: a
delay relay cannot deliver before its delay."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest

import harness

BENCH = os.path.join(harness.REPO, "scripts", "bench.py")
BUILD_DIR = os.environ.get("VNET_BUILD_DIR") or os.path.join(harness.BIN_DIR, "..")


def tool(name):
    path = os.path.join(BUILD_DIR, "tests", name)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is not built (cmake --build build --target {name})")
    return path


def bench(*args, timeout=240):
    harness.binary("route")
    harness.binary("vnet")
    p = subprocess.run([sys.executable, BENCH, "--bin-dir", harness.BIN_DIR,
                        "--floor-relay", tool("floor_relay"), "--delay-relay", tool("delay_relay"),
                        "--json", *args],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"bench.py {' '.join(args)} exited {p.returncode}:\n"
                             f"{p.stdout[-3000:]}\n{p.stderr[-6000:]}")
    return json.loads(p.stdout)


class DelayRelay(unittest.TestCase):
    D_MS = 30

    def setUp(self):
        self.ls = socket.socket()
        self.ls.bind((harness.LOOPBACK, 0))
        self.ls.listen(16)
        threading.Thread(target=self.echo_forever, daemon=True).start()
        self.relay = subprocess.Popen([tool("delay_relay"), str(self.D_MS),
                                       str(self.ls.getsockname()[1])], stdout=subprocess.PIPE)
        self.port = int(self.relay.stdout.readline())

    def tearDown(self):
        self.relay.kill()
        self.relay.wait()
        self.relay.stdout.close()
        self.ls.close()

    def echo_forever(self):
        def echo(c):
            with c:
                while True:
                    data = c.recv(65536)
                    if not data:
                        return  # the FIN came through: answer with ours
                    c.sendall(data)
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=echo, args=(c,), daemon=True).start()

    def test_first_echo_waits_for_the_handshake_and_both_crossings(self):
        d = self.D_MS / 1000
        t0 = time.monotonic()
        with socket.create_connection((harness.LOOPBACK, self.port), timeout=10) as s:
            s.sendall(b"x")
            self.assertEqual(s.recv(1), b"x")
            setup = time.monotonic() - t0
            # A new connection: 2*D of handshake, then D there and D back.
            self.assertGreaterEqual(setup, 4 * d * 0.99)
            t1 = time.monotonic()
            s.sendall(b"y")
            self.assertEqual(s.recv(1), b"y")
            self.assertGreaterEqual(time.monotonic() - t1, 2 * d * 0.99)

    def test_bytes_and_half_close_pass_unchanged(self):
        data = os.urandom(6 << 20)
        got = bytearray()
        eof = []
        with socket.create_connection((harness.LOOPBACK, self.port), timeout=30) as s:
            def read():
                try:
                    while True:
                        chunk = s.recv(1 << 20)
                        if not chunk:
                            eof.append(True)
                            return
                        got.extend(chunk)
                except OSError:
                    pass  # a timeout: no EOF, asserted below
            reader = threading.Thread(target=read)
            reader.start()
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)  # the echo ends only once this FIN arrives
            reader.join(60)
            self.assertEqual(eof, [True], "no EOF after the half-close")
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest())


class BenchModes(unittest.TestCase):
    def test_default_mode_with_floor_and_cpu_per_process(self):
        r = bench("--mb", "2", "--rtt", "50", "--setups", "5", "--rounds", "1", "--udp-datagrams", "300")
        self.assertGreater(r["throughput"]["tunnel_MBps"], 0)
        # The UDP rows: round trips and a stream, direct and through the tunnel.
        for mode in ("direct", "tunnel"):
            self.assertGreater(r["udp"][mode]["rtt_median_us"], 0)
            self.assertGreater(r["udp"][mode]["stream_per_s"], 0)
            self.assertLessEqual(r["udp"][mode]["stream_loss"], 1)
        self.assertIn("floor", r)
        self.assertEqual(set(r["cpu_s_per_GiB"]["tunnel"]), {"route", "use vnet", "serve vnet"})
        self.assertEqual(len(r["cpu_s_per_GiB"]["floor"]), 3)
        if "haproxy" in r:
            self.assertEqual(len(r["cpu_s_per_GiB"]["haproxy"]), 3)
        else:
            self.assertIn("haproxy_missing", r)

    def test_without_haproxy_it_says_so(self):
        r = bench("--mb", "1", "--rtt", "20", "--setups", "3", "--rounds", "1", "--haproxy", "",
                  "--udp-datagrams", "300", "--streams", "1,2")
        self.assertNotIn("haproxy", r)
        # Why the rows are missing: the option given, or haproxy absent.
        self.assertIn("left out" if shutil.which("haproxy") else "not installed", r["haproxy_missing"])
        # --streams 1,2: both counts measured in the same rounds, each with its CPU per GiB.
        by = r["throughput"]["by_streams"]
        self.assertEqual([row["streams"] for row in by], [1, 2])
        for row in by:
            self.assertGreater(row["MBps"]["tunnel"], 0)
            self.assertEqual(set(row["cpu_s_per_GiB"]["tunnel"]), {"route", "use vnet", "serve vnet"})
            for name, kernel in row["kernel_s_per_GiB"]["tunnel"].items():  # stime: a part of the total
                # Within rounding: both are sums of ticks divided by the same GiB.
                self.assertLessEqual(kernel, row["cpu_s_per_GiB"]["tunnel"][name] + 1e-9)

    def test_quiet_log_levels(self):
        """The bench once found the route's port in an info line: at warn it
        failed. Now every daemon may run as quiet as asked."""
        r = bench("--mb", "1", "--rtt", "20", "--setups", "3", "--rounds", "1", "--haproxy", "",
                  "--udp-datagrams", "300", "--log-level", "warn")
        self.assertGreater(r["throughput"]["tunnel_MBps"], 0)
        r = bench("--idle-links", "10", "--log-level", "error")
        self.assertEqual((r["scale"]["idle"]["opened"], r["scale"]["idle"]["failed"]), (10, 0))

    def test_wan_mode(self):
        d = 5
        r = bench("--wan-ms", str(d), "--wan-setups", "3")
        w = r["wan"]
        self.assertEqual(w["floor_ms"], 4 * d)
        paths = w["paths"]
        self.assertIn("tunnel", paths)
        self.assertIn("floor relays", paths)
        for name, p in paths.items():
            self.assertEqual(p["failed"], 0, name)
            # Every path crosses at least one delay relay each way on a new
            # connection (handshake included): at least 4 * D.
            self.assertGreaterEqual(p["setup_p50_ms"], 4 * d * 0.99, name)
        self.assertGreaterEqual(paths["tunnel"]["echo_p50_ms"], 4 * d * 0.99)

    def test_idle_memory_and_many_links_modes(self):
        r = bench("--idle-links", "30", "--links", "20,40", "--links-settle", "0")
        s = r["scale"]
        for name in ("route", "use vnet", "serve vnet"):
            self.assertIsNotNone(s["daemon_fd_limits"][name])
            self.assertIn(name, s["idle"]["KB_per_link"])
        self.assertEqual((s["idle"]["opened"], s["idle"]["failed"]), (30, 0))
        self.assertEqual([(x["links"], x["opened"], x["failed"]) for x in s["links"]],
                         [(20, 20, 0), (40, 40, 0)])


if __name__ == "__main__":
    unittest.main()
