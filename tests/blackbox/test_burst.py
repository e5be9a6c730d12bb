"""The default configuration carries a trusted user's burst (issue 23): a
thousand connections opened at once through one use, each echoing 16 KiB
of its own, all complete byte for byte, and nothing is refused. The links
beyond what may be opening at once wait for a slot instead of being
refused, the route is dialled only with a ticket in hand, and the link
quotas are sized from the descriptor limit (docs/configuration.md)."""

import os
import sys
import unittest

import harness
from harness import BlackBoxCase, EchoService

sys.path.insert(0, os.path.join(harness.REPO, "scripts"))
from benchlib.burst import echo_burst  # noqa: E402  (scripts/ is not a package path)

CONNECTIONS = 1000
SIZE = 16 * 1024


class BurstTest(BlackBoxCase):
    def burst(self, n, size):
        c = self.c
        _, route_port = c.start_route()
        echo = c.service(EchoService())
        use_port = harness.free_port()
        home = c.start_vnet("home", route_port, serves={"echo": {"serveid": 700, "port": echo.port}})
        office = c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=20)

        r = echo_burst(use_port, n, size, timeout=120)
        self.assertEqual(r["ok"], n, f"echoes not whole: {r['reasons']}")
        for d in (home, office):
            self.assertNotIn("failed", d.log(), f"{d.name} logged a failed link")
            self.assertNotIn("refused", d.log(), f"{d.name} logged a refusal")

    def test_a_thousand_concurrent_16k_echoes_with_the_defaults(self):
        self.burst(CONNECTIONS, SIZE)

    def test_three_thousand_at_once_wait_instead_of_being_refused(self):
        # More than the route's max_unidentified (512) and its old pending
        # quota (256) at once: before the use held clients and took tickets
        # before dialling, most of these were reset.
        self.burst(3000, 1024)


if __name__ == "__main__":
    unittest.main()
