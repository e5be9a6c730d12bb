"""The Windows build under Wine: a route on Linux, vnet.exe (Wine) serving an
echo service, a Linux vnet using it; 50 MB each way, checked by sha256 at
both ends. `vnet.exe ctl` over the named pipe: the same commands and exit
status as on Linux, and one daemon per control socket. Skipped when build-windows/ has no vnet.exe (scripts/build-windows.sh
builds it) or Wine is missing."""

import os
import shutil
import subprocess
import unittest

import harness
from harness import BlackBoxCase, Daemon, EchoService, free_port, sha256, vnet_config_text

WINDOWS_DIR = os.environ.get("VNET_WINDOWS_DIR") or os.path.join(harness.REPO, "build-windows")
VNET_EXE = os.path.join(WINDOWS_DIR, "vnet.exe")
WINE = shutil.which("wine64") or shutil.which("wine")


@unittest.skipUnless(os.path.exists(VNET_EXE) and WINE,
                     f"no Windows build ({VNET_EXE}) or no Wine: scripts/build-windows.sh")
class WindowsServeTest(BlackBoxCase):
    def start_windows_vnet(self, name, route_port, serves):
        cfg = self.c.write(f"{name}.ini", vnet_config_text(name, route_port, serves=serves, terminal=False))
        log = os.path.join(self.c.dir, f"wine-{name}.log")
        os.environ.setdefault("WINEDEBUG", "-all")
        d = Daemon(name, [WINE, VNET_EXE, "--log-level", "debug", cfg], log, self.c.dir)
        self.c.daemons.append(d)
        return d

    def test_50mb_each_way_through_a_serving_vnet_exe(self):
        route, route_port = self.c.start_route()
        echo = self.c.service(EchoService())
        home = self.start_windows_vnet("home", route_port,
                                       {"echo": {"serveid": 700, "port": echo.port}})
        # The first Wine start in a fresh prefix creates it (seconds).
        home.wait_log("registered as serveid 700", timeout=120)
        use_port = free_port()
        self.c.start_vnet("office", route_port, uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=30)

        data = os.urandom(50 << 20)
        got = harness.exchange(use_port, data, timeout=120)
        echo.wait_record(lambda r: r == (len(data), sha256(data)), 30,
                         what="the echo service to receive the 50 MB intact")
        self.assertEqual(len(got), len(data))
        self.assertEqual(sha256(got), sha256(data))


    def wine_ctl(self, ctl_path, *command):
        r = subprocess.run([WINE, VNET_EXE, "ctl", "--ctl", ctl_path, *command], cwd=self.c.dir,
                           capture_output=True, text=True, timeout=120, env=self.wine_env())
        return r.returncode, r.stdout, r.stderr

    def wine_env(self):
        # The daemons' HOME, hence their Wine prefix and wineserver: named
        # pipes exist only within one wineserver.
        return dict(os.environ, HOME=self.c.dir, WINEDEBUG="-all")

    def test_ctl_over_the_named_pipe(self):
        route, route_port = self.c.start_route()
        echo = self.c.service(EchoService())
        home = self.start_windows_vnet("home", route_port, {"echo": {"serveid": 700, "port": echo.port}})
        home.wait_log("registered as serveid 700", timeout=120)
        home.wait_log("control socket ", timeout=10)
        ctl = os.path.join(self.c.dir, "home.ini.ctl")

        status, out, err = self.wine_ctl(ctl, "show", "serve")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"(?m)^700\s+echo\s", out)
        # A command the terminal does not know: usage, status 2, as on Linux.
        status, out, err = self.wine_ctl(ctl, "frobnicate")
        self.assertEqual(status, 2, out + err)
        # Nobody at another path: status 3 and where it looked.
        status, out, err = self.wine_ctl(os.path.join(self.c.dir, "nobody.ctl"), "show", "serve")
        self.assertEqual(status, 3, out + err)
        self.assertIn("no vnet is running at", err)
        # A second vnet.exe on the same control socket refuses to start.
        second = subprocess.run([WINE, VNET_EXE, "--log-level", "info", os.path.join(self.c.dir, "home.ini")],
                                cwd=self.c.dir, capture_output=True, text=True, timeout=120,
                                env=self.wine_env())
        self.assertEqual(second.returncode, 1, second.stdout + second.stderr)
        self.assertIn("another vnet is running with the control socket", second.stdout + second.stderr)
        # The first still answers.
        status, out, err = self.wine_ctl(ctl, "show", "serve")
        self.assertEqual(status, 0, err)


if __name__ == "__main__":
    unittest.main()
