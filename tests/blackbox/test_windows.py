"""The Windows build under Wine beside Linux daemons, all on loopback
(tests/blackbox/wine.py: where the build is, skipped or failed without it).

- A Linux route, vnet.exe serving, a Linux vnet using: test_tunnel.py's
  tests (a service that speaks first, half-closes both ways, ...), 50 MB
  each way, 200 connections at once, `vnet.exe ctl` over the named pipe,
  and Ctrl-C ending vnet.exe cleanly.
- The reverse: a Linux vnet serving, vnet.exe using: test_tunnel.py's
  tests again, 50 MB each way and 200 connections at once.
Every byte stream is checked by sha256 at both ends. Runs in 40 to 90 s
on the 2-core CI machine (test_windows_route.py has the rest)."""

import collections
import os
import signal
import unittest

import harness
import test_tunnel
import wine
from harness import sha256


def setUpModule():
    wine.require_build()
    wine.prepare_prefix()


def check_50mb_each_way(case, use_port, echo):
    data = os.urandom(50 << 20)
    got = harness.exchange(use_port, data, timeout=180)
    echo.wait_record(lambda r: r == (len(data), sha256(data)), 30,
                     what="the echo service to receive the 50 MB intact")
    case.assertEqual(len(got), len(data))
    case.assertEqual(sha256(got), sha256(data))


def check_200_connections(case, use_port, echo):
    payloads = [os.urandom(16 * 1024 + i) for i in range(200)]
    results = harness.in_parallel(lambda i: harness.exchange(use_port, payloads[i], timeout=90),
                                  len(payloads), 120)
    for i, (sent, got) in enumerate(zip(payloads, results)):
        case.assertIsInstance(got, bytes, f"connection {i}: {got!r}")
        case.assertEqual(sha256(got), sha256(sent), f"connection {i} corrupted")
    expected = collections.Counter((len(p), sha256(p)) for p in payloads)
    harness.wait_for(lambda: not echo.missing_records(expected), 30,
                     what="every payload intact at the service")


class WindowsServeTest(test_tunnel.TunnelTest):
    """A Linux route, vnet.exe "home" serving, a Linux vnet "office" using:
    test_tunnel.py's tests (1 MB each way, 8 connections, a service that
    speaks first, half-closes both ways, a refused service), and more."""

    def start_home(self, route_port, serves):
        home = wine.start_vnet(self.c, "home", route_port, serves=serves)
        home.wait_log("registered as serveid 703", timeout=60)
        return home

    def test_50mb_each_way_through_a_serving_vnet_exe(self):
        check_50mb_each_way(self, self.use["echo"], self.echo)

    def test_200_connections_at_once_do_not_mix(self):
        check_200_connections(self, self.use["echo"], self.echo)

    def test_ctl_over_the_named_pipe(self):
        self.home.wait_log("control socket ", timeout=10)
        ctl = os.path.join(self.c.dir, "home.ini.ctl")

        def ctl_run(path, *command):
            return wine.run(wine.VNET_EXE, "ctl", "--ctl", path, *command, cwd=self.c.dir)
        status, out, err = ctl_run(ctl, "show", "serve")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"(?m)^700\s+echo\s", out)
        # A command the terminal does not know: usage, status 2, as on Linux.
        status, out, err = ctl_run(ctl, "frobnicate")
        self.assertEqual(status, 2, out + err)
        # Nobody at another path: status 3 and where it looked.
        status, out, err = ctl_run(os.path.join(self.c.dir, "nobody.ctl"), "show", "serve")
        self.assertEqual(status, 3, out + err)
        self.assertIn("no vnet is running at", err)
        # A second vnet.exe on the same control socket refuses to start.
        status, out, err = wine.run(wine.VNET_EXE, "--log-level", "info",
                                    os.path.join(self.c.dir, "home.ini"), cwd=self.c.dir)
        self.assertEqual(status, 1, out + err)
        self.assertIn("another vnet is running with the control socket", out + err)
        status, out, err = ctl_run(ctl, "show", "serve")  # the first still answers
        self.assertEqual(status, 0, err)

    def test_ctrl_c_ends_vnet_exe_cleanly(self):
        # Wine turns SIGINT into the console's Ctrl-C for the program.
        self.home.expect_exit = True
        self.home.signal(signal.SIGINT)
        self.home.proc.wait(30)
        self.assertEqual(self.home.proc.returncode, 0, self.home.log())
        log = self.home.log()
        self.assertIn("shutting down", log)
        self.assertIn("vnet stopped", log)
        self.assertNotIn("shutdown took longer", log)


class WindowsUseTest(test_tunnel.TunnelTest):
    """The reverse: a Linux vnet "home" serving, vnet.exe "office" using:
    test_tunnel.py's tests, and more."""

    def start_office(self, route_port, uses):
        office = wine.start_vnet(self.c, "office", route_port, uses=uses)
        office.wait_log("use echo listening", timeout=60)
        return office

    def test_50mb_each_way_through_a_using_vnet_exe(self):
        check_50mb_each_way(self, self.use["echo"], self.echo)

    def test_200_connections_at_once_do_not_mix(self):
        check_200_connections(self, self.use["echo"], self.echo)


if __name__ == "__main__":
    unittest.main()
