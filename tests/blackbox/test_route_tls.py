"""Route admission and TLS with the real binaries (issue 9): the route's key
and fingerprint, --gen-token and --fingerprint, a CA-signed certificate
trusted by name, a token refused and accepted. (Changed keys, pins and bans
are covered in tests/e2e/admission_test.cpp.)"""

import base64
import os
import re
import ssl
import stat
import subprocess
import unittest
from unittest import mock

import harness
import wire

from harness import LOOPBACK, BlackBoxCase, binary, ini_text

CONNECTED = re.compile(r"connected to route \S+ as vnet (\d\d)")
FINGERPRINT = re.compile(r"TLS key fingerprint (SHA256:[A-Za-z0-9+/]{43})")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def spki_fingerprint(key_path, cwd):
    """What the route must print, computed by the openssl CLI."""
    der = subprocess.run(["openssl", "pkey", "-in", key_path, "-pubout", "-outform", "DER"],
                         cwd=cwd, check=True, capture_output=True).stdout
    digest = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der,
                            check=True, capture_output=True).stdout
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class RouteTlsTest(BlackBoxCase):
    def vnet(self, name, route_port, host=LOOPBACK, **route_keys):
        keys = {"ip": host, "port": route_port}
        keys.update(route_keys)
        cfg = self.c.write(f"{name}.ini", ini_text({"route": keys, "vnet": {"name": name}}))
        return self.c.start("vnet", cfg, name)

    def test_generated_key_is_kept_private_and_printed(self):
        route, port = self.c.start_route()
        key = os.path.join(self.c.dir, "route-key.pem")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        logged = route.wait_log(FINGERPRINT).group(1)
        self.assertEqual(logged, spki_fingerprint(key, self.c.dir))
        route.wait_log("no token: anyone who reaches this route can join")
        cfg = os.path.join(self.c.dir, "route.ini")
        printed = subprocess.run([binary("route"), "--fingerprint", cfg], capture_output=True,
                                 text=True, timeout=10)
        self.assertEqual((printed.returncode, printed.stdout), (0, logged + "\n"))
        token = subprocess.run([binary("route"), "--gen-token"], capture_output=True, text=True,
                               timeout=10)
        self.assertEqual(token.returncode, 0)
        self.assertRegex(token.stdout, r"^[A-Za-z0-9_-]{43}\n$")
        # The manual's files (no token, no fingerprint) still connect.
        v = self.vnet("plain", port)
        v.wait_log(CONNECTED)

    def test_under_systemd_the_key_is_kept_in_the_state_directory(self):
        # The packaged unit's /etc is read-only: the key goes to
        # $STATE_DIRECTORY (the first of its list), the file's folder stays clean.
        state = os.path.join(self.c.dir, "state")
        os.mkdir(state)
        with mock.patch.dict(os.environ, {"STATE_DIRECTORY": state + ":/nonexistent"}):
            route, port = self.c.start_route()
        key = os.path.join(state, "route-key.pem")
        self.assertEqual(route.wait_log(FINGERPRINT).group(1), spki_fingerprint(key, self.c.dir))
        self.assertFalse(os.path.exists(os.path.join(self.c.dir, "route-key.pem")))
        self.vnet("plain", port).wait_log(CONNECTED)

    def test_a_broken_key_file_stops_the_route_with_why(self):
        with open(os.path.join(self.c.dir, "route-key.pem"), "w") as f:
            f.write("not a key\n")
        cfg = self.c.write("route.ini", ini_text({"route": {"ip": LOOPBACK, "port": 0}}))
        r = subprocess.run([binary("route"), cfg], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("route-key.pem: not a PEM private key", r.stdout + r.stderr)

    def test_ca_signed_certificate_is_trusted_by_name(self):
        d = self.c.dir
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=vnet test CA", "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign", cwd=d)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=localhost", cwd=d)
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "tls.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "tls.crt", "-days", "2", "-extfile", "ext.cnf", cwd=d)
        route, port = self.c.start_route(tls_cert="tls.crt", tls_key="tls.key")
        self.assertEqual(route.wait_log(FINGERPRINT).group(1), spki_fingerprint("tls.key", d))
        self.assertFalse(os.path.exists(os.path.join(d, "route-key.pem")))
        with mock.patch.dict(os.environ, {"SSL_CERT_FILE": os.path.join(d, "ca.pem")}):
            v = self.vnet("byname", port, host="localhost")
        v.wait_log(CONNECTED)
        # Verified by the CA: nothing to remember.
        self.assertFalse(os.path.exists(os.path.join(d, "known_routes")))
        # Without the CA, the same route is trusted on first use instead.
        v.stop()
        other = self.vnet("tofu", port, host="localhost")
        other.wait_log(CONNECTED)
        with open(os.path.join(d, "known_routes")) as f:
            self.assertEqual(f.read(), f"localhost:{port} {spki_fingerprint('tls.key', d)}\n")

    def test_token_refused_then_accepted(self):
        token = "a-route-token-of-some-length"
        route, port = self.c.start_route(token=token)
        wrong = self.vnet("wrong", port, token="not-the-route-token-at-all")
        wrong.wait_log(re.compile(r"error +the route refused this vnet: admission refused: wrong token"))
        route.wait_log(re.compile(r"vnet 'wrong' from 127\.0\.0\.1:\d+ refused: admission refused: wrong token"))
        self.assertNotIn("default", wrong.log().split("admission refused")[1].splitlines()[0])
        wrong.stop()
        right = self.vnet("right", port, token=token)
        right.wait_log(CONNECTED)
        self.assertNotIn("no token", route.log())

    def test_a_refused_token_backs_off_and_says_when_it_tries_next(self):
        # Retrying a wrong token every few seconds fixes nothing and renews a
        # ban on the address: each refusal doubles the wait, one line each.
        route, port = self.c.start_route(token="a-route-token-of-some-length")
        cfg = self.c.write("wrong.ini", ini_text({
            "route": {"ip": LOOPBACK, "port": port, "token": "not-the-route-token-at-all"},
            "vnet": {"name": "wrong", "reconnect": 0.2}}))
        wrong = self.c.start("vnet", cfg, "wrong")
        line = re.compile(r"error +the route refused this vnet: admission refused: wrong token; "
                          r"next try in ([0-9.]+) s$", re.M)
        harness.wait_for(lambda: len(line.findall(wrong.log())) >= 4, 20, what="four refusals")
        waits = [float(w) for w in line.findall(wrong.log())]
        self.assertEqual(waits[:4], [0.2, 0.4, 0.8, 1.6], wrong.log())
        # The route saw as many tries as the vnet logged lines, not one every 200 ms.
        refused = re.compile(r"vnet 'wrong' from \S+ refused: admission refused: wrong token")
        self.assertLessEqual(len(refused.findall(route.log())), len(line.findall(wrong.log())) + 1)

    def test_a_stale_token_behind_a_shared_address_leaves_the_neighbours_tunnel_alone(self):
        # One office NAT: a good pair and a vnet with a stale token, all from
        # 127.0.0.1. The stale one gets the address banned; the good tunnel
        # carries every connection, byte for byte, while it is.
        token = "a-route-token-of-some-length"
        route, port = self.c.start_route(token=token)
        echo = self.c.service(harness.EchoService())
        use_port = harness.free_port()
        for name, extra in (("home", {"serve.echo": {"serveid": 700, "port": echo.port}}),
                            ("office", {"use.echo": {"serveid": 700, "port": use_port}})):
            sections = {"route": {"ip": LOOPBACK, "port": port, "token": token},
                        "vnet": {"name": name, "terminal": False}}
            sections.update(extra)
            self.c.start("vnet", self.c.write(f"{name}.ini", ini_text(sections)), name)
        self.wait_echo(use_port, timeout=15)
        stale = self.c.write("stale.ini", ini_text({
            "route": {"ip": LOOPBACK, "port": port, "token": "not-the-route-token-at-all"},
            "vnet": {"name": "stale", "reconnect": 0.1, "terminal": False}}))
        self.c.start("vnet", stale, "stale")
        route.wait_log(re.compile(r"127\.0\.0\.1: 5 failed admissions within 60 s"), timeout=20)
        ok = 0
        for i in range(150):
            data = os.urandom(1000 + i)
            if harness.exchange(use_port, data, timeout=10) == data:
                ok += 1
        self.assertEqual(ok, 150, "connections through the good tunnel during the ban")
        # The ban ends (a TLS handshake from the address goes through again;
        # the stale vnet, backing off, does not renew it): the tunnel still
        # carries every connection, no ticket lost on the way.
        def handshake_ok():
            try:
                wire.control_socket(port, timeout=2).close()
                return True
            except (OSError, ssl.SSLError):
                return False
        self.wait_until(handshake_ok, 90, "the ban's end", interval=1)
        ok = 0
        for i in range(100):
            data = os.urandom(2000 + i)
            if harness.exchange(use_port, data, timeout=10) == data:
                ok += 1
        self.assertEqual(ok, 100, "connections through the good tunnel after the ban")

if __name__ == "__main__":
    unittest.main()
