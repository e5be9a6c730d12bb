"""The route's accept loop survives running out of file descriptors: it logs,
backs off, and serves again as soon as descriptors are free."""

import os
import socket

import harness
from harness import BlackBoxCase, EchoService, free_port, ini_text, wait_for


class FileDescriptorLimitTest(BlackBoxCase):
    def test_route_survives_emfile(self):
        # A route allowed only 32 descriptors (a dozen go to the process itself).
        cfg = self.c.write("route.ini", ini_text({"route": {"ip": harness.LOOPBACK, "port": 0,
                                                            "handshake_timeout": 30}}))
        log = os.path.join(self.c.dir, "route.log")
        route = harness.Daemon("route", ["prlimit", "--nofile=32", harness.binary("route"),
                                         "--log-level", "debug", cfg], log, self.c.dir)
        self.c.daemons.append(route)
        port = int(route.wait_log(harness.ROUTE_LISTENING, timeout=10).group(2))

        # Hold far more connections than it may accept; they send nothing.
        hogs = []
        for _ in range(60):
            s = socket.create_connection((harness.LOOPBACK, port), timeout=5)
            hogs.append(s)
        route.wait_log("accept failed", timeout=10)
        self.assertTrue(route.alive())

        # Free them: the route must accept again and carry a tunnel.
        for s in hogs:
            s.close()
        echo = self.c.service(EchoService())
        use_port = free_port()
        self.c.start_vnet("home", port, serves={"echo": {"serveid": 700, "port": echo.port}})
        self.c.start_vnet("office", port, uses={"echo": {"serveid": 700, "port": use_port}})
        self.wait_echo(use_port, timeout=20)
        route.wait_log("accepting again", timeout=5)
        self.assertEqual(route.log().count("accept failed"), 1, "one warning per streak")
        data = os.urandom(200000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))
