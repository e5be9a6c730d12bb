"""reload: the `reload` command of the terminal and SIGHUP (every mode).
The file is rewritten, the vnet reloads it, and only what changed in the file
moves: added / removed / changed serves and uses, active flags, the group,
the route; a bad file changes nothing; a live connection through an untouched
use/serve pair keeps flowing, byte-exact, across reloads of other entries."""

import hashlib
import os
import re
import signal
import socket
import threading
import time
import unittest

import harness
import vnet_terminal
from harness import LOOPBACK, EchoService, free_port, port_refuses, sha256
from harness import vnet_config_text
from vnet_terminal import CONNECTED, PROMPT, TerminalCase, table_rows

USE_HEADER = vnet_terminal.USE_HEADER
SERVE_HEADER = vnet_terminal.SERVE_HEADER


def summary(s=(0, 0, 0), u=(0, 0, 0)):
    """Regex of the 'serves +A -R ~C, uses +A -R ~C' part of a reload line."""
    return rf"serves \+{s[0]} -{s[1]} ~{s[2]}, uses \+{u[0]} -{u[1]} ~{u[2]}"


def rows_under(header, text):
    m = header.search(text)
    if not m:
        raise AssertionError(f"no table header {header.pattern!r} in:\n{text}")
    return table_rows(text[m.end():])


def row_by_key(rows, key):
    for r in rows:
        if len(r) > 1 and r[1] == key:
            return r
    return None


def config_path(daemon):
    return daemon.argv[-1]


class Stream:
    """One connection through `port` to an echo service, sending paced random
    chunks and reading the echo concurrently until stop(); keeps the sha256
    and the count of both directions."""

    def __init__(self, port):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=30)
        self.sock.settimeout(30)
        self.sent = hashlib.sha256()
        self.received = hashlib.sha256()
        self.nsent = 0
        self.nrecv = 0
        self.error = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._tx = threading.Thread(target=self._send, daemon=True)
        self._rx = threading.Thread(target=self._recv, daemon=True)
        self._tx.start()
        self._rx.start()

    def _send(self):
        try:
            while not self._stop.is_set():
                chunk = os.urandom(16 * 1024)
                self.sock.sendall(chunk)
                with self._lock:
                    self.sent.update(chunk)
                    self.nsent += len(chunk)
                time.sleep(0.002)  # pacing: a steady flow, not a fixed wait
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error.append(e)

    def _recv(self):
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return
                with self._lock:
                    self.received.update(chunk)
                    self.nrecv += len(chunk)
        except OSError as e:
            self.error.append(e)

    def received_bytes(self):
        with self._lock:
            return self.nrecv

    def finish(self, timeout=30):
        self._stop.set()
        self._tx.join(timeout)
        self._rx.join(timeout)
        return self.nsent, self.sent.hexdigest(), self.nrecv, self.received.hexdigest()

    def close(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass


class ReloadCase(TerminalCase):
    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()

    def rewrite(self, path, name, **kw):
        """Rewrites a vnet's file (same keys as Cluster.start_vnet)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(vnet_config_text(name, self.route_port, **kw))

    def sighup(self, daemon, expect, timeout=10):
        """SIGHUP to a terminal=false vnet; waits for both log lines; `expect`
        is the regex after 'reloaded PATH: '."""
        path = config_path(daemon)
        offset = len(daemon.log())
        daemon.signal(signal.SIGHUP)
        started = re.compile(rf"SIGHUP: reloading {re.escape(path)}")
        done = re.compile(rf"reloaded {re.escape(path)}: {expect}\s*$", re.M)
        self.wait_until(lambda: started.search(daemon.log(), offset), timeout,
                        f"'SIGHUP: reloading {path}' in the log of {daemon.name}")
        self.wait_until(lambda: done.search(daemon.log(), offset), timeout,
                        f"'reloaded {path}: {expect}' in the log of {daemon.name}")

    def reload(self, term, expect, arg="", path=None):
        """The `reload` command; returns its output."""
        out = term.command(f"reload {arg}".strip())
        shown = re.escape(path) if path else r"\S+"
        self.assertRegex(out, rf"(?m)^reloaded {shown}: {expect}\s*$")
        return out

    def exact(self, port, service, size=128 * 1024):
        """A byte-exact exchange through port that reaches `service`."""
        data = os.urandom(size)
        got = harness.exchange(port, data)
        self.assertEqual(sha256(got), sha256(data))
        service.wait_record(lambda r: r == (len(data), sha256(data)), 10,
                            what="the payload at the expected service")

    def wait_refuses(self, port, what):
        self.wait_until(lambda: port_refuses(port), 10, what)


class SighupTest(ReloadCase):
    """terminal=false vnets reloaded by SIGHUP: home serves, office uses."""

    def setUp(self):
        super().setUp()
        c = self.c
        self.echo_a, self.echo_b, self.echo_c, self.echo_d = (
            c.service(EchoService()) for _ in range(4))
        self.home_serves = {"a": {"serveid": 700, "port": self.echo_a.port},
                            "b": {"serveid": 701, "port": self.echo_b.port}}
        self.pa, self.pb, self.pc = free_port(), free_port(), free_port()
        self.office_uses = {"a": {"serveid": 700, "port": self.pa},
                            "b": {"serveid": 701, "port": self.pb},
                            "c": {"serveid": 702, "port": self.pc}}
        self.home = c.start_vnet("home", self.route_port, serves=self.home_serves)
        self.office = c.start_vnet("office", self.route_port, uses=self.office_uses)
        self.wait_echo(self.pa, 15)
        self.wait_echo(self.pb, 15)

    def rewrite_home(self, **kw):
        kw.setdefault("serves", self.home_serves)
        self.rewrite(config_path(self.home), "home", terminal=False, **kw)

    def rewrite_office(self, **kw):
        kw.setdefault("uses", self.office_uses)
        self.rewrite(config_path(self.office), "office", terminal=False, **kw)

    def test_nothing_changed(self):
        self.rewrite_home()
        self.sighup(self.home, "nothing changed")
        self.exact(self.pa, self.echo_a)

    def test_serves_added_removed_changed(self):
        self.rewrite_home(serves={"a": {"serveid": 700, "port": self.echo_d.port},  # changed
                                  "c": {"serveid": 702, "port": self.echo_c.port}})  # added; b removed
        self.sighup(self.home, summary(s=(1, 1, 1)))
        self.wait_refuses(self.pb, "the use of the removed serve 701 to stop listening")
        self.wait_echo(self.pc, 10, "the use of the added serve 702 to work")
        self.exact(self.pc, self.echo_c)
        self.wait_echo(self.pa, 10)
        self.exact(self.pa, self.echo_d)  # 700 now reaches the new port
        self.assertTrue(self.home.alive() and self.office.alive())

    def test_uses_added_removed_changed(self):
        pa2, pd = free_port(), free_port()
        self.rewrite_office(uses={"a": {"serveid": 700, "port": pa2},     # changed
                                  "c": {"serveid": 702, "port": self.pc},  # untouched
                                  "d": {"serveid": 701, "port": pd}})      # added; b removed
        self.sighup(self.office, summary(u=(1, 1, 1)))
        self.wait_refuses(self.pa, "the changed use to leave its old port")
        self.wait_refuses(self.pb, "the removed use to stop listening")
        self.wait_echo(pa2, 10)
        self.exact(pa2, self.echo_a)
        self.wait_echo(pd, 10)
        self.exact(pd, self.echo_b)

    def test_active_flag_only_closes_and_opens(self):
        uses = {k: dict(v) for k, v in self.office_uses.items()}
        uses["a"]["active"] = False
        self.rewrite_office(uses=uses)
        self.sighup(self.office, summary(u=(0, 0, 1)))
        self.wait_refuses(self.pa, "the use made inactive to stop listening")
        self.exact(self.pb, self.echo_b)
        uses["a"]["active"] = True
        self.rewrite_office(uses=uses)
        self.sighup(self.office, summary(u=(0, 0, 1)))
        self.wait_echo(self.pa, 10)
        self.exact(self.pa, self.echo_a)

    def test_group_change_moves_the_serves(self):
        self.rewrite_home(group="g2")
        self.sighup(self.home, summary() + r", group default -> g2")
        self.wait_refuses(self.pa, "the default group to lose serve 700")
        self.route.wait_log(re.compile(r"\(home\) connected from .*group 'g2'"), 10)
        pg = free_port()
        self.c.start_vnet("g2office", self.route_port, group="g2",
                          uses={"a": {"serveid": 700, "port": pg}})
        self.wait_echo(pg, 15, "a vnet of group g2 to reach serve 700")
        self.exact(pg, self.echo_a)

    def test_name_change(self):
        self.rewrite_home(vnet_keys={"name": "house"})
        self.sighup(self.home, summary() + r", name home -> house")
        self.wait_echo(self.pa, 10)
        self.exact(self.pa, self.echo_a)

    def test_max_links_per_serve_applies_to_the_next_link(self):
        """Once reported as 'nothing changed': the new quota is named in the
        summary and refuses the next link over it."""
        self.rewrite_home(vnet_keys={"max_links_per_serve": 1})
        self.sighup(self.home, r"max_links_per_serve auto -> 1")
        held = []

        def hold():
            """One link through pa that echoes, kept open. Polled: home may
            still count a link of setUp's whose close it has not seen."""
            s = socket.create_connection((LOOPBACK, self.pa), timeout=10)
            try:
                s.sendall(b"ping")
                if harness.recv_exact(s, 4) == b"ping":
                    held.append(s)
                    return True
            except (OSError, EOFError):
                pass
            s.close()
            return False

        self.wait_until(hold, 15, "one link through the use of serve a")
        with held[0]:
            offset = len(self.home.log())
            got = harness.exchange(self.pa, b"x" * 1024, may_be_cut=True)
            self.assertEqual(got, b"", "a second link to serve a must be refused")
            self.home.wait_log(re.compile(r"carries at most 1 link to serve 'a' "
                                          r"\(raise \[vnet\] max_links_per_serve\)"), 10)
            self.assertIn("max_links_per_serve", self.home.log()[offset:])
        # Once home has seen the held link close, a link goes through again
        # (polled: until then it is still the one link allowed).
        data = os.urandom(64 * 1024)
        self.wait_until(lambda: sha256(harness.exchange(self.pa, data, may_be_cut=True)) == sha256(data),
                        15, "a byte-exact link through pa once the held one closed")
        # The other [vnet] keys: each named in the summary, none "nothing changed".
        edits = [({"log_links": True}, r"log_links false -> true"),
                 ({"dial_timeout": 9}, r"dial_timeout 5 -> 9"),
                 ({"heartbeat": 2}, r"heartbeat 6 -> 2 \(at the next connection\)"),
                 ({"metrics": f"{LOOPBACK}:{free_port()}"},
                  r"metrics/status_token changed: needs a restart")]
        keys = {"max_links_per_serve": 1}
        for more, expect in edits:
            keys.update(more)
            self.rewrite_home(vnet_keys=keys)
            self.sighup(self.home, expect)
        self.exact(self.pb, self.echo_b)

    def test_route_change_reconnects(self):
        route2, port2 = self.c.start_route(name="route2")
        path = config_path(self.home)
        text = vnet_config_text("home", port2, serves=self.home_serves, terminal=False)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.sighup(self.home, summary() + rf", route 127\.0\.0\.1:{self.route_port} -> "
                                           rf"127\.0\.0\.1:{port2}")
        route2.wait_log("(home) connected", 10)
        self.wait_refuses(self.pa, "the first route's group to lose serve 700")
        q = free_port()
        self.c.start_vnet("office2", port2, uses={"a": {"serveid": 700, "port": q}})
        self.wait_echo(q, 15)
        self.exact(q, self.echo_a)

    def test_bad_file_changes_nothing(self):
        path = config_path(self.home)
        with open(path, encoding="utf-8") as f:
            good = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(good.replace(f"port={self.echo_b.port}", "port=abc"))
        offset = len(self.home.log())
        self.home.signal(signal.SIGHUP)
        failed = re.compile(r"error.*reload failed, nothing changed: .*abc")
        self.wait_until(lambda: failed.search(self.home.log(), offset), 10,
                        "'reload failed, nothing changed: ...' in home's log")
        self.assertNotRegex(self.home.log()[offset:], r"reloaded ")
        # Everything still works.
        self.exact(self.pa, self.echo_a, 512 * 1024)
        self.exact(self.pb, self.echo_b)
        # The file is compared with the last one loaded: restored, nothing changed.
        with open(path, "w", encoding="utf-8") as f:
            f.write(good)
        self.sighup(self.home, "nothing changed")
        self.assertTrue(self.home.alive())


class ReloadCommandTest(ReloadCase):
    """A terminal vnet "term" (pty) serving x=760 and using home's 700 as u700;
    home (terminal=false) serves 700 and 701; "user" uses term's 760 and 761."""

    def setUp(self):
        super().setUp()
        c = self.c
        self.echo_a, self.echo_b, self.echo_x, self.echo_x2, self.echo_y = (
            c.service(EchoService()) for _ in range(5))
        self.home = c.start_vnet("home", self.route_port, serves={
            "a": {"serveid": 700, "port": self.echo_a.port},
            "b": {"serveid": 701, "port": self.echo_b.port}})
        self.pu = free_port()
        self.serves = {"x": {"serveid": 760, "port": self.echo_x.port}}
        self.uses = {"u700": {"serveid": 700, "port": self.pu}}
        self.term, self.cfg = self.terminal("term", self.route_port, serves=self.serves,
                                            uses=self.uses)
        self.px, self.py = free_port(), free_port()
        self.user = c.start_vnet("user", self.route_port, uses={
            "x": {"serveid": 760, "port": self.px},
            "y": {"serveid": 761, "port": self.py}})
        self.wait_echo(self.pu, 15)
        self.wait_echo(self.px, 15)

    def rewrite_term(self, path=None, **kw):
        kw.setdefault("serves", self.serves)
        kw.setdefault("uses", self.uses)
        self.rewrite(path or self.cfg, "term", **kw)

    def test_reload_unchanged_file(self):
        self.reload(self.term, "nothing changed", path=self.cfg)

    def test_reload_adds_changes_and_removes(self):
        q = free_port()
        # + serve y (761), + use u701
        self.rewrite_term(serves=dict(self.serves, y={"serveid": 761, "port": self.echo_y.port}),
                          uses=dict(self.uses, u701={"serveid": 701, "port": q}))
        self.reload(self.term, summary(s=(1, 0, 0), u=(1, 0, 0)), path=self.cfg)
        self.wait_echo(self.py, 10, "the added serve 761 to be reachable")
        self.exact(self.py, self.echo_y)
        self.wait_echo(q, 10, "the added use u701 to listen")
        self.exact(q, self.echo_b)
        out = self.term.command("show serve")
        self.assertEqual(row_by_key(rows_under(SERVE_HEADER, out), "y")[:2], ["761", "y"], out)

        # ~ serve x (new port), ~ use u700 (new local port)
        pu2 = free_port()
        serves = {"x": {"serveid": 760, "port": self.echo_x2.port},
                  "y": {"serveid": 761, "port": self.echo_y.port}}
        uses = {"u700": {"serveid": 700, "port": pu2}, "u701": {"serveid": 701, "port": q}}
        self.rewrite_term(serves=serves, uses=uses)
        self.reload(self.term, summary(s=(0, 0, 1), u=(0, 0, 1)), path=self.cfg)
        self.wait_refuses(self.pu, "u700 to leave its old port")
        self.wait_echo(pu2, 10)
        self.exact(pu2, self.echo_a)
        self.wait_echo(self.px, 10)
        self.exact(self.px, self.echo_x2)
        self.exact(self.py, self.echo_y)  # untouched

        # - serve y, - use u701
        self.rewrite_term(serves={"x": serves["x"]}, uses={"u700": uses["u700"]})
        self.reload(self.term, summary(s=(0, 1, 0), u=(0, 1, 0)), path=self.cfg)
        self.wait_refuses(self.py, "the removed serve 761 to leave the group")
        self.wait_refuses(q, "the removed use u701 to stop listening")
        self.assertIsNone(row_by_key(rows_under(SERVE_HEADER, self.term.command("show serve")),
                                     "y"))
        self.assertIsNone(row_by_key(rows_under(USE_HEADER, self.term.command("show use")),
                                     "u701"))
        self.exact(pu2, self.echo_a)

    def test_reload_compares_with_the_file_not_with_terminal_edits(self):
        t = self.term
        tmp_port = free_port()
        self.assertRegex(t.command(f"serve new tmp port={tmp_port}"),
                         r"(?m)^serve tmp created \(inactive\)\s*$")
        self.assertRegex(t.command("serve close x"), r"(?m)^serve x closed\s*$")
        self.wait_refuses(self.px, "the closed serve's use to stop listening")
        self.reload(t, "nothing changed", path=self.cfg)
        rows = rows_under(SERVE_HEADER, t.command("show serve"))
        self.assertIsNotNone(row_by_key(rows, "tmp"), "reload removed a serve made at the terminal")
        self.assertEqual(row_by_key(rows, "x")[4:6], ["no", "inactive"],
                         "reload reopened a serve closed at the terminal")
        self.assertTrue(port_refuses(self.px))

    def test_reload_bad_file_changes_nothing(self):
        t = self.term
        with open(self.cfg, encoding="utf-8") as f:
            good = f.read()
        with open(self.cfg, "w", encoding="utf-8") as f:
            f.write(good.replace(f"port={self.pu}", "port=abc"))
        out = t.command("reload")
        self.assertRegex(out, r"(?m)^error: reload failed, nothing changed: .*abc")
        self.assertNotRegex(out, r"(?m)^reloaded ")
        self.exact(self.pu, self.echo_a, 512 * 1024)
        self.exact(self.px, self.echo_x)
        out = t.command("reload nosuch.ini")
        self.assertRegex(out, r"(?m)^error: reload failed, nothing changed: .*nosuch\.ini")
        out = t.command("show vnet")
        self.assertRegex(out, rf"(?m)^\s*config\s{{2,}}{re.escape(self.cfg)}\s*$",
                         "a failed reload changed the current file")
        with open(self.cfg, "w", encoding="utf-8") as f:
            f.write(good)
        self.reload(t, "nothing changed", path=self.cfg)

    def test_reload_other_file_becomes_current(self):
        t = self.term
        other = os.path.join(self.c.dir, "other.ini")
        self.rewrite_term(path=other,
                          serves=dict(self.serves, y={"serveid": 761, "port": self.echo_y.port}))
        out = self.reload(t, summary(s=(1, 0, 0)), arg="other.ini")
        self.assertRegex(out, r"(?m)^reloaded \S*other\.ini: ")
        self.wait_echo(self.py, 10)
        self.exact(self.py, self.echo_y)
        self.assertRegex(t.command("show vnet"), r"(?m)^\s*config\s{2,}\S*other\.ini\s*$")
        out = self.reload(t, "nothing changed")
        self.assertRegex(out, r"(?m)^reloaded \S*other\.ini: nothing changed\s*$")

    def test_reload_group_change(self):
        t = self.term
        self.rewrite_term(group="g2")
        self.reload(t, summary() + r", group default -> g2", path=self.cfg)
        self.poll_command(t, "show vnet",
                          lambda out: re.search(r"(?m)^\s*group\s{2,}g2\s*$", out)
                          and re.search(r"(?m)^\s*route\s{2,}\S+ \(connected\)\s*$", out),
                          what="term connected in group g2")
        self.wait_refuses(self.px, "the default group to lose serve 760")
        self.wait_refuses(self.pu, "term's use of default's 700 to stop listening")
        q = free_port()
        self.c.start_vnet("g2user", self.route_port, group="g2",
                          uses={"x": {"serveid": 760, "port": q}})
        self.wait_echo(q, 15, "a vnet of group g2 to reach term's serve 760")
        self.exact(q, self.echo_x)
        out = t.command("show use")
        # `show use` adds the reason when the vnet knows it.
        self.assertRegex(row_by_key(rows_under(USE_HEADER, out), "u700")[4], r"^standing by(: .+)?$", out)

    def test_sighup_in_terminal_mode(self):
        t = self.term
        self.rewrite_term(serves=dict(self.serves, y={"serveid": 761, "port": self.echo_y.port}))
        t.signal(signal.SIGHUP)
        t.expect(rf"SIGHUP: reloading {re.escape(self.cfg)}")
        t.expect(rf"reloaded {re.escape(self.cfg)}: {summary(s=(1, 0, 0))}")
        t.expect(PROMPT)
        self.wait_echo(self.py, 10)
        self.assertTrue(t.alive())
        self.assertRegex(t.command("ping"), r"answered in")


class LiveConnectionTest(ReloadCase):
    """A transfer through an untouched use/serve pair flows on, byte-exact,
    while both vnets reload files that change their other entries."""

    def run_stream_across(self, port, service, reloads):
        stream = Stream(port)
        self.addCleanup(stream.close)
        self.wait_until(lambda: stream.received_bytes() >= 512 * 1024, 20,
                        "512 KB to flow before the reloads")
        reloads()
        after = stream.received_bytes()
        self.wait_until(lambda: stream.received_bytes() >= after + 512 * 1024 or stream.error,
                        20, "512 KB more to flow after the reloads")
        self.assertEqual(stream.error, [], "the connection broke")
        nsent, sent, nrecv, got = stream.finish()
        self.assertEqual(stream.error, [], "the connection broke")
        self.assertEqual(nrecv, nsent)
        self.assertEqual(got, sent)
        service.wait_record(lambda r: r == (nsent, sent), 10,
                            what="the service to receive the whole stream intact")

    def test_terminal_user_reload_and_serving_sighup(self):
        c = self.c
        echo_a, echo_b, echo_c = (c.service(EchoService()) for _ in range(3))
        home = c.start_vnet("home", self.route_port, serves={
            "a": {"serveid": 700, "port": echo_a.port},
            "b": {"serveid": 701, "port": echo_b.port}})
        pa, pb, pb2, pc = free_port(), free_port(), free_port(), free_port()
        term, cfg = self.terminal("term", self.route_port, uses={
            "a": {"serveid": 700, "port": pa}, "b": {"serveid": 701, "port": pb}})
        self.wait_echo(pa, 15)
        self.wait_echo(pb, 15)

        def reloads():
            self.rewrite(config_path(home), "home", terminal=False, serves={
                "a": {"serveid": 700, "port": echo_a.port},
                "c": {"serveid": 702, "port": echo_c.port}})
            self.sighup(home, summary(s=(1, 1, 0)))
            self.rewrite(cfg, "term", uses={
                "a": {"serveid": 700, "port": pa},
                "b": {"serveid": 701, "port": pb2},
                "c": {"serveid": 702, "port": pc}})
            self.reload(term, summary(u=(1, 0, 1)), path=cfg)
            self.wait_echo(pc, 10, "the added use of the added serve to work")

        self.run_stream_across(pa, echo_a, reloads)
        self.exact(pa, echo_a)  # the listener of the untouched use is still there
        self.exact(pc, echo_c)
        self.assertTrue(port_refuses(pb) and port_refuses(pb2))

    def test_terminal_server_reload_and_using_sighup(self):
        c = self.c
        echo_a, echo_b, echo_c = (c.service(EchoService()) for _ in range(3))
        term, cfg = self.terminal("term", self.route_port, serves={
            "a": {"serveid": 700, "port": echo_a.port},
            "b": {"serveid": 701, "port": echo_b.port}})
        pa, pb, pc = free_port(), free_port(), free_port()
        office = c.start_vnet("office", self.route_port, uses={
            "a": {"serveid": 700, "port": pa}, "b": {"serveid": 701, "port": pb}})
        self.wait_echo(pa, 15)
        self.wait_echo(pb, 15)

        def reloads():
            self.rewrite(cfg, "term", serves={
                "a": {"serveid": 700, "port": echo_a.port},
                "b": {"serveid": 701, "port": echo_c.port}})  # b changed
            self.reload(term, summary(s=(0, 0, 1)), path=cfg)
            self.rewrite(config_path(office), "office", terminal=False, uses={
                "a": {"serveid": 700, "port": pa},
                "c": {"serveid": 701, "port": pc}})  # b removed, c added
            self.sighup(office, summary(u=(1, 1, 0)))
            self.wait_echo(pc, 10)

        self.run_stream_across(pa, echo_a, reloads)
        self.exact(pc, echo_c)
        self.exact(pa, echo_a)


if __name__ == "__main__":
    unittest.main()
