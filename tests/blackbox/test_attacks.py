"""Issue 8: one hostile client cannot hurt the route or anyone else.

Each test runs one attack of the issue (tests/blackbox/attacks.py, in a
process of its own) against a real route, while a legitimate tunnel between
two real vnets (office uses serveid 700 that home serves) carries transfers
checked by sha256 at both ends. Each asserts:
  - the bound: the route's peak RSS over its baseline (VmHWM after resetting
    it, from /proc), its fd count, or the quota the attack runs into;
  - that the tunnel carried bytes intact during the attack;
  - that the route recovers after it: a new tunnel works and RSS comes back.
Limits that make a test faster are set small with the [route]/[vnet] keys.
"""

import os
import sys

import harness
from attack_case import AttackCase, LegitTraffic, closed_port_range, cpu_seconds, fd_count
from harness import sha256

class MemoryAttackTest(AttackCase):
    def test_oversized_info_cannot_cut_off_the_group(self):
        """17 serves with 64 KiB of info once made the list 1.1 MB and dropped
        the group; the attacker then took serveid 700."""
        self.start_stack()
        a = self.attack("list_overflow", 4, "--serveid", 700)
        _, r = self.during(a)
        self.assertEqual(r["info_accepted"], 0, r)
        self.assertFalse(r["squat"]["ok"], f"the attacker took serveid 700: {r}")
        self.assert_no_disconnect("home", "office")
        self.assert_peak(16, "oversized info")
        self.assert_recovers()

    def test_serve_query_flood_without_reading(self):
        """100 serve_query unread grew the route 5.5 -> 406 MB."""
        self.start_stack()
        a = self.attack("query_flood", 5, "--count", 3000, "--pad", 50)
        _, r = self.during(a)
        self.assertEqual(r.get("padded"), 50, r)
        self.assert_peak(24, f"serve_query flood ({r})")
        self.assert_no_disconnect("home", "office")
        self.assert_recovers()

    def test_frame_headers_announcing_1mib(self):
        """300 sessions announcing a 1 MiB frame and stalling: +312 MB."""
        self.start_stack({"max_sessions_per_address": 1000, "max_sessions_per_network": 1000})
        a = self.attack("huge_headers", 4, "--count", 300, "--group", "evil", "--sources", 10)
        _, r = self.during(a)
        self.assertGreaterEqual(r["sessions"], 250, r)
        self.assert_peak(32, f"300 announced 1 MiB frames ({r})")
        self.assert_recovers()

    def test_ping_flood_without_reading(self):
        """3 M pings, pongs unread: +154 MB, still 158 MB after they left."""
        self.start_stack()
        a = self.attack("ping_flood", 6, "--count", 3_000_000, "--group", "evil")
        _, r = self.during(a)
        self.assert_peak(16, f"ping flood ({r})")
        self.assert_recovers()

    def test_unserve_flood_to_a_deaf_vnet(self):
        """500 k unserve_request to a vnet that does not read: +56 MB."""
        self.start_stack()
        a = self.attack("unserve_flood", 5, "--count", 500_000, "--group", "evil")
        _, r = self.during(a)
        self.assert_peak(16, f"unserve flood ({r})")
        self.assert_recovers()


class QuotaAttackTest(AttackCase):
    def test_serveid_squatting(self):
        """One session took all 999 serveids in 2 s."""
        self.start_stack({"max_serves_per_vnet": 20})
        a = self.attack("squat", 10, "--count", 200)
        _, r = self.during(a, min_ok=1)
        self.assertLessEqual(r["registered"], 20, r)
        self.assertTrue(any("max_serves_per_vnet" in why for why in r["reasons"]),
                        f"refusals must name the limit: {r}")
        self.assertIn("max_serves_per_vnet", self.route.log())
        self.assert_recovers()

    def test_link_open_flood_on_one_serve(self):
        """500 link_open to one serve all paired: the serving vnet held 1009
        fds and its service 504 connections. Since protocol 5 the serving
        vnet dials its service only after a use hello, which this flood
        never sends."""
        self.start_stack({"max_live_links_per_vnet": 40, "max_pending_links_per_vnet": 20},
                         home_keys={"max_links_per_serve": 100})
        home_fds = fd_count(self.home.pid)
        accepted = self.echo.accepted
        a = self.attack("open_flood", 6, "--count", 200, "--serveid", 700)
        peak = {"home_fds": 0}

        def sample():
            peak["home_fds"] = max(peak["home_fds"], fd_count(self.home.pid))
            return not a.running()

        traffic = None
        a.wait_attacking()
        traffic = LegitTraffic(self.use_port)
        try:
            self.wait_until(lambda: sample() and len(traffic.ok) >= 2, 60,
                            what="the link_open flood to end")
        finally:
            traffic.stop()
        r = a.finish()
        self.check_traffic(traffic, 2)
        # Paired, or held by the serving vnet waiting for a use hello that
        # never comes: within the live quota either way.
        self.assertLessEqual(r["paired"] + r["held"], 40, r)
        for why in r["reasons"]:
            self.assertIn("max_", why, f"a refusal must name its limit: {r}")
        # Each paired link costs home two fds (service + route); legit ones a few.
        self.assertLessEqual(peak["home_fds"] - home_fds, 2 * 40 + 20,
                             f"home's fds: {home_fds} before, peak {peak['home_fds']}; {r}")
        self.assertLessEqual(self.echo.accepted - accepted - len(traffic.ok), 40 + 5, r)
        self.assert_recovers()

    def test_unserve_port_scan_is_rate_limited(self):
        """Unserve probes answered 'connection refused' for 1019 ports in
        0.43 s; failed probes cost nothing."""
        self.start_stack({"max_unserves_per_minute": 10},
                         home_keys={"allow_unserve": True, "unserve_num": 5})
        first = closed_port_range(200)
        a = self.attack("portscan", 8, "--count", 200, "--victim", "home", "--first-port", first)
        _, r = self.during(a, min_ok=1)
        self.assertEqual(r["answers"], 200, f"every probe gets an answer: {r}")
        self.assertLessEqual(r["reached_vnet"], 10, f"probes beyond the quota reached home: {r}")
        self.assertGreaterEqual(r["refused_by_limit"], 190, r)
        self.assertLessEqual(self.home.log().count("unserve request from vnet"), 10)
        self.assert_recovers()

    def test_forged_newline_and_escape_in_names(self):
        """A newline in a name forged log lines; raw ESC bytes reached logs."""
        self.start_stack()
        a = self.attack("forged_names", 3)
        _, r = self.during(a, min_ok=1)
        for key in ("hello_name", "hello_group", "serve_name", "serve_info", "rename"):
            self.assertTrue(str(r.get(key, "")).startswith("refused"), f"{key}: {r}")
        for d in (self.route, self.home, self.office):
            log = d.log()
            self.assertNotIn("\x1b", log, f"raw ESC in the log of {d.name}")
            self.assertFalse([l for l in log.splitlines() if l.startswith("FORGED")],
                             f"forged line in the log of {d.name}")
        self.assert_no_disconnect("home", "office")
        self.assert_recovers()


class ScaleAttackTest(AttackCase):
    # 2000 sessions as in the issue; fewer only if a slow machine needs it.
    STORM = int(os.environ.get("VNET_STORM_SESSIONS", "2000"))

    def test_join_storm_of_2000_sessions(self):
        """2000 sessions in one group: every join pushed the whole list to
        every member, 16.8 s of route CPU; legit setups failed meanwhile."""
        # What is measured is the cost of each join to the group, so the
        # bounds on joins themselves (sessions per network, handshakes per
        # second: test_front_door.py) are raised out of the way.
        self.start_stack({"max_sessions_per_address": 100, "max_sessions_per_network": 5000,
                          "max_handshakes_per_second": 100000})
        cpu0 = cpu_seconds(self.route.pid)
        # The group's list holds 20 serves of 512-byte info (12 KB): a whole
        # list per join and member would be 2000 * 2000 / 2 * 12 KB. Joins
        # for at most 60 s (the Python client's handshakes are the slow part:
        # about 10 s on a quiet machine, several times that while the rest
        # of the suite runs beside it), then holds the sessions 1 s and leaves.
        a = self.attack("join_storm", 60, "--count", self.STORM, "--sources", 40, "--hold", 1,
                        "--pad", 20)
        a.wait_attacking()
        traffic = LegitTraffic(self.use_port, size=4096)
        try:
            self.wait_until(lambda: not a.running(), 90, what="the storm to end")
        finally:
            traffic.stop()
        r = a.finish()
        cpu = cpu_seconds(self.route.pid) - cpu0
        p99 = traffic.percentile(99)
        print(f"\njoin storm: {r}; route CPU {cpu:.2f} s; legit setups {len(traffic.setups)}, "
              f"p50 {traffic.percentile(50) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms",
              file=sys.stderr)
        self.check_traffic(traffic, 2)
        self.assertEqual(r["padded"], 20, r)
        self.assertEqual(r["sessions"], self.STORM, r)
        # The issue asks for 100 ms: the median must hold it; the p99 gets 5x
        # that on a shared 2-CPU test machine.
        self.assertLess(traffic.percentile(50), 0.1, "legit setup p50 during the storm")
        self.assertLess(p99, 0.5, "legit setup p99 during the storm")
        # O(members) bytes per join: each member receives O(N) in total.
        self.assertLess(r["bytes_per_session"], 64 * self.STORM, r)
        # Each session is TLS (protocol 4): Asio's ssl::stream holds four
        # 17 KiB record buffers (its own two and its BIO pair's) plus
        # OpenSSL's state, about 100 KiB a session (215 MiB measured for
        # 2000); in plaintext the bound was 96 MiB.
        self.assert_peak(256, f"{self.STORM} sessions")
        self.assert_recovers()

    def test_fd_exhaustion(self):
        """Under a 1024-fd limit, 1100 pinging sessions blocked every
        legitimate link for 15 s. Here: 256 fds, 400 connections that never
        identify, and pinging sessions beyond the per-address cap."""
        self.start_stack({"handshake_timeout": 30, "max_unidentified": 100,
                          "max_sessions_per_address": 30},
                         route_argv_prefix=["prlimit", "--nofile=256"])
        # A live link opened before the attack must keep flowing through it.
        live = harness.socket.create_connection((harness.LOOPBACK, self.use_port), timeout=10)
        self.addCleanup(live.close)
        live.settimeout(10)
        live.sendall(b"x")
        self.assertEqual(harness.recv_exact(live, 1), b"x")

        a = self.attack("idle_connections", 8, "--count", 400, "--sessions", 100)
        a.wait_attacking()
        traffic = LegitTraffic(self.use_port, size=16 * 1024)
        try:
            chunk = os.urandom(32 * 1024)
            live.sendall(chunk)
            self.assertEqual(sha256(harness.recv_exact(live, len(chunk))), sha256(chunk),
                             "the live link during fd exhaustion")
            self.assertLessEqual(fd_count(self.route.pid), 256)
            self.wait_until(lambda: not a.running() and len(traffic.ok) >= 2
                            or len(traffic.failures) > 3, 60,
                            what="fd exhaustion to end with 2 legit transfers")
        finally:
            traffic.stop()
        r = a.finish()
        print(f"\nfd exhaustion: {r}; legit setups {len(traffic.setups)}, "
              f"p99 {traffic.percentile(99) * 1000:.1f} ms", file=sys.stderr)
        self.check_traffic(traffic, 2)
        self.assertLessEqual(r["sessions"], 30, r)
        # Those that never identify themselves are shed first (max_unidentified).
        self.assertLessEqual(r["idle_still_open"], 100, r)
        # Setups stall only while the accept loop backs off (the issue: 15 s).
        self.assertLess(traffic.percentile(99), 1.0, "legit setup p99 while fds run out")
        self.assert_recovers()
