"""Every example config of the manual (tests/fixtures/manual_*.ini) loads
unchanged, and the manual's home/office ssh scenario works on loopback.

The manual's files name a made-up public address (10.12.140.180). Tests send
traffic to loopback only, so the files are validated with --check-config
(which opens no socket), and the scenario runs on copies in which only the
addresses and ports are moved to loopback."""

import glob
import os
import re
import socket
import subprocess
import unittest

import harness
from harness import BlackBoxCase, EchoService, free_port

SECTION = re.compile(r"^\s*\[([^\]]+)\]", re.M)


def manual_configs():
    return sorted(glob.glob(os.path.join(harness.FIXTURES, "manual_*.ini")))


def fixture(name):
    with open(os.path.join(harness.FIXTURES, name), encoding="utf-8") as f:
        return f.read()


def set_key(text, section, key, value):
    """Replaces `key=...` inside [section] of an ini text, keeping the rest of
    the line (its comment) as it is."""
    out, current, done = [], None, False
    for line in text.splitlines(keepends=True):
        m = SECTION.match(line)
        if m:
            current = m.group(1).strip()
        elif current == section and not done:
            km = re.match(rf"^(\s*{key}\s*=\s*)([^\s;]*)(.*)$", line, re.S)
            if km:
                line = f"{km.group(1)}{value}{km.group(3)}"
                done = True
        out.append(line)
    assert done, f"[{section}] {key} not found"
    return "".join(out)


class ManualConfigsTest(unittest.TestCase):
    def setUp(self):
        self.configs = manual_configs()
        if not self.configs:
            self.fail(f"no manual_*.ini in {harness.FIXTURES} (VNET_FIXTURES)")

    def check(self, kind, path):
        return subprocess.run([harness.binary(kind), "--check-config", path],
                              capture_output=True, text=True, timeout=10)

    def test_every_example_is_valid_for_vnet(self):
        for path in self.configs:
            with self.subTest(config=os.path.basename(path)):
                r = self.check("vnet", path)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("valid", r.stdout)
                # Every key the manual writes is known.
                self.assertNotRegex(r.stderr, re.compile(r"unknown (key|section)", re.I), path)

    def test_route_examples_are_valid_for_route(self):
        for path in self.configs:
            with open(path, encoding="utf-8") as f:
                if [s.strip() for s in SECTION.findall(f.read())] != ["route"]:
                    continue
            with self.subTest(config=os.path.basename(path)):
                r = self.check("route", path)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertRegex(r.stdout, r"would listen on (127\.0\.0\.1|0\.0\.0\.0):7749")


class ManualScenarioTest(BlackBoxCase):
    """The manual's example: host A at home serves ssh as 700, host B at the
    office uses it on port 1122 and runs `ssh -p 1122 user@127.0.0.1`."""

    def test_home_and_office_configs_carry_a_session(self):
        route, route_port = self.c.start_route()
        ssh = self.c.service(harness.BannerService(b"SSH-2.0-OpenSSH_9.2 manual-test\r\n"))
        office_port = free_port()

        home = fixture("manual_home_a.ini")
        home = set_key(home, "route", "ip", "127.0.0.1")
        home = set_key(home, "route", "port", route_port)
        home = set_key(home, "serve.ssh", "port", ssh.port)
        office = fixture("manual_office_b.ini")
        office = set_key(office, "route", "ip", "127.0.0.1")
        office = set_key(office, "route", "port", route_port)
        office = set_key(office, "use.ssh", "port", office_port)

        a = self.c.start("vnet", self.c.write("home.ini", home), "home")
        b = self.c.start("vnet", self.c.write("office.ini", office), "office")
        a.wait_log("serve ssh registered as serveid 700", timeout=10)
        b.wait_log(f"use ssh listening on 127.0.0.1:{office_port} for serveid 700", timeout=10)

        # Like ssh: the server's banner arrives first (and here its FIN after
        # it), while the client's bytes keep flowing the other way.
        with socket.create_connection(("127.0.0.1", office_port), timeout=10) as s:
            banner = harness.recv_all(s)
            self.assertEqual(banner, b"SSH-2.0-OpenSSH_9.2 manual-test\r\n")
            payload = os.urandom(100000)
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        ssh.wait_record(lambda r: r == (len(payload), harness.sha256(payload)), 10,
                        what="the client's bytes at the ssh stand-in")

if __name__ == "__main__":
    unittest.main()
