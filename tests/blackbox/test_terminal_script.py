"""The vnet terminal without a pty: commands from a script (stdin a pipe),
SIGHUP meanwhile, and the modes where stdin is not read at all (stdin
/dev/null or closed, terminal=false)."""

import os
import re
import signal
import subprocess
import sys
import time
import unittest

import harness
from harness import EchoService, free_port
from pty_session import PipedProcess
from harness import vnet_config_text
from vnet_terminal import CONNECTED, SERVES_HEADER, TerminalCase


class ScriptModeTest(TerminalCase):
    """terminal=true with stdin a pipe, and the modes where stdin is not read."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.echo = self.c.service(EchoService())
        self.home = self.c.start_vnet("home", self.route_port, serves={
            "echo": {"serveid": 700, "port": self.echo.port}})
        self.home.wait_log("serve echo registered as serveid 700")

    def start_piped(self, name, **kw):
        cfg = self.c.write(f"{name}.ini", vnet_config_text(name, self.route_port, **kw))
        p = PipedProcess([harness.binary("vnet"), "--log-level", "info", cfg], cwd=self.c.dir,
                         stderr_path=os.path.join(self.c.dir, f"{name}.stderr"), name=name)
        return self.track(p), cfg

    def wait_stderr(self, p, pattern, timeout=10.0):
        rx = re.compile(pattern)
        return self.wait_until(lambda: rx.search(p.stderr()), timeout,
                               f"{pattern!r} on the stderr of {p.name}")

    def test_commands_from_a_pipe(self):
        p, cfg = self.start_piped("script")
        self.wait_stderr(p, CONNECTED.pattern)
        svc = self.c.service(EchoService())
        q = free_port()
        # serve run with a NAME and no key=value: serveid, ip, port, info come
        # from the next lines.
        p.write(f"help\nshow vnet\nserve run p1\n\n\n{svc.port}\npiped-info\n")
        sid = self.wait_stderr(p, r"serve p1 registered as serveid (\d{3})").group(1)
        p.write(f"show serves\nuse run pu\n700\n\n{q}\nbogus\nping\n")
        self.wait_echo(q, 10)
        p.close_stdin()
        p.expect_exit = True
        self.assertEqual(p.wait_exit(10), 0, "end of input must exit with code 0")
        out = p.stdout()
        self.assertNotIn(">:", out, "a prompt was printed in script mode")
        self.assertNotRegex(out, r"(?m)^ {4}(name|serveid|ip|port|info|serve|use|to vnetid)"
                                 r"(\([^)]*\))?: ",
                            "a question was printed in script mode")
        self.assertNotIn("serveid(000)", out)
        # Every command ran, in order.
        marks = [r"(?m)^  help {2,}\S", r"(?m)^\s*vnetid\s{2,}\d\d",
                 r"(?m)^serve p1 created and opened\s*$",
                 SERVES_HEADER.pattern,
                 rf"(?m)^\s*{sid} {{2,}}\d\d {{2,}}script {{2,}}p1 {{2,}}tcp {{2,}}"
                 rf"127\.0\.0\.1:{svc.port} {{2,}}piped-info\s*$",
                 rf"(?m)^use pu created and opened: listening on 127\.0\.0\.1:{q}\s*$",
                 r"(?m)^error: no command 'bogus'\s*$",
                 rf"(?m)^route 127\.0\.0\.1:{self.route_port} answered in \d+\.\d{{3}} ms"]
        at = 0
        for pat in marks:
            m = re.compile(pat).search(out, at)
            self.assertIsNotNone(m, f"{pat!r} missing or out of order in stdout:\n{out}")
            at = m.end()
        self.assertNotIn("answered in", p.stderr(), "command output went to stderr")

    def test_readme_pipe_example(self):
        # README: printf 'show serves\nping\n' | ./vnet office.ini 2>/dev/null
        # The input ends at once; the commands still wait for the route.
        p, cfg = self.start_piped("office")
        p.write("show serves\nping\n")
        p.close_stdin()
        p.expect_exit = True
        self.assertEqual(p.wait_exit(15), 0)
        out = p.stdout()
        self.assertRegex(out, SERVES_HEADER)
        self.assertRegex(out, r"(?m)^700 {2,}\d\d {2,}home {2,}echo {2,}tcp ")
        self.assertRegex(out, r"(?m)^- 2 vnets, 1 serve -\s*$")
        self.assertRegex(out, rf"(?m)^route 127\.0\.0\.1:{self.route_port} answered in ")
        self.assertNotIn("error", out)

    def test_sighup_in_script_mode(self):
        p, cfg = self.start_piped("script")
        self.wait_stderr(p, CONNECTED.pattern)
        svc = self.c.service(EchoService())
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(vnet_config_text("script", self.route_port,
                                     serves={"s": {"serveid": 752, "port": svc.port}}))
        p.proc.send_signal(signal.SIGHUP)
        self.wait_stderr(p, rf"SIGHUP: reloading {re.escape(cfg)}")
        self.wait_stderr(p, rf"reloaded {re.escape(cfg)}: serves \+1 -0 ~0, uses \+0 -0 ~0")
        self.wait_stderr(p, r"serve s registered as serveid 752")
        self.assertTrue(p.alive())
        p.write("show serve\n")
        p.close_stdin()
        p.expect_exit = True
        self.assertEqual(p.wait_exit(10), 0)
        self.assertRegex(p.stdout(), r"(?m)^752 {2,}s {2,}s {2,}127\.0\.0\.1:\d+ {2,}yes {2,}registered")

    def run_without_terminal(self, argv_prefix=(), stdin=subprocess.DEVNULL, name="quiet"):
        svc = self.c.service(EchoService())
        cfg = self.c.write(f"{name}.ini", vnet_config_text(
            name, self.route_port, serves={"s": {"serveid": 750, "port": svc.port}}))
        log_path = os.path.join(self.c.dir, f"{name}.log")
        log = open(log_path, "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(list(argv_prefix) + [harness.binary("vnet"), "--log-level",
                                                     "info", cfg],
                                cwd=self.c.dir, stdin=stdin, stdout=log, stderr=subprocess.STDOUT)

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        self.addCleanup(stop)

        def read():
            log.flush()
            with open(log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        warning = re.compile(r"terminal=true but stdin is not readable \(.+\): "
                             r"running without a terminal")
        try:
            self.wait_until(lambda: warning.search(read()), 10, "the no-terminal warning")
            q = free_port()
            self.c.start_vnet(f"{name}-user", self.route_port,
                              uses={"s": {"serveid": 750, "port": q}})
            self.wait_echo(q, 15)
            self.assertIsNone(proc.poll(), "the vnet exited")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(10), 0)
        except AssertionError:
            sys.stderr.write(f"\n----- {name} log -----\n{read()}\n")
            raise

    def test_stdin_dev_null_runs_without_a_terminal(self):
        self.run_without_terminal(stdin=subprocess.DEVNULL, name="devnull")

    def test_stdin_closed_runs_without_a_terminal(self):
        # sh closes fd 0 and execs the vnet (same pid).
        self.run_without_terminal(argv_prefix=("sh", "-c", 'exec "$0" "$@" 0<&-'),
                                  stdin=subprocess.DEVNULL, name="closed")

    def test_terminal_false_never_reads_stdin(self):
        svc = self.c.service(EchoService())
        q = free_port()
        quiet = self.c.start_vnet("quiet", self.route_port,
                                  serves={"s": {"serveid": 751, "port": svc.port}})
        quiet.wait_log(CONNECTED)
        quiet.proc.stdin.write(b"exit\nserve delete s\n")
        quiet.proc.stdin.flush()
        quiet.proc.stdin.close()
        self.c.start_vnet("quiet-user", self.route_port, uses={"s": {"serveid": 751, "port": q}})
        self.wait_echo(q, 15)
        # For a while, it keeps running and serving. A fixed wait: what is
        # checked is that nothing happens (stdin is never read), and there is
        # no event to poll for; 1 s is ample for a vnet that would read it.
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            self.c.check_alive()
            time.sleep(0.1)
        self.wait_echo(q, 5)
        self.assertNotIn("no command", quiet.log())


if __name__ == "__main__":
    unittest.main()
