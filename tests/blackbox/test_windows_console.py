"""vnet.exe under Wine as a Windows user meets it: the files it makes land in
%LOCALAPPDATA%\\vnet (not beside the config file), `--install-startup` puts
a shortcut in the Startup folder and `--uninstall-startup` takes it away,
`--install-service` registers a service that Wine's Service Control Manager
runs and stops cleanly (and `vnet.exe ctl` reaches it),
and the terminal on the Windows console (driven through Wine's console on a
pty; its cursor escapes are stripped before comparing) edits, completes,
recalls history, keeps the typed text across log lines, scrolls a line
wider than the console sideways, and Ctrl-C and
Ctrl-D do what they do on Linux. Piped commands
work as on Linux. Skipped when build-windows/ has no vnet.exe or Wine is
missing, like test_windows.py (a failure in CI instead). On Linux, the startup options say they are
for Windows."""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import BlackBoxCase, vnet_config_text
from pty_session import PtySession
import wine
from wine import ROUTE_EXE, VNET_EXE, WINE

UP = "\x1b[A"


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


class WindowsUserTest(BlackBoxCase):
    @classmethod
    def setUpClass(cls):
        wine.require_build()  # a skip without the build; a failure in CI
        # One Wine prefix (HOME/.wine) for the class: a fresh one takes seconds.
        cls.home = tempfile.mkdtemp(prefix="vnet-wine-")

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["wineserver", "-k"], env=cls.env(), capture_output=True, timeout=30)
        shutil.rmtree(cls.home, ignore_errors=True)

    @classmethod
    def env(cls):
        return dict(os.environ, HOME=cls.home, WINEDEBUG="-all")

    def wine(self, *argv, cwd=None, stdin_text=None):
        # Output to files, not pipes: Wine's own processes (services.exe...)
        # inherit them and, with a persistent wineserver, never close them.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            r = subprocess.run([WINE, *argv], cwd=cwd or self.c.dir, env=self.env(), input=stdin_text,
                               stdout=out, stderr=err, text=True, timeout=180)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(r.args, r.returncode, out.read().decode(errors="replace"),
                                               err.read().decode(errors="replace"))

    def local_app_data_vnet(self):
        """%LOCALAPPDATA%\\vnet of the prefix, as a Linux path."""
        found = glob.glob(os.path.join(self.home, ".wine", "drive_c", "users", "*", "AppData", "Local", "vnet"))
        self.assertEqual(len(found), 1, found)
        return found[0]

    def startup_shortcut(self):
        return glob.glob(os.path.join(self.home, ".wine", "drive_c", "users", "*", "AppData", "Roaming",
                                      "Microsoft", "Windows", "Start Menu", "Programs", "StartUp", "vnet.lnk"))

    def test_known_routes_and_a_route_key_go_to_local_app_data(self):
        route, port = self.c.start_route()
        cfg = self.c.write("home.ini", vnet_config_text("home", port, terminal=False))
        log = os.path.join(self.c.dir, "wine-home.log")
        with open(log, "wb") as out:
            proc = subprocess.Popen([WINE, VNET_EXE, "--log-level", "info", cfg], cwd=self.c.dir,
                                    env=self.env(), stdin=subprocess.PIPE, stdout=out,
                                    stderr=subprocess.STDOUT)
        try:
            harness.wait_for(lambda: "connected to route" in read(log), 120, what="vnet.exe to connect")
        finally:
            proc.stdin.close()
            proc.terminate()
            proc.wait(30)
        text = read(log)
        self.assertIn("remembered in C:\\users\\", text)
        self.assertIn("\\AppData\\Local\\vnet\\known_routes", text)
        known = os.path.join(self.local_app_data_vnet(), "known_routes")
        with open(known) as f:
            self.assertRegex(f.read(), rf"(?m)^127\.0\.0\.1:{port} SHA256:\S+$")
        self.assertFalse(os.path.exists(os.path.join(self.c.dir, "known_routes")))

        # The route's generated key: in the same folder, never beside its file.
        folder = os.path.join(self.c.dir, "wroute")
        os.mkdir(folder)
        route_cfg = os.path.join(folder, "route.ini")
        with open(route_cfg, "w") as f:
            f.write("[route]\nip=127.0.0.1\nport=0\n")
        r = self.wine(ROUTE_EXE, "--fingerprint", route_cfg)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"^SHA256:\S+")
        self.assertTrue(os.path.exists(os.path.join(self.local_app_data_vnet(), "route-key.pem")))
        self.assertEqual(os.listdir(folder), ["route.ini"])
        again = self.wine(ROUTE_EXE, "--fingerprint", route_cfg)
        self.assertEqual(again.stdout, r.stdout)  # the same key, read back

    def test_install_and_uninstall_the_startup_shortcut(self):
        # vnet.exe and vnet.cmd unpacked in a folder, as from the zip.
        folder = os.path.join(self.c.dir, "vnet-win64")
        os.mkdir(folder)
        shutil.copy(VNET_EXE, folder)
        shutil.copy(os.path.join(harness.REPO, "scripts", "vnet.cmd"), folder)
        exe = os.path.join(folder, "vnet.exe")

        r = self.wine(exe, "--install-startup", cwd=folder)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("config.ini does not exist: copy config.ini.example", r.stderr)
        self.assertEqual(self.startup_shortcut(), [])

        with open(os.path.join(folder, "config.ini"), "w") as f:
            f.write(vnet_config_text("home", 1, terminal=False))
        # Started from elsewhere: the default file is the one beside vnet.exe.
        r = self.wine(exe, "--install-startup", cwd=self.c.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"^installed C:\\users\\.*\\StartUp\\vnet\.lnk: at logon it starts .*vnet\.cmd")
        [lnk] = self.startup_shortcut()
        with open(lnk, "rb") as f:
            data = f.read()
        self.assertIn("vnet.cmd".encode("utf-16-le"), data)

        r = self.wine(exe, "--install-startup", cwd=folder)  # again: the same shortcut, replaced
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("replaced "), r.stdout)
        self.assertEqual(len(self.startup_shortcut()), 1)

        # A file named: the shortcut starts vnet.exe with that file.
        other = self.c.write("other.ini", vnet_config_text("other", 1, terminal=False))
        r = self.wine(exe, "--install-startup", other, cwd=folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"at logon it starts .*vnet\.exe \".*other\.ini\"")
        with open(self.startup_shortcut()[0], "rb") as f:
            self.assertIn("other.ini".encode("utf-16-le"), f.read())

        r = self.wine(exe, "--uninstall-startup", cwd=folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("removed "), r.stdout)
        self.assertEqual(self.startup_shortcut(), [])
        r = self.wine(exe, "--uninstall-startup", cwd=folder)  # nothing left: fine
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("nothing to remove: "), r.stdout)

    def test_config_ini_beside_the_exe_is_the_default_for_the_daemon_and_ctl(self):
        route, port = self.c.start_route()
        folder = os.path.join(self.c.dir, "vnet-win64")
        os.mkdir(folder)
        shutil.copy(VNET_EXE, folder)
        exe = os.path.join(folder, "vnet.exe")
        with open(os.path.join(folder, "config.ini"), "w") as f:
            f.write(vnet_config_text("home", port, terminal=False,
                                     serves={"echo": {"serveid": 700, "port": 7}}))
        log = os.path.join(self.c.dir, "wine-default.log")
        # Started from another folder, with no file named.
        with open(log, "wb") as out:
            proc = subprocess.Popen([WINE, exe, "--log-level", "info"], cwd=self.c.dir, env=self.env(),
                                    stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        try:
            harness.wait_for(lambda: "registered as serveid 700" in read(log), 120,
                             what="vnet.exe to read the config.ini beside it")
            self.assertRegex(read(log), r"control socket [A-Z]:\\.*\\vnet-win64\\config\.ini\.ctl")
            # `vnet.exe ctl` with neither --ctl nor --config finds it too.
            r = self.wine(exe, "ctl", "show", "serve", cwd=self.c.dir)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertRegex(r.stdout, r"(?m)^700\s+echo\s")
        finally:
            proc.stdin.close()
            proc.terminate()
            proc.wait(30)

    def test_a_windows_service_runs_and_stops_cleanly(self):
        # Wine runs services only while its session lives: a console waiting
        # for a key keeps it for the test (Wine also starts an automatic
        # service again at each new session; uninstalled at the end).
        keeper = subprocess.Popen([WINE, "cmd", "/c", "pause"], cwd=self.c.dir, env=self.env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(keeper.wait, 30)
        self.addCleanup(keeper.kill)
        self.addCleanup(keeper.stdin.close)
        route, port = self.c.start_route()
        folder = os.path.join(self.c.dir, "svc")
        os.mkdir(folder)
        shutil.copy(VNET_EXE, folder)
        exe = os.path.join(folder, "vnet.exe")
        log = os.path.join(folder, "vnet.log")
        with open(os.path.join(folder, "config.ini"), "w") as f:
            f.write(vnet_config_text("svc", port, terminal=False, serves={"echo": {"serveid": 701, "port": 7}}))

        r = self.wine(exe, "--install-service", cwd=folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.addCleanup(self.wine, exe, "--uninstall-service", cwd=folder)
        self.assertRegex(r.stdout, r"^installed the service 'vnet': at boot it runs \".*vnet\.exe\" --service "
                                   r"--log-file \".*vnet\.log\" \".*config\.ini\"")
        self.wine("sc", "start", "vnet")
        harness.wait_for(lambda: os.path.exists(log) and "registered as serveid 701" in read(log), 120,
                         what="the service to register its serve")
        self.assertRegex(self.wine("sc", "query", "vnet").stdout, r"STATE\s+:\s+4\s+RUNNING")
        # Its ctl pipe admits Administrators too (it runs as LocalSystem on
        # Windows): `vnet.exe ctl` in its folder reaches it. Wine keeps no
        # ACL, so only the plumbing and the log line are tested here.
        self.assertRegex(read(log), r"control socket .*config\.ini\.ctl: a service's, open to this account and "
                                    r"to Administrators")
        r = self.wine(exe, "ctl", "show", "serve", cwd=folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(?m)^701\s+echo\s")
        # The SCM's stop is the daemon's own stop signal: a clean exit.
        self.wine("sc", "stop", "vnet")
        harness.wait_for(lambda: "vnet stopped" in read(log), 60, what="the service to stop")
        harness.wait_for(lambda: "STOPPED" in self.wine("sc", "query", "vnet").stdout, 60,
                         what="the SCM to see the service stopped")

        r = self.wine(exe, "--uninstall-service", cwd=folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip(), "removed the service 'vnet'")
        r = self.wine(exe, "--uninstall-service", cwd=folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip(), "nothing to remove: no service 'vnet'")

    def console(self, cfg, cols=250):
        s = PtySession([WINE, VNET_EXE, "--log-level", "info", cfg], cwd=self.c.dir, env=self.env(),
                       name="wine-console", cols=cols)
        self.addCleanup(s.close)
        return s

    def test_the_console_editor(self):
        route, port = self.c.start_route()
        echo = self.c.service(harness.EchoService())
        cfg = self.c.write("home.ini", vnet_config_text("home", port, terminal=True,
                                                        serves={"echo": {"serveid": 700, "port": echo.port}}))
        s = self.console(cfg)
        s.expect(r"serve echo registered as serveid 700", timeout=120)
        s.expect(r">:", timeout=10)
        # Tab completes the command word from the terminal's own list.
        s.send("sh\t")
        s.expect(r">: show$", timeout=10)
        s.send("serve\r")
        s.expect(r"(?m)^700\s+echo\s+echo\s+127\.0\.0\.1:\d+\s+yes\s+registered", timeout=10)
        s.expect(r">:", timeout=10)

        # Up recalls the line; Home and Right edit inside it.
        s.send(UP)
        s.expect(r">: show serve$", timeout=10)
        s.send("\x1b[H" + "\x1b[C" * 5 + "X")  # Home, five times Right, X
        s.expect(r">: show Xserve$", timeout=10)
        s.send("\x7f" + "\x1b[F" + "\r")  # Backspace, End, Enter
        s.expect(r"(?m)^700\s+echo\s", timeout=10)
        s.expect(r">:", timeout=10)

        # A log line while typing: printed above, the typed text drawn again.
        s.send("show se")
        s.expect(r">: show se$", timeout=10)
        route.stop()
        s.expect(r"(?m)^.*route.*$", timeout=30)
        s.expect(r">: show se$", timeout=10)
        s.send("rve\r")
        s.expect(r"(?m)^\S+\s+echo\s+echo\s+127\.0\.0\.1:\d+\s+yes\s+unregistered", timeout=10)

        # The history is kept in %LOCALAPPDATA%\vnet\history.
        with open(os.path.join(self.local_app_data_vnet(), "history")) as f:
            self.assertEqual(f.read().splitlines()[-3:], ["show serve", "show serve", "show serve"])

        # Ctrl-C (the console's interrupt) discards the typed text; Ctrl-D
        # on an empty line ends the terminal and the vnet, status 0.
        s.send("show se")
        s.expect(r">: show se$", timeout=10)
        s.send("\x03")
        s.expect(r">: show se\^C$", timeout=10)
        s.expect(r">:", timeout=10)
        s.send("help\r")
        s.expect(r"(?m)^\s+ping\s+round trip", timeout=10)
        s.expect(r">:", timeout=10)
        s.send("\x04")
        self.assertEqual(s.wait_exit(60), 0)

    def test_a_line_wider_than_the_console_scrolls_sideways(self):
        # 60 columns: ">: " and 56 of the line (the last column stays empty).
        cfg = self.c.write("narrow.ini", vnet_config_text("narrow", harness.free_port(), terminal=True))
        s = self.console(cfg, cols=60)
        s.expect(r">:", timeout=120)
        line = "show " + "abcdefghij" * 8
        s.send(line)
        s.expect(re.escape(">: " + line[-56:]) + "$", timeout=10)
        s.send("\x1b[H")  # Home: the line's start in view
        s.expect(re.escape(">: " + line[:56]) + "$", timeout=10)
        s.send("\r")  # the whole line is run (and left on the screen, wrapped)
        s.expect(r"error: cannot show 'abcdefghij", timeout=10)
        s.expect(r">:", timeout=10)
        s.send("\x04")
        self.assertEqual(s.wait_exit(60), 0)

    def test_piped_commands(self):
        route, port = self.c.start_route()
        cfg = self.c.write("home.ini", vnet_config_text("home", port, terminal=True,
                                                        serves={"echo": {"serveid": 700, "port": 7}}))
        r = self.wine(VNET_EXE, "--log-level", "info", cfg, stdin_text="show serve\n")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(?m)^700\s+echo\s+echo\s+127\.0\.0\.1:7\s")
        self.assertIn("end of input: exiting", r.stderr + r.stdout)


class LinuxStartupOptionTest(unittest.TestCase):
    def test_the_startup_options_say_they_are_for_windows(self):
        vnet = harness.binary("vnet")
        for option in ("--install-startup", "--uninstall-startup", "--install-service", "--uninstall-service"):
            r = subprocess.run([vnet, option], capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn(f"{option} is for Windows", r.stderr)
        helped = subprocess.run([vnet, "--help"], capture_output=True, text=True, timeout=10)
        self.assertNotIn("startup", helped.stdout)
        self.assertNotIn("--install-service", helped.stdout)


if __name__ == "__main__":
    unittest.main()
