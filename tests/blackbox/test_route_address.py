"""What a vnet says about its route: a wrong [route] address (an echo
service, a web server that waits for a request, nothing at all) is named as
such and never called "lost"; a real route that goes away is."""

import socket
import struct
import threading
import time
import unittest

import wire
from harness import LOOPBACK, BannerService, BlackBoxCase, EchoService, free_port


class SilentService:
    """Accepts and reads, never answers (like an HTTP server waiting for the
    end of a request)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.on_accept(conn)

    def on_accept(self, conn):
        pass  # silent: accepts and never answers

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


class RefusingRoute(SilentService):
    """Answers any hello with a protocol error frame carrying `message`."""

    def __init__(self, message, folder):
        self.message = message
        self.tls = wire.server_tls_context(folder)
        super().__init__()

    def on_accept(self, conn):
        # A route of protocol 4: TLS first (the vnet remembers this key).
        conn.settimeout(10)
        conn = self.tls.wrap_socket(conn, server_side=True)
        self.conns.append(conn)
        text = self.message
        payload = struct.pack(">HH", 0, len(text)) + text
        conn.sendall(struct.pack(">IH", len(payload), 0x11) + payload)


class RouteAddressTest(BlackBoxCase):
    def start(self, port, **vnet_keys):
        keys = {"reconnect": 30}  # one attempt is enough to read
        keys.update(vnet_keys)
        return self.c.start_vnet("home", port, vnet_keys=keys)

    def test_echo_service_is_not_a_route(self):
        echo = self.c.service(EchoService())
        v = self.start(echo.port)
        # It echoes the TLS ClientHello: not a TLS server.
        v.wait_log(f"127.0.0.1:{echo.port} answered, but not as a vnet route (no TLS: another program, "
                   f"or a route of protocol 3 or before; ", timeout=10)
        self.assertNotIn("lost", v.log())

    def test_web_server_is_not_a_route(self):
        web = self.c.service(BannerService(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
        v = self.start(web.port)
        v.wait_log(f"127.0.0.1:{web.port} answered, but not as a vnet route (no TLS: ", timeout=10)
        self.assertNotIn("lost", v.log())

    def test_silent_service_is_not_a_route(self):
        silent = SilentService()
        self.addCleanup(silent.close)
        start = time.monotonic()
        v = self.start(silent.port, dial_timeout=1)
        v.wait_log(f"the route at 127.0.0.1:{silent.port} did not finish the TLS handshake "
                   f"within 1000 ms", timeout=10)
        self.assertLess(time.monotonic() - start, 8, "took the old 10 s handshake wait or more")
        self.assertNotIn("lost", v.log())

    def test_nothing_there_cannot_be_reached(self):
        dead = free_port()
        v = self.start(dead)
        v.wait_log(f"cannot reach route 127.0.0.1:{dead}: ", timeout=10)
        self.assertNotIn("lost", v.log())
        self.assertNotIn("not as a vnet route", v.log())

    def test_route_text_is_escaped_in_the_log(self):
        fake = RefusingRoute(b"go away\x1b[31m\n2026-01-01 00:00:00.000 info  forged", self.c.dir)
        self.addCleanup(fake.close)
        v = self.start(fake.port)
        v.wait_log(r"the route refused this vnet: go away\e[31m\n2026-01-01 00:00:00.000 info  forged",
                   timeout=10)
        self.assertNotIn("\x1b", v.log())
        self.assertNotRegex(v.log(), r"(?m)^2026-01-01 00:00:00.000 info  forged")

    def test_a_route_that_goes_away_is_lost(self):
        route, port = self.c.start_route()
        v = self.start(port)
        v.wait_log("connected to route", timeout=10)
        route.stop()
        v.wait_log("lost route: ", timeout=10)
        self.assertNotIn("not as a vnet route", v.log())


if __name__ == "__main__":
    unittest.main()
