"""scripts/demo.sh, the README's "run it" command, as a new user runs it:
with --once it checks the page comes through and stops; at a terminal it
stays up so the printed curl can be tried, says where the logs are, and
stops cleanly on Ctrl-C, removing its files."""

import os
import pty
import re
import select
import signal
import subprocess
import time
import unittest
import urllib.request

import harness

DEMO = os.path.join(harness.REPO, "scripts", "demo.sh")


def demo_env():
    env = dict(os.environ)
    env["VNET_BIN_DIR"] = harness.BIN_DIR  # the binaries under test; no rebuild
    return env


class DemoOnce(unittest.TestCase):
    def test_once_checks_the_page_and_stops_without_inviting_a_try(self):
        harness.binary("route")
        harness.binary("vnet")
        p = subprocess.run(["bash", DEMO, "--once"], env=demo_env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn('Fetched through the tunnel:  "Hello from home, through the vnet tunnel!"',
                      p.stdout)
        self.assertIn("demo OK (--once): stopping.", p.stdout)
        self.assertNotIn("Try it", p.stdout)
        work = re.search(r"files in (\S+)\)", p.stdout).group(1)
        self.assertFalse(os.path.exists(work), "the demo's temp dir was not removed")


class DemoAtATerminal(unittest.TestCase):
    def test_stays_up_for_curl_names_its_logs_and_stops_on_ctrl_c(self):
        harness.binary("route")
        harness.binary("vnet")
        pid, fd = pty.fork()
        if pid == 0:
            os.execvpe("bash", ["bash", DEMO], demo_env())
        out = b""
        try:
            def read_until(pattern, timeout):
                nonlocal out
                deadline = time.monotonic() + timeout
                while not re.search(pattern, out):
                    left = deadline - time.monotonic()
                    self.assertGreater(left, 0, f"no {pattern!r} in demo output:\n{out.decode()}")
                    r, _, _ = select.select([fd], [], [], left)
                    if r:
                        try:
                            chunk = os.read(fd, 4096)
                        except OSError:
                            chunk = b""
                        self.assertTrue(chunk, f"demo ended early:\n{out.decode()}")
                        out += chunk

            read_until(rb"Press Ctrl-C to stop the demo\.", 60)
            text = out.decode()
            port = int(re.search(r"curl http://127\.0\.0\.1:(\d+)/", text).group(1))
            work = re.search(r"files in (\S+)\)", text).group(1)
            for name in ("route", "home", "office", "http"):
                log = os.path.join(work, name + ".log")
                self.assertIn(log, text)
                self.assertTrue(os.path.exists(log), log)
            # The printed command works while the demo runs.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                self.assertIn(b"Hello from home, through the vnet tunnel!", r.read())
            os.write(fd, b"\x03")  # Ctrl-C, as the user would
            read_until(rb"stopping \.\.\.", 10)
            deadline = time.monotonic() + 15
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                self.assertLess(time.monotonic(), deadline, "demo did not stop after Ctrl-C")
                try:
                    select.select([fd], [], [], 0.1)
                    os.read(fd, 4096)
                except OSError:
                    time.sleep(0.05)  # pty closed; nothing to poll but the pid
            pid = 0
            self.assertEqual(os.waitstatus_to_exitcode(status), 0, out.decode())
            self.assertFalse(os.path.exists(work), "the demo's temp dir was not removed")
        finally:
            if pid:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)


if __name__ == "__main__":
    unittest.main()
