"""Command line and configuration errors of both binaries, and clean exit on
SIGTERM / SIGINT."""

import os
import re
import signal
import socket
import subprocess
import tempfile
import shutil
import threading
import unittest

import harness
from harness import LOOPBACK, ini_text


def run(argv, cwd=None, timeout=10):
    """Runs a binary to completion; returns (exit code, stdout, stderr)."""
    p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class Tripwire:
    """A listener standing in for the route: records whether anybody ever
    connects, to prove a daemon with a bad config never touched the network."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]

    def touched(self):
        try:
            conn, _ = self.sock.accept()
            conn.close()
            return True
        except (socket.timeout, BlockingIOError):
            return False

    def close(self):
        self.sock.close()


class CliTest(unittest.TestCase):
    def setUp(self):
        self.route = harness.binary("route")
        self.vnet = harness.binary("vnet")
        self.dir = tempfile.mkdtemp(prefix="vnet-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    # ---------------------------------------------------------------- options

    def test_help(self):
        for name, path in (("route", self.route), ("vnet", self.vnet)):
            for flag in ("--help", "-h"):
                with self.subTest(binary=name, flag=flag):
                    code, out, err = run([path, flag])
                    self.assertEqual(code, 0, f"{name} {flag}: stderr={err!r}")
                    text = out + err
                    self.assertRegex(text, re.compile("usage", re.I))
                    self.assertIn("--log-level", text)
                    self.assertIn("--version", text)

    def test_version(self):
        version = harness.project_version()
        version_re = re.escape(version) if version else r"\d+\.\d+\.\d+"
        for name, path in (("route", self.route), ("vnet", self.vnet)):
            with self.subTest(binary=name):
                code, out, err = run([path, "--version"])
                self.assertEqual(code, 0, f"{name} --version: stderr={err!r}")
                self.assertRegex(out.strip(), rf"^{name} {version_re} \(protocol \d+\)$")

    def test_bad_options_exit_2(self):
        cases = (["--no-such-option"], ["--log-level", "loud"], ["-v"])
        for name, path in (("route", self.route), ("vnet", self.vnet)):
            for args in cases:
                with self.subTest(binary=name, args=args):
                    code, out, err = run([path] + args, cwd=self.dir)
                    self.assertEqual(code, 2, f"{name} {args}: stdout={out!r} stderr={err!r}")
                    self.assertTrue(err.strip(), f"{name} {args}: nothing on stderr")

    # ------------------------------------------------------------ config errors

    def assert_config_error(self, binary, path, *needles, tripwire=None):
        code, out, err = run([binary, path], cwd=self.dir)
        self.assertEqual(code, 1, f"{binary} {path}: exit {code}, stderr={err!r}")
        for needle in needles:
            self.assertIn(needle, err, f"{os.path.basename(binary)} {path}: "
                                        f"{needle!r} missing from stderr={err!r}")
        self.assertNotIn("listening on", out + err)
        self.assertNotIn("connected to route", out + err)
        if tripwire is not None:
            self.assertFalse(tripwire.touched(),
                             f"{binary} connected to the route despite a bad config")

    def test_route_config_errors(self):
        port = harness.free_port()
        cases = {
            "port_abc.ini": ({"route": {"ip": LOOPBACK, "port": "abc"}}, ("route", "port", "abc")),
            "no_port.ini": ({"route": {"ip": LOOPBACK}}, ("route", "port")),
            "port_big.ini": ({"route": {"ip": LOOPBACK, "port": 70000}}, ("route", "port", "70000")),
            "bad_timeout.ini": ({"route": {"ip": LOOPBACK, "port": port, "timeout": "soon"}},
                                ("route", "timeout", "soon")),
        }
        for file, (sections, needles) in cases.items():
            with self.subTest(file=file):
                path = self.write(file, ini_text(sections))
                self.assert_config_error(self.route, path, file, *needles)

    def test_check_config(self):
        good = self.write("good.ini", ini_text({"route": {"ip": LOOPBACK, "port": 7749},
                                                "serve.ssh": {"serveid": 700, "port": 22}}))
        bad = self.write("bad.ini", ini_text({"route": {"ip": LOOPBACK, "port": 7749},
                                              "serve.ssh": {"serveid": 700, "port": "abc"}}))
        for binary in (self.route, self.vnet):
            with self.subTest(binary=os.path.basename(binary)):
                code, out, err = run([binary, "--check-config", good], cwd=self.dir)
                self.assertEqual(code, 0, err)
                self.assertIn("valid", out)
        code, out, err = run([self.vnet, "--check-config", bad], cwd=self.dir)
        self.assertEqual(code, 1)
        self.assertIn('[serve.ssh] port = "abc"', err)

    def test_check_config_refuses_unknown_keys_with_did_you_mean(self):
        path = self.write("typos.ini", ini_text({
            "route": {"ip": LOOPBACK, "port": 7749},
            "vnet": {"name": "t", "termial": True},
            "serve.ssh": {"servied": 700, "port": 22},
            "servce.web": {"port": 80},
        }))
        code, out, err = run([self.vnet, "--check-config", path], cwd=self.dir)
        self.assertEqual(code, 1, f"stdout={out!r} stderr={err!r}")
        self.assertNotIn("valid;", out)
        for needle in ('typos.ini: [vnet] unknown key "termial" (line 7) ignored; '
                       'did you mean "terminal"?',
                       'typos.ini: [serve.ssh] unknown key "servied" (line 10) ignored; '
                       'did you mean "serveid"?',
                       'typos.ini: unknown section [servce.web] ignored; did you mean [serve.web]?',
                       "3 unknown key(s) or section(s)"):
            self.assertIn(needle, err)
        route_typo = self.write("route_typo.ini", ini_text(
            {"route": {"ip": LOOPBACK, "port": 7749, "timeot": 3}}))
        code, out, err = run([self.route, "--check-config", route_typo], cwd=self.dir)
        self.assertEqual(code, 1, f"stdout={out!r} stderr={err!r}")
        self.assertIn('[route] unknown key "timeot" (line 4) ignored; did you mean "timeout"?',
                      err)

    def test_check_config_shows_every_problem_in_one_run(self):
        # Five mistakes, one run: each on its own line, then how many.
        path = self.write("five.ini", "[route]\nip=127.0.0.1\nport=7749\n"
                                      "[vnet]\nname=t\ntermial=true\nheartbeat=soon\n"
                                      "[serve.ssh]\nserveid=7000\nport=abc\n"
                                      "[serve.web]\nprot=80\n")
        code, out, err = run([self.vnet, "--check-config", path], cwd=self.dir)
        self.assertEqual(code, 1, f"stdout={out!r} stderr={err!r}")
        self.assertNotIn("valid;", out)
        for needle in ('[vnet] unknown key "termial" (line 6) ignored; did you mean "terminal"?',
                       '[vnet] heartbeat = "soon": not a duration',
                       '[serve.ssh] serveid = "7000": not a serveid (0-999)',
                       '[serve.ssh] port = "abc": not a port number (1-65535)',
                       '[serve.web] port is required ("prot" on line 12: did you mean port?)',
                       "five.ini: not valid: 4 problem(s) and 2 unknown key(s) or section(s), listed above"):
            self.assertIn(needle, err)
        route_path = self.write("route_two.ini", "[route]\nip=127.0.0.1\nport=7749\ntimeout=soon\n"
                                                 "log_links=lots\n")
        code, out, err = run([self.route, "--check-config", route_path], cwd=self.dir)
        self.assertEqual(code, 1, f"stdout={out!r} stderr={err!r}")
        self.assertIn('[route] timeout = "soon"', err)
        self.assertIn('[route] log_links = "lots"', err)
        self.assertIn("route_two.ini: not valid: 2 problem(s), listed above", err)

    def test_port_is_required_names_the_near_miss(self):
        path = self.write("prot.ini", ini_text({
            "route": {"ip": LOOPBACK, "port": 7749},
            "serve.ssh": {"serveid": 700, "prot": 22}}))
        for args in (["--check-config", path], [path]):
            with self.subTest(args=args):
                code, out, err = run([self.vnet] + args, cwd=self.dir)
                self.assertEqual(code, 1, err)
                self.assertIn('[serve.ssh] port is required ("prot" on line 7: did you mean port?)',
                              err)

    def test_normal_start_warns_about_unknown_keys_and_runs(self):
        c = harness.Cluster()
        ok = False
        try:
            route, port = c.start_route()
            a = c.start_vnet("typo", port, vnet_keys={"heartbaet": 6})
            a.wait_log('[vnet] unknown key "heartbaet" (line 9) ignored; '
                       'did you mean "heartbeat"?', timeout=10)
            a.wait_log("connected to route", timeout=10)
            ok = True
        finally:
            if not ok:
                c.dump_logs()
            c.close()

    def test_section_kinds_are_case_insensitive(self):
        text = ("[Route]\nip=127.0.0.1\nport=7749\n[VNET]\nname=upper\n"
                "[Serve.Web]\nport=80\n[USE.x]\nserveid=700\nport=8080\n")
        path = self.write("upper.ini", text)
        code, out, err = run([self.vnet, "--check-config", path], cwd=self.dir)
        self.assertEqual(code, 0, err)
        self.assertIn("vnet 'upper'", out)
        self.assertIn("1 serve(s) (1 active) and 1 use(s) (1 to open)", out)
        self.assertNotIn("unknown", err)
        code, out, err = run([self.route, "--check-config", path], cwd=self.dir)
        self.assertEqual(code, 0, err)
        self.assertIn("would listen on 127.0.0.1:7749", out)

    def test_long_lines_and_cjk_info_reach_the_other_vnet(self):
        """A 4 KiB line (512 bytes of info, the protocol's limit, then a long
        comment) and 70 CJK characters of info load, register and come back
        byte for byte in the other vnet's `show serves`."""
        cjk = "服" * 70
        long_info = "".join(chr(ord("a") + i % 26) for i in range(512))
        filler = "z" * (4096 - len("info=") - len(long_info) - len(" ; "))
        c = harness.Cluster()
        ok = False
        try:
            route, port = c.start_route()
            echo = c.service(harness.EchoService())
            a = c.start_vnet("long-a", port, serves={
                "cjk": {"serveid": 701, "port": echo.port, "info": cjk},
                "long": {"serveid": 702, "port": echo.port, "info": long_info + " ; " + filler}})
            with open(os.path.join(c.dir, "long-a.ini"), encoding="utf-8") as f:
                lengths = [len(line.rstrip("\n").encode()) for line in f]
            self.assertIn(4096, lengths)
            a.wait_log("registered as serveid 702", timeout=10)
            b = c.start_vnet("long-b", port, vnet_keys={"terminal": True})
            b.wait_log("connected to route", timeout=10)
            b.proc.stdin.write(b"show serves\n")
            b.proc.stdin.flush()
            b.wait_log(long_info, timeout=10)
            self.assertIn(cjk, b.log())
            self.assertNotIn("zzzz", b.log())  # the comment stayed a comment
            ok = True
        finally:
            if not ok:
                c.dump_logs()
            c.close()

    def test_text_the_route_would_refuse_is_a_config_error(self):
        # The route refuses over-long or control-character text (protocol
        # limits): the file says so first, with section and key.
        cases = [
            ({"serve.web": {"port": 80, "info": "i" * 513}},
             '[serve.web] info = "' + "i" * 513 + '": longer than 512 bytes (513)'),
            ({"vnet": {"group": "g" * 129}}, "[vnet] group"),
            ({"vnet": {"name": "a\x1bb"}}, "contains a control character"),
        ]
        for sections, expected in cases:
            path = self.write("text.ini", ini_text({"route": {"ip": LOOPBACK, "port": 7749}, **sections}))
            code, out, err = run([self.vnet, "--check-config", path], cwd=self.dir)
            self.assertEqual(code, 1, err)
            self.assertIn(expected, err)

    def test_line_over_the_limit_is_an_error_with_its_number(self):
        path = self.write("huge.ini", ini_text({
            "route": {"ip": LOOPBACK, "port": 7749},
            "serve.web": {"port": 80, "info": "x" * 70000}}))
        code, out, err = run([self.vnet, "--check-config", path], cwd=self.dir)
        self.assertEqual(code, 1, err)
        self.assertIn("huge.ini:7: line too long (70005 bytes, at most 65536)", err)

    def test_route_config_without_route_section(self):
        path = self.write("empty.ini", "; nothing here\n")
        self.assert_config_error(self.route, path, "empty.ini", "route")

    def test_vnet_config_errors(self):
        wire = Tripwire()
        self.addCleanup(wire.close)
        route = {"ip": LOOPBACK, "port": wire.port}
        vnet = {"name": "bad", "terminal": False}
        cases = {
            "type_sctp.ini": ({"route": route, "vnet": vnet,
                               "serve.web": {"serveid": 700, "type": "sctp", "port": 80}},
                              ("serve.web", "type", "sctp")),
            "port_abc.ini": ({"route": {"ip": LOOPBACK, "port": "abc"}, "vnet": vnet},
                             ("route", "port", "abc")),
            "no_route_port.ini": ({"route": {"ip": LOOPBACK}, "vnet": vnet}, ("route", "port")),
            "serve_no_port.ini": ({"route": route, "vnet": vnet, "serve.ssh": {"serveid": 700}},
                                  ("serve.ssh", "port")),
            "serve_port_abc.ini": ({"route": route, "vnet": vnet,
                                    "serve.ssh": {"serveid": 700, "port": "abc"}},
                                   ("serve.ssh", "port", "abc")),
            "serveid_1000.ini": ({"route": route, "vnet": vnet,
                                  "use.ssh": {"serveid": 1000, "port": 1122}},
                                 ("use.ssh", "serveid", "1000")),
            "serveid_abc.ini": ({"route": route, "vnet": vnet,
                                 "serve.ssh": {"serveid": "abc", "port": 22}},
                                ("serve.ssh", "serveid", "abc")),
            "active_maybe.ini": ({"route": route, "vnet": vnet,
                                  "use.ssh": {"serveid": 700, "port": 1122, "active": "maybe"}},
                                 ("use.ssh", "active", "maybe")),
            "terminal_maybe.ini": ({"route": route,
                                    "vnet": {"name": "bad", "terminal": "maybe"}},
                                   ("vnet", "terminal", "maybe")),
        }
        for file, (sections, needles) in cases.items():
            with self.subTest(file=file):
                path = self.write(file, ini_text(sections))
                self.assert_config_error(self.vnet, path, file, *needles, tripwire=wire)

    def test_missing_config_file(self):
        missing = os.path.join(self.dir, "does-not-exist.ini")
        for name, path in (("route", self.route), ("vnet", self.vnet)):
            with self.subTest(binary=name, config="explicit"):
                code, out, err = run([path, missing], cwd=self.dir)
                self.assertEqual(code, 1, f"{name}: stderr={err!r}")
                self.assertIn("does-not-exist.ini", err)
            with self.subTest(binary=name, config="default ./config.ini"):
                code, out, err = run([path], cwd=self.dir)
                self.assertEqual(code, 1, f"{name}: stderr={err!r}")
                self.assertIn("config.ini", err)

    # ------------------------------------------------------------------ signals

    def test_sigterm_and_sigint_exit_zero(self):
        c = harness.Cluster()
        ok = False
        try:
            route, port = c.start_route()
            service = c.service(harness.EchoService())
            use_port = harness.free_port()
            a = c.start_vnet("sig-a", port, serves={"echo": {"serveid": 700, "port": service.port}})
            b = c.start_vnet("sig-b", port, uses={"echo": {"serveid": 700, "port": use_port}})
            harness.wait_for(lambda: c.check_alive() or harness.echo_roundtrip(use_port), 10,
                             what="the tunnel to work before signalling")
            # An open proxied connection must not hold up the shutdown.
            held = socket.create_connection((LOOPBACK, use_port), timeout=2)
            self.addCleanup(held.close)
            for daemon, sig in ((b, signal.SIGINT), (a, signal.SIGTERM), (route, signal.SIGTERM)):
                daemon.signal(sig)
                try:
                    code = daemon.proc.wait(3.5)
                except subprocess.TimeoutExpired:
                    self.fail(f"{daemon.name} still running 3.5 s after {sig.name}")
                self.assertEqual(code, 0, f"{daemon.name} exit code after {sig.name}")
            ok = True
        finally:
            if not ok:
                c.dump_logs()
            c.close()


if __name__ == "__main__":
    unittest.main()
