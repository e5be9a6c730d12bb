"""An idle admitted control session costs the route little memory (issue
23, item 5): the control sessions' TLS stream holds no fixed buffers
(net::tls::tls_stream; Asio's ssl::stream held about 70 KiB per session,
83 KiB in all), and the session runs on completion callbacks, so an idle
one holds no coroutine frame (21 KiB per session here before, 12.4 after).
Measured by scripts/bench.py --idle-sessions: the route's RSS with 300 idle
sessions against without."""

import json
import os
import subprocess
import sys
import unittest

import harness

SCRIPT = os.path.join(harness.REPO, "scripts", "bench.py")


class IdleMemoryTest(unittest.TestCase):
    def test_an_idle_session_costs_the_route_under_16_kib(self):
        harness.binary("route")
        out = subprocess.run([sys.executable, SCRIPT, "--bin-dir", harness.BIN_DIR, "--idle-sessions", "300",
                              "--idle-settle", "0.5", "--haproxy", "", "--json"],
                             capture_output=True, text=True, timeout=240)
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        r = json.loads(out.stdout)
        self.assertEqual(r["sessions"]["n"], 300)
        self.assertLess(r["sessions"]["KiB_per_idle_session"], 16, r)


if __name__ == "__main__":
    unittest.main()
