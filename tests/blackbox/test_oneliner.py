"""A vnet described on the command line, without a file, like `ssh -L`:
    vnet --route HOST:PORT --group G --serve 22:700 / --use 700:1122"""

import os
import re
import signal
import subprocess

import harness
from harness import LOOPBACK, BlackBoxCase, EchoService, free_port


def run(argv, timeout=10):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class OneLinerTest(BlackBoxCase):
    def start_flags(self, name, *flags):
        log = os.path.join(self.c.dir, f"{name}.log")
        d = harness.Daemon(name, [harness.binary("vnet"), "--log-level", "debug", *flags], log,
                           self.c.dir)
        self.c.daemons.append(d)
        return d

    def test_serve_and_use_without_files(self):
        _, port = self.c.start_route()
        echo = self.c.service(EchoService())
        use_port = free_port()
        route = f"{LOOPBACK}:{port}"
        home = self.start_flags("home", "--route", route, "--group", "g1", "--name", "home",
                                "--serve", f"{echo.port}:700")
        home.wait_log("serve port%d registered as serveid 700" % echo.port, timeout=10)
        office = self.start_flags("office", "--route", route, "--group", "g1",
                                  "--use", f"700:{use_port}")
        self.wait_echo(use_port, timeout=15)
        data = os.urandom(300000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))
        # There is no file: a reload says so and changes nothing.
        office.signal(signal.SIGHUP)
        office.wait_log("there is no file to reload: this vnet was started with --route", timeout=10)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))

    def test_group_is_honoured(self):
        _, port = self.c.start_route()
        echo = self.c.service(EchoService())
        use_port = free_port()
        route = f"{LOOPBACK}:{port}"
        home = self.start_flags("home", "--route", route, "--group", "g1",
                                "--serve", f"{echo.port}:700")
        home.wait_log("registered as serveid 700", timeout=10)
        other = self.start_flags("other", "--route", route, "--group", "g2",
                                 "--use", f"700:{use_port}")
        other.wait_log("serveid 700 is not offered in group 'g2'", timeout=10)
        self.assertFalse(harness.port_accepts(use_port))

    def test_check_config_and_errors(self):
        vnet = harness.binary("vnet")
        code, out, err = run([vnet, "--check-config", "--route", "127.0.0.1:7749",
                              "--use", "700:1122", "--serve", "22:701"])
        self.assertEqual(code, 0, err)
        self.assertIn("the command line: valid;", out)
        self.assertIn("1 serve(s) (1 active) and 1 use(s) (1 to open)", out)
        # A bad value: exit 1 before touching the network, naming the flag.
        code, out, err = run([vnet, "--route", "127.0.0.1:7749", "--use", "700:99999"])
        self.assertEqual(code, 1)
        self.assertIn("--use 700:99999: not a port number (1-65535)", out + err)
        code, out, err = run([vnet, "--group", "g"])
        self.assertEqual(code, 1)
        self.assertIn("--route HOST:PORT is required", out + err)
        # A file and flags together: which one? Refused as a usage error.
        code, out, err = run([vnet, "some.ini", "--route", "127.0.0.1:7749"])
        self.assertEqual(code, 2)
        self.assertIn("either a configuration file or --route", err)
        code, out, err = run([vnet, "--help"])
        self.assertEqual(code, 0)
        self.assertIn("--use SERVEID:[IP:]PORT", out)
        # The route has no such flags.
        code, out, err = run([harness.binary("route"), "--use", "700:1122"])
        self.assertEqual(code, 2)


if __name__ == "__main__":
    import unittest
    unittest.main()


class OneLinerSecretsTest(BlackBoxCase):
    """A one-liner takes its token and group key from files (never from the
    command line, which every user can read) and its pin as a flag."""

    TOKEN = "oneliner-token-0123456789abcdef"
    KEY = "oneliner-group-key-0123456789"

    def secret_file(self, name, value):
        path = os.path.join(self.c.dir, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    def test_token_group_key_and_pin_without_a_file(self):
        route, port = self.c.start_route(token=self.TOKEN)
        pin = route.wait_log(re.compile(r"TLS key fingerprint (SHA256:\S+)"), timeout=10).group(1)
        token, key = self.secret_file("token", self.TOKEN), self.secret_file("group.key", self.KEY)
        echo = self.c.service(EchoService())
        use_port = free_port()
        common = ["--route", f"{LOOPBACK}:{port}", "--group", "g", "--token-file", token,
                  "--group-key-file", key, "--fingerprint", pin]
        home = OneLinerTest.start_flags(self, "home", *common, "--name", "home", "--serve", f"{echo.port}:700")
        home.wait_log("serve port%d registered as serveid 700" % echo.port, timeout=10)
        OneLinerTest.start_flags(self, "office", *common, "--use", f"700:{use_port}")
        self.wait_echo(use_port, timeout=15)
        data = os.urandom(200000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))
        # The group key was taken: the route sees the keyed group's id, not "g".
        route.wait_log(re.compile(r"group 'k-[0-9a-f]{32}'"), timeout=10)
        # A wrong pin: refused, naming the key the route presented.
        wrong = OneLinerTest.start_flags(self, "wrong", "--route", f"{LOOPBACK}:{port}", "--token-file", token,
                                         "--fingerprint", "SHA256:" + "A" * 43)
        wrong.wait_log("presented key SHA256:", timeout=15)

    def test_a_secret_on_the_command_line_is_refused_with_advice(self):
        code, _, err = run([harness.binary("vnet"), "--route", "127.0.0.1:7749", "--token", "abc"])
        self.assertEqual(code, 2, err)
        self.assertIn("unrecognised option '--token'", err)
        self.assertIn("secrets are not taken on the command line", err)
        self.assertIn("--token-file FILE", err)
        code, _, err = run([harness.binary("vnet"), "--route", "127.0.0.1:7749", "--group-key-file",
                            os.path.join(self.c.dir, "missing")])
        self.assertEqual(code, 1, err)
        self.assertIn("--group-key-file " + os.path.join(self.c.dir, "missing") + ": cannot read it", err)
