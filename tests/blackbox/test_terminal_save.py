"""`save [FILE]` in the terminal: the serves and uses as they are now go
back to the file, comments and untouched lines kept, the old file kept as
FILE.bak; a restart from the saved file brings the same serves and uses back,
and a reload after a save finds nothing to change."""

import os
import socket

import harness
from harness import EchoService, UdpEchoService, free_port
from vnet_terminal import SERVE_HEADER, USE_HEADER, TerminalCase, row_by_key, table_after


def read(path):
    with open(path) as f:
        return f.read()


class SaveTest(TerminalCase):
    def test_save_then_restart_brings_the_same_state_back(self):
        _, route_port = self.c.start_route()
        svc = self.c.service(EchoService())
        use_port = free_port()
        t, cfg = self.terminal("term", route_port, uses={"old": {"serveid": 790, "port": free_port()}})
        # A comment the user wrote: it must survive.
        with open(cfg, "a") as f:
            f.write("; keep this comment\n")
        original = read(cfg)
        t.command(f"serve run web serveid=730 port={svc.port} info=saved-info")
        t.command(f"use new u730 serveid=730 port={use_port}")
        t.command("use delete old")
        out = t.command("save")
        self.assertIn(f"saved 1 serve(s) and 1 use(s) to {cfg} (the previous file is {cfg}.bak)", out)
        self.assertEqual(read(cfg + ".bak"), original)
        text = read(cfg)
        self.assertIn("; keep this comment", text)
        self.assertNotIn("[use.old]", text)
        self.assertIn(f"[serve.web]\nserveid=730\nport={svc.port}\ninfo=saved-info\n", text)
        self.assertIn(f"[use.u730]\nserveid=730\nport={use_port}\nactive=false\n", text)
        # A reload compares with the saved file now: nothing to do.
        self.assertIn("nothing changed", t.command("reload"))
        self.assertIn("already up to date", t.command("save"))
        # Saved to another file, and a bad target refused with the reason.
        other = os.path.join(self.c.dir, "copy.ini")
        self.assertIn(f"saved 1 serve(s) and 1 use(s) to {other}\n", t.command(f"save {other}"))
        self.assertEqual(read(other), text, "save as: a copy of the saved file")
        self.assertFalse(os.path.exists(other + ".bak"))
        self.assertIn("save failed:", t.command("save /proc/nope/x.ini"))
        t.send_line("exit")
        t.expect_exit = True
        self.assertEqual(t.wait_exit(10), 0)

        # A restart from the saved file: the same serve and use, the use
        # still closed; opened, it carries bytes to the saved serve.
        t3 = self.restart_from(cfg)
        rows = table_after(SERVE_HEADER, t3.command("show serve"))
        self.assertEqual(row_by_key(rows, "web")[:2], ["730", "web"])
        t3.command("use open u730")
        self.wait_echo(use_port, 15)
        data = os.urandom(100000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))

    def test_save_keeps_a_byte_order_mark_and_crlf(self):
        # Notepad's UTF-8: a byte order mark and CRLF. It loads; save must
        # keep both (it failed with "config.ini:5: syntax error: \ufeff[route]").
        _, route_port = self.c.start_route()
        t, cfg = self.terminal("term", route_port)
        windows = os.path.join(self.c.dir, "windows.ini")
        with open(cfg, "rb") as f:
            text = f.read()
        with open(windows, "wb") as f:
            f.write(b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
        use_port = free_port()
        t.command(f"use new u730 serveid=730 port={use_port}")
        out = t.command(f"save {windows}")
        self.assertIn(f"saved 0 serve(s) and 1 use(s) to {windows}", out)
        with open(windows, "rb") as f:
            saved = f.read()
        self.assertTrue(saved.startswith(b"\xef\xbb\xbf[route]\r\n"), saved)
        self.assertEqual(saved.count(b"\n"), saved.count(b"\r\n"), saved)
        self.assertIn(f"[use.u730]\r\nserveid=730\r\nport={use_port}\r\nactive=false\r\n".encode(), saved)

    def test_a_udp_serve_and_use_are_saved_with_their_type(self):
        _, route_port = self.c.start_route()
        echo = self.c.service(UdpEchoService(tag=b"U"))
        use_port = free_port(socket.SOCK_DGRAM)
        t, cfg = self.terminal("term", route_port)
        t.command(f"serve run dns serveid=731 port={echo.port} type=udp")
        t.command(f"use new u731 serveid=731 port={use_port} type=udp")
        self.assertIn(f"saved 1 serve(s) and 1 use(s) to {cfg}", t.command("save"))
        text = read(cfg)
        self.assertIn(f"[serve.dns]\nserveid=731\ntype=udp\nport={echo.port}\n", text)
        self.assertIn(f"[use.u731]\nserveid=731\nport={use_port}\ntype=udp\nactive=false\n", text)
        self.assertIn("nothing changed", t.command("reload"))
        t.send_line("exit")
        t.expect_exit = True
        self.assertEqual(t.wait_exit(10), 0)

        # The saved file brings the UDP serve and use back: a datagram crosses.
        t2 = self.restart_from(cfg)
        self.assertRegex(t2.command("show serve"), rf"127\.0\.0\.1:{echo.port}/udp")
        t2.command("use open u731")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1)

            def answer():
                s.sendto(b"back?", (harness.LOOPBACK, use_port))
                try:
                    return s.recvfrom(1 << 16)[0]
                except OSError:  # not listening yet: refused or no answer
                    return None
            self.assertEqual(self.wait_until(answer, 15, "the saved UDP use to answer"), b"Uback?")

    def restart_from(self, cfg):
        from vnet_terminal import VnetTerminal
        home = os.path.join(self.c.dir, "home-again")
        os.makedirs(home, exist_ok=True)
        t = VnetTerminal([harness.binary("vnet"), "--log-level", "info", cfg], cwd=self.c.dir,
                         name="again", env=dict(os.environ, HOME=home))
        self.track(t)
        t.wait_ready()
        t.command("ping")
        return t


if __name__ == "__main__":
    import unittest
    unittest.main()
