"""Where the daemons log: stderr by default, a file rotated by size with
--log-file, and under systemd (stderr is the journal) lines without a
timestamp of their own but with a <N> priority prefix for journald."""

import glob
import os
import re
import socket
import subprocess

import harness
import wire
from harness import LOOPBACK, BlackBoxCase, ini_text, wait_for

def read(path):
    with open(path) as f:
        return f.read()


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ")


class LoggingTest(BlackBoxCase):
    def route_ini(self):
        return self.c.write("route.ini", ini_text({"route": {"ip": LOOPBACK, "port": 0}}))

    def test_log_file_rotates_by_size(self):
        path = os.path.join(self.c.dir, "route.log")
        out = os.path.join(self.c.dir, "stderr.txt")
        d = harness.Daemon("route", [harness.binary("route"), "--log-file", path,
                                     "--log-file-size", "1K", self.route_ini()], out, self.c.dir)
        self.c.daemons.append(d)
        m = wait_for(lambda: os.path.exists(path) and harness.ROUTE_LISTENING.search(read(path)),
                     10, what="the listening line in the log file")
        port = int(m.group(2))
        # Each vnet that connects and leaves costs two lines (always logged).
        for i in range(40):
            conn, _ = wire.hello(port, name=f"rotator{i}")
            conn.close()
        def rotated():
            files = sorted(glob.glob(os.path.join(self.c.dir, "route*.log")))
            return len(files) == 4 and files  # route.log and three kept: route.1.log … route.3.log
        files = wait_for(rotated, 10, what="route.log rotated into route.1.log … route.3.log")
        for f in files:
            size = os.path.getsize(f)
            self.assertLessEqual(size, 1024 + 300, f)  # one line may cross the mark
            for line in read(f).splitlines():
                self.assertRegex(line, TIMESTAMP)
        self.assertEqual(d.log(), "", "nothing on stderr when logging to a file")
        self.assertTrue(d.alive())

    def test_bad_log_options(self):
        route = harness.binary("route")
        p = subprocess.run([route, "--log-file-size", "10", self.route_ini()], capture_output=True,
                           timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--log-file-size 10: not a size", p.stderr)
        os.mkdir(os.path.join(self.c.dir, "dir"))
        p = subprocess.run([route, "--log-file", os.path.join(self.c.dir, "dir"), self.route_ini()],
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"cannot write the log file", p.stderr)

    def test_journal_lines_have_priority_and_no_timestamp(self):
        out = os.path.join(self.c.dir, "journal.txt")
        open(out, "wb").close()
        st = os.stat(out)
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        with open(out, "ab") as f:
            p = subprocess.Popen([harness.binary("route"), self.route_ini()], stdin=subprocess.DEVNULL,
                                 stdout=f, stderr=f, env=env, cwd=self.c.dir)
        try:
            text = wait_for(lambda: "listening" in read(out) and read(out), 10,
                            what="the route's first line")
            port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", text).group(1))
            with socket.create_connection((LOOPBACK, port), timeout=5) as s:
                s.sendall(b"\0\0\0\2\0\x99xx")  # an unknown frame type: one warning
            wait_for(lambda: "<4>warn" in read(out), 10, what="a warning line")
        finally:
            p.terminate()
            p.wait(10)
        lines = read(out).splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>(info |warning |error|debug|trace|critical)")
            self.assertNotRegex(line[3:], TIMESTAMP)
        self.assertTrue(any(l.startswith("<6>info  route listening") for l in lines), lines)
        # The same variable naming another file is not the journal: timestamps stay.
        env["JOURNAL_STREAM"] = "1:1"
        p = subprocess.run([harness.binary("route"), "--check-config", self.route_ini()], env=env,
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 0)


class LinkLogTest(BlackBoxCase):
    def test_log_links_says_bytes_and_duration_at_info(self):
        _, port = self.c.start_route(log_links="true")
        echo = self.c.service(harness.EchoService())
        use_port = harness.free_port()
        home = self.c.start_vnet("home", port, serves={"e": {"serveid": 700, "port": echo.port}},
                                 vnet_keys={"log_links": "true"})
        office = self.c.start_vnet("office", port, uses={"e": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=15)
        data = os.urandom(100000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))
        route = self.c.daemons[0]
        # The route counts what it relays: the link's ciphertext, its hellos
        # and record headers (tens of bytes per record) over the 97.7 KiB.
        line = re.compile(r"info  link \d+ \(vnet \d\d -> serveid 700 on vnet \d\d\) closed after "
                          r"\d+\.\d s, (97\.[89]|98\.\d) KiB up, (97\.[89]|98\.\d) KiB down")
        route.wait_log(line, timeout=10)
        home.wait_log(re.compile(r"info  serve e: link \d+ closed after \d+\.\d s, 97\.7 KiB in, "
                                 r"97\.7 KiB out"), timeout=10)
        # Without the key the line stays at debug level.
        office.wait_log(re.compile(r"debug use e: link to serveid 700 closed after \d+\.\d s, "
                                   r"97\.7 KiB out, 97\.7 KiB in"), timeout=10)


if __name__ == "__main__":
    import unittest
    unittest.main()
