"""unserve end to end: vnet B (a terminal in a pty) asks vnet A of its group
to serve one of A's local services for it; A's policy accepts or refuses;
B then uses the granted serveid on a local port. Expiry of unused and idle
unserves with short timeouts."""

import os
import re
import signal
import socket
import time
import unittest

import harness
import vnet_terminal
from harness import LOOPBACK, EchoService, UdpEchoService, free_port, port_refuses, recv_exact, sha256
from vnet_terminal import CONNECTED, PROMPT, PROMPT_AFTER_CTRL_C, TerminalCase, table_rows

USE_HEADER = vnet_terminal.USE_HEADER
SERVE_HEADER = vnet_terminal.SERVE_HEADER
SERVES_HEADER = re.compile(
    r"(?m)^\s*serveid {2,}vnetid {2,}vnet {2,}name {2,}type {2,}ip:port {2,}info\s*$")
# The policy refuses this address first, so nothing ever dials it.
REMOTE_IP = "10.255.255.1"


def rows_under(header, text):
    m = header.search(text)
    if not m:
        raise AssertionError(f"no table header {header.pattern!r} in:\n{text}")
    return table_rows(text[m.end():])


def serves_listed(out):
    """serveids listed by `show serves`."""
    return [r[0] for r in rows_under(SERVES_HEADER, out) if r and re.fullmatch(r"\d{3}", r[0])]


class UnserveCase(TerminalCase):
    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route(**self.route_keys())
        self.echo = self.c.service(EchoService())  # registered nowhere

    def route_keys(self):
        return {}

    def start_a(self, name="A", **vnet_keys):
        keys = {"allow_unserve": True}
        keys.update(vnet_keys)
        a = self.c.start_vnet(name, self.route_port, vnet_keys=keys)
        a.vnetid = a.wait_log(CONNECTED).group(1)
        return a

    def start_b(self):
        b, _ = self.terminal("B", self.route_port)
        return b

    def ask(self, b, aid, port, ip=None, on_line=False):
        """Types an unserve for ip:port on vnet `aid`, answering the questions
        (ip None = empty answer, the default 127.0.0.1), up to the route's or
        A's answer line; returns the match of that line."""
        shown_ip = ip or "127.0.0.1"
        if on_line:
            mark = b.cursor
            b.send_line(f"unserve vnetid={aid} ip={shown_ip} port={port}")
        else:
            b.send_line("unserve")
            b.answer("to vnetid", aid)
            b.answer(r"ip\(127\.0\.0\.1\)", ip or "")
            b.answer("port", str(port))
            mark = b.cursor
        asking = b.expect(rf"(?m)^asking vnet {aid} for {re.escape(shown_ip)}:{port} \.\.\.")
        self.assertNotRegex(b.screen()[mark:asking.start()], r"to vnetid: |ip\(|port: ",
                            "a question was asked for a value given on the line")
        return b.expect(rf"(?m)^(vnet {aid} (accepted: serveid (\d{{3}})|refused: (.*?))\s*$"
                        rf"|error: .*$|.*no vnet {aid} in group .*$)", 20)

    def accept(self, b, aid, port, local_port, on_line=False):
        """A full accepted unserve; returns the granted serveid."""
        m = self.ask(b, aid, port, on_line=on_line)
        self.assertIsNotNone(m.group(3), f"not accepted: {m.group(0)!r}")
        sid = m.group(3)
        b.answer(r"ip\(127\.0\.0\.1\)", "")
        b.answer(rf"port\({port}\)", str(local_port))
        b.expect(rf"(?m)^use unserve-{sid} created: 127\.0\.0\.1:{local_port} -> serveid {sid}\s*$")
        b.expect(PROMPT)
        return sid

    def refused(self, b, aid, port, ip=None):
        """An unserve that must be refused; returns the reason text."""
        m = self.ask(b, aid, port, ip=ip, on_line=True)
        self.assertIsNotNone(m.group(4), f"not refused: {m.group(0)!r}")
        mark = b.cursor
        p = b.expect(PROMPT)
        # The command ended: no local address was asked.
        self.assertNotRegex(b.screen()[mark:p.start()], r"ip\(|port\(")
        return m.group(4)

    def no_uses(self, b):
        out = b.command("show use")
        self.assertRegex(out, r"(?m)^no uses\s*$")


class UnserveTest(UnserveCase):
    def test_unserve_through_the_questions_carries_bytes(self):
        a = self.start_a()
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local)
        a.wait_log(f"unserve {sid} for vnet {b.vnetid}: 127.0.0.1:{self.echo.port}")
        self.wait_echo(local, 10)
        data = os.urandom(400 * 1024)
        got = harness.exchange(local, data)
        self.assertEqual(len(got), len(data))
        self.assertEqual(sha256(got), sha256(data))
        self.echo.wait_record(lambda r: r == (len(data), sha256(data)), 10,
                              what="the unserved service to receive the bytes intact")
        # The link of the exchange above ends a moment after the client saw
        # its last byte: poll for the live-link count to drop to 0.
        want = [sid, f"unserve-{sid}", f"127.0.0.1:{local}", "yes", "listening", "0"]
        harness.wait_for(lambda: want in rows_under(USE_HEADER, b.command("show use")), 10,
                         what=f"show use to list {want}")
        out = b.command("show serves")
        row = [r for r in rows_under(SERVES_HEADER, out) if r[0] == sid]
        self.assertTrue(row and row[0][1] == a.vnetid, out)
        self.assertIn(f"127.0.0.1:{self.echo.port}", row[0], out)

    def test_unserve_with_arguments_on_the_line(self):
        a = self.start_a()
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        self.wait_echo(local, 10)
        data = os.urandom(200 * 1024)
        self.assertEqual(sha256(harness.exchange(local, data)), sha256(data))

    def test_serving_side_shows_the_unserve(self):
        # A is a terminal too: its show serve / show vnet list the unserve.
        a, _ = self.terminal("A", self.route_port, vnet_keys={"allow_unserve": True,
                                                            "unserve_num": 2})
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        a.expect(rf"unserve {sid} for vnet {b.vnetid}: 127\.0\.0\.1:{self.echo.port}")
        a.expect(PROMPT)
        rows = rows_under(SERVE_HEADER, a.command("show serve"))
        row = [r for r in rows if r[1] == f"unserve-127.0.0.1:{self.echo.port}"]
        self.assertTrue(row, rows)
        self.assertEqual(row[0][0], sid)
        self.assertEqual(row[0][3:6], [f"127.0.0.1:{self.echo.port}", "yes", "registered"])
        out = a.command("show vnet")
        self.assertRegex(out, r"(?m)^\s*unserve\s{2,}allow_unserve=true unserve_remote=false "
                              r"unserve_num=2, 1 alive\s*$")

    def test_temporary_use_removed_when_the_serving_vnet_leaves(self):
        a = self.start_a()
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        self.wait_echo(local, 10)
        a.stop()
        b.expect(rf"use unserve-{sid} removed: serveid {sid} is no longer offered", 10)
        b.expect(PROMPT)
        self.no_uses(b)
        self.wait_until(lambda: port_refuses(local), 5, "the temporary use to stop listening")

    # -------------------------------------------------------------- refusals

    def test_refused_when_allow_unserve_is_false(self):
        a = self.start_a(allow_unserve=False)
        b = self.start_b()
        reason = self.refused(b, a.vnetid, self.echo.port)
        self.assertEqual(reason, "allow_unserve=false on that vnet")
        a.wait_log(f"unserve request from vnet {b.vnetid} for 127.0.0.1:{self.echo.port} "
                   f"refused: allow_unserve=false on that vnet")
        self.no_uses(b)
        self.assertEqual(self.echo.accepted, 0)

    def test_refused_for_a_remote_address(self):
        a = self.start_a(unserve_remote=False)
        b = self.start_b()
        reason = self.refused(b, a.vnetid, 80, ip=REMOTE_IP)
        self.assertEqual(reason, f"{REMOTE_IP} is not a loopback address and unserve_remote=false")
        a.wait_log(f"unserve request from vnet {b.vnetid} for {REMOTE_IP}:80 refused: "
                   f"{REMOTE_IP} is not a loopback address and unserve_remote=false")
        self.no_uses(b)

    def test_refused_when_unserve_num_is_reached(self):
        a = self.start_a(unserve_num=1)
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        self.wait_echo(local, 10)
        other = self.c.service(EchoService())
        reason = self.refused(b, a.vnetid, other.port)
        self.assertEqual(reason, "unserve_num=1 reached (1 alive)")
        a.wait_log(f"unserve request from vnet {b.vnetid} for 127.0.0.1:{other.port} "
                   f"refused: unserve_num=1 reached (1 alive)")
        # The first one still works.
        data = os.urandom(64 * 1024)
        self.assertEqual(sha256(harness.exchange(local, data)), sha256(data))
        rows = rows_under(USE_HEADER, b.command("show use"))
        self.assertEqual([r[1] for r in rows], [f"unserve-{sid}"])

    def test_a_udp_service_unserved_carries_datagrams(self):
        udp_echo = self.c.service(UdpEchoService(tag=b"U"))
        a = self.start_a()
        b = self.start_b()
        local = free_port(socket.SOCK_DGRAM)
        b.send_line(f"unserve vnetid={a.vnetid} ip=127.0.0.1 port={udp_echo.port} type=udp local_port={local}")
        b.expect(rf"(?m)^asking vnet {a.vnetid} for 127\.0\.0\.1:{udp_echo.port}/udp \.\.\.")
        sid = b.expect(rf"(?m)^vnet {a.vnetid} accepted: serveid (\d{{3}})\s*$", 20).group(1)
        b.expect(rf"(?m)^use unserve-{sid} created: 127\.0\.0\.1:{local} -> serveid {sid}\s*$")
        b.expect(PROMPT)
        a.wait_log(f"unserve {sid} for vnet {b.vnetid}: 127.0.0.1:{udp_echo.port}")
        # The use takes the type from the serve list: it listens on UDP.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1)

            def answer():
                s.sendto(b"unserved?", (LOOPBACK, local))
                try:
                    return s.recvfrom(1 << 16)[0]
                except OSError:  # not listening yet: refused, or no answer
                    return None
            self.assertEqual(self.wait_until(answer, 15, "the UDP unserve to answer"), b"Uunserved?")
        row = [r for r in rows_under(SERVES_HEADER, b.command("show serves")) if r[0] == sid]
        self.assertTrue(row and row[0][4] == "udp", row)
        # Asked again for the same UDP service: the same serve.
        b.send_line(f"unserve vnetid={a.vnetid} ip=127.0.0.1 port={udp_echo.port} type=udp local_port={local}")
        b.expect(rf"(?m)^vnet {a.vnetid} accepted: serveid {sid}\s*$", 20)
        b.expect(PROMPT)
        a.wait_log(f"unserve {sid} for vnet {b.vnetid}: 127.0.0.1:{udp_echo.port} (already served)")
        self.assertRegex(b.command("unserve vnetid=01 port=53 type=sctp"), r'(?m)^error: type = "sctp": .*\nusage: unserve')

    def test_refused_when_the_service_cannot_be_reached(self):
        a = self.start_a()
        b = self.start_b()
        dead = free_port()
        reason = self.refused(b, a.vnetid, dead)
        self.assertRegex(reason, rf"^cannot reach 127\.0\.0\.1:{dead}: \S.*")
        a.wait_log(f"unserve request from vnet {b.vnetid} for 127.0.0.1:{dead} refused: "
                   f"cannot reach 127.0.0.1:{dead}: ")
        self.no_uses(b)

    def test_unknown_vnetid(self):
        self.start_a()
        b = self.start_b()
        m = self.ask(b, "77", self.echo.port, on_line=True)
        self.assertRegex(m.group(0), r"no vnet 77 in group 'default'")
        mark = b.cursor
        p = b.expect(PROMPT)
        self.assertNotRegex(b.screen()[mark:p.start()], r"ip\(|port\(")
        self.no_uses(b)

    def test_bad_arguments(self):
        b = self.start_b()
        for line in ("unserve vnetid=abc port=80", "unserve vnetid=01 port=99999",
                     "unserve vnetid=01 port=80 color=blue"):
            out = b.command(line)
            self.assertRegex(out, r"(?m)^error: .*\nusage: unserve", line)
        self.assertTrue(b.alive())
        self.no_uses(b)

    def test_ctrl_c_during_a_question_aborts(self):
        a = self.start_a()
        b = self.start_b()
        b.send_line("unserve")
        b.answer("to vnetid", a.vnetid)
        b.expect(r"^ {4}ip\(127\.0\.0\.1\): ")
        b.ctrl_c()
        b.expect(r"\^C", 5)
        b.expect(PROMPT_AFTER_CTRL_C, 5)  # the tty may echo a second ^C before it
        self.no_uses(b)
        self.assertNotIn("unserve request", a.log())


class UnserveNoAnswerTest(UnserveCase):
    def route_keys(self):
        # The route must not drop the frozen vnet before B gives up.
        return {"timeout": 60}

    def test_no_answer_from_the_vnet(self):
        a = self.start_a()
        b = self.start_b()
        os.kill(a.pid, signal.SIGSTOP)
        self.addCleanup(lambda: a.alive() and os.kill(a.pid, signal.SIGCONT))
        start = time.monotonic()
        m = self.ask(b, a.vnetid, self.echo.port, on_line=True)
        elapsed = time.monotonic() - start
        self.assertRegex(m.group(0), rf"^error: no answer from vnet {a.vnetid}\s*$")
        self.assertGreater(elapsed, 12, "gave up long before 15 s")
        os.kill(a.pid, signal.SIGCONT)
        b.expect(PROMPT)
        self.no_uses(b)


class UnserveExpiryTest(UnserveCase):
    def start_a_fast(self):
        return self.start_a(unserve_unused_timeout=1.5, unserve_idle_timeout=1.5, heartbeat=0.5)

    def assert_removed(self, a, b, sid, kind):
        a.wait_log(re.compile(rf"unserve {sid} \(127\.0\.0\.1:{self.echo.port}\) expired: "
                              rf"{kind} for 1\.50* s"), 10)
        b.expect(rf"use unserve-{sid} removed: serveid {sid} is no longer offered", 10)
        b.expect(PROMPT)
        self.poll_command(b, "show serves", lambda out: sid not in serves_listed(out),
                          what=f"serveid {sid} to leave the group")
        self.no_uses(b)

    def test_unused_unserve_expires(self):
        a = self.start_a_fast()
        b = self.start_b()
        local = free_port()
        start = time.monotonic()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        self.assertIn(sid, serves_listed(b.command("show serves")))
        self.assert_removed(a, b, sid, "unused")
        self.assertGreater(time.monotonic() - start, 1.0, "expired long before 1.5 s")
        self.wait_until(lambda: port_refuses(local), 5, "the temporary use to stop listening")

    def test_asking_again_restarts_the_unused_timer(self):
        a = self.start_a(unserve_unused_timeout=6, heartbeat=0.5)
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        # Let half of the unused time pass: the scenario needs the time to go
        # by, there is no state to wait for.
        time.sleep(3.0)
        self.assertNotIn("expired", a.log())
        again = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        asked = time.monotonic()
        self.assertEqual(again, sid)
        a.wait_log(f"unserve {sid} for vnet {b.vnetid}: 127.0.0.1:{self.echo.port} (already served)")
        a.wait_log(re.compile(rf"unserve {sid} \(127\.0\.0\.1:{self.echo.port}\) expired: unused for 6 s"),
                   15)
        # Without the restart it would expire 3 s after the repeat, not 6.
        self.assertGreater(time.monotonic() - asked, 4.5, "the repeat did not restart the unused timer")
        b.expect(rf"use unserve-{sid} removed: serveid {sid} is no longer offered", 10)

    def test_used_unserve_stays_while_connected_then_expires_when_idle(self):
        a = self.start_a_fast()
        b = self.start_b()
        local = free_port()
        sid = self.accept(b, a.vnetid, self.echo.port, local, on_line=True)
        self.wait_echo(local, 10)  # used: the unused timer no longer applies
        s = socket.create_connection((LOOPBACK, local), timeout=10)
        try:
            s.sendall(b"first")
            self.assertEqual(recv_exact(s, 5), b"first")
            # Held open for twice the idle timeout: the serve must stay. A
            # fixed sleep: "not expired after a while" has no event to poll.
            time.sleep(3.0)
            self.assertNotIn("expired", a.log())
            self.assertIn(sid, serves_listed(b.command("show serves")))
            s.sendall(b"still there")
            self.assertEqual(recv_exact(s, 11), b"still there")
        finally:
            s.close()
        closed = time.monotonic()
        self.assert_removed(a, b, sid, "idle")
        self.assertGreater(time.monotonic() - closed, 1.0, "expired long before 1.5 s of idleness")
        self.wait_until(lambda: port_refuses(local), 5, "the temporary use to stop listening")


if __name__ == "__main__":
    unittest.main()
