"""vnet fixtures for the terminal tests, on top of the generic pty driver
(pty_session.py): a terminal=true vnet in a pty, its config text, the tables
it prints, and a test case that owns such sessions. Shared by the
test_terminal_*, unserve and reload tests.

Every terminal vnet gets its own HOME (inside the test's temp dir): the
terminal keeps its history in ~/.vnet_history, and a test must never write
the user's.
"""

import os
import re
import socket
import sys

import harness
from harness import LOOPBACK, binary, recv_exact, vnet_config_text
from pty_session import PtySession

PROMPT = re.compile(r"^>: ", re.MULTILINE)
# The prompt after a Ctrl-C at a prompt or question. The pty's own echo of
# "^C" may land just before it: the kernel echoes the signal character after
# it sent SIGINT, and by then the vnet may have put the tty back in echo mode.
PROMPT_AFTER_CTRL_C = re.compile(r"^(\^C)?>: ", re.MULTILINE)
CONNECTED = re.compile(r"connected to route \S+ as vnet (\d\d)")

# The headers of the `show` tables.
# show serve and show use end with the links now; a serve's or use's totals
# are in its detail view (`show serve KEY`, details()). A row's reason is on
# lines of its own under it ("  why: ..."), which table_rows() leaves out and
# notes_under() gives.
WHY = re.compile(r"^(  why: |       )")
SERVE_HEADER = re.compile(
    r"(?m)^\s*serveid {2,}key {2,}name {2,}ip:port {2,}active {2,}state {2,}links\s*$")
USE_HEADER = re.compile(
    r"(?m)^\s*serveid {2,}key {2,}listen {2,}active {2,}state {2,}links\s*$")
SERVES_HEADER = re.compile(
    r"(?m)^\s*serveid {2,}vnetid {2,}vnet {2,}name {2,}type {2,}ip:port {2,}info\s*$")
VNETS_HEADER = re.compile(r"(?m)^\s*vnetid {2,}name {2,}links\s*$")
COMMANDS = ["help", "show", "serve", "use", "unserve", "ping", "reload", "save", "exit"]
# "standing by", with or without the reason why.
STANDING_BY = re.compile(r"^standing by(: .+)?$")


class VnetTerminal(PtySession):
    """A vnet with terminal=true in a pty, with helpers for its commands."""

    def __init__(self, argv, cwd=None, name="term", **kw):
        super().__init__(argv, cwd=cwd, name=name, **kw)
        self.vnetid = None

    def wait_ready(self, timeout=15.0):
        """Waits for the prompt and for the session with the route; returns
        this vnet's id (2 digits). The cursor ends after a prompt."""
        m = self.expect(CONNECTED, timeout)
        self.vnetid = m.group(1)
        self.expect(PROMPT, timeout)
        return self.vnetid

    def command(self, line, timeout=10.0):
        """Types `line` and Enter at the prompt; returns the cleaned output
        between the echoed line and the next prompt (log lines that arrived
        meanwhile included). The cursor ends after that prompt."""
        self.send_line(line)
        # The echo of what was typed (readline redraws it; match the text).
        self.expect(re.escape(line) + r"[ \t]*\n", timeout)
        start = self.cursor
        m = self.expect(PROMPT, timeout)
        return self.screen()[start:m.start()]

    def answer(self, question, text, timeout=10.0):
        """Waits for a sub-question (e.g. r"port\\(auto\\)") and answers it."""
        m = self.expect(r"^ {4}" + question + r": ", timeout)
        self.send_line(text)
        return m


def start_terminal_vnet(cluster, name, route_port, group="default", serves=None, uses=None,
                        vnet_keys=None, log_level="info", filename=None, home=None):
    """Writes a terminal=true vnet config into the cluster's dir and starts it
    in a pty, with HOME=`home` (default: a fresh dir in the cluster's dir).
    Returns (VnetTerminal, config path). The caller must close it."""
    cfg = cluster.write(filename or f"{name}.ini",
                        vnet_config_text(name, route_port, group, serves, uses, vnet_keys))
    if home is None:
        home = os.path.join(cluster.dir, f"home-{name}")
        os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home)
    term = VnetTerminal([binary("vnet"), "--log-level", log_level, cfg], cwd=cluster.dir,
                        name=name, env=env)
    return term, cfg


def table_rows(text):
    """Splits table output into rows of cells (cells separated by 2+ spaces)."""
    rows = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line.strip() or WHY.match(line):
            continue
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def why_under(text, first_cells):
    """The reason printed under the table row that begins with `first_cells`
    (its "  why: " line and the lines that continue it, joined), or None."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if WHY.match(line) or re.split(r"\s{2,}", line.strip())[:len(first_cells)] != list(first_cells):
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("  why: "):
            return None
        why = [lines[i + 1][7:]]
        for more in lines[i + 2:]:
            if not more.startswith("       "):
                break
            why.append(more.strip())
        return " ".join(why)
    return None


def details(text):
    """{field: value} of a detail view (show serve KEY, show use KEY); a
    wrapped value joined with spaces."""
    out, last = {}, None
    for line in text.splitlines():
        m = re.match(r"^(\S+) {2,}(\S.*)$", line)
        if m:
            last = m.group(1)
            out[last] = m.group(2).strip()
        elif last and line.startswith(" ") and line.strip():
            out[last] += " " + line.strip()
    return out


def table_after(header, text):
    """The rows of the table under `header` in `text` (cells split on 2+ spaces)."""
    m = header.search(text)
    if not m:
        raise AssertionError(f"no table header {header.pattern!r} in:\n{text}")
    return table_rows(text[m.end():])


def row_by_key(rows, key, col=1):
    for r in rows:
        if len(r) > col and r[col] == key:
            return r
    return None


def find_row(text, first=None, **cells):
    """The first table row (list of cells) whose cells match: first= the
    first cell, or index=value via cells like c1="key"."""
    for row in table_rows(text):
        if first is not None and (not row or row[0] != first):
            continue
        ok = True
        for k, v in cells.items():
            i = int(k[1:])
            if len(row) <= i or row[i] != v:
                ok = False
                break
        if ok:
            return row
    return None


def hold_connection(port):
    """A connection through `port` that has carried one echo round trip."""
    s = socket.create_connection((LOOPBACK, port), timeout=10)
    s.settimeout(10)
    s.sendall(b"hold")
    assert recv_exact(s, 4) == b"hold"
    return s


def closed_by_peer(sock, timeout=10.0):
    """True when the peer closes `sock` (EOF or reset) within `timeout`."""
    sock.settimeout(timeout)
    try:
        return sock.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class TerminalCase(harness.BlackBoxCase):
    """BlackBoxCase + terminal sessions: every session is closed at the end
    (before the cluster's daemons stop) and its screen dumped on failure."""

    def setUp(self):
        super().setUp()
        self.sessions = []
        self.addCleanup(self._close_sessions)

    def _close_sessions(self):
        failed = self._failed()
        if failed:
            sys.stderr.write(f"\n===== {self.id()} failed; terminal screens follow =====\n")
        for s in self.sessions:
            try:
                if failed:
                    s.dump()
            finally:
                s.close()

    def terminal(self, name, route_port, ready=True, **kw):
        """A terminal=true vnet in a pty (see start_terminal_vnet); waits until
        it is connected, knows the group's serves and shows its prompt, unless
        ready=False.
        Returns (session, config path)."""
        term, cfg = start_terminal_vnet(self.c, name, route_port, **kw)
        self.sessions.append(term)
        if ready:
            term.wait_ready()
            # One round trip: the group's serve list, sent on connecting,
            # is in before the test's first command (as in script mode).
            term.command("ping")
        return term, cfg

    def echo_vnet(self, name, route_port, serves, uses=None, **kw):
        """A vnet (terminal=false) serving one echo service per entry of
        `serves` ({key: serveid} or {key: {"serveid": N, other keys}}); returns
        (daemon, {key: EchoService}) once every serve is registered."""
        services = {key: self.c.service(harness.EchoService()) for key in serves}
        sections = {}
        for key, v in serves.items():
            sections[key] = dict(v) if isinstance(v, dict) else {"serveid": v}
            sections[key]["port"] = services[key].port
        d = self.c.start_vnet(name, route_port, serves=sections, uses=uses, **kw)
        for key, s in sections.items():
            d.wait_log(f"registered as serveid {s['serveid']:03d}", timeout=15)
        return d, services

    def track(self, session):
        """Adds a PtySession / PipedProcess to the ones closed at the end."""
        self.sessions.append(session)
        return session

    def check_sessions(self):
        for s in self.sessions:
            if not getattr(s, "expect_exit", False) and not s.alive():
                raise AssertionError(f"{s.name} exited unexpectedly with code {s.proc.returncode}")

    def wait_until(self, predicate, timeout, what, interval=0.1):
        def check():
            self.check_sessions()
            return predicate()
        return super().wait_until(check, timeout, what, interval)

    def poll_command(self, term, line, predicate, timeout=10.0, what=None):
        """Runs `line` in `term` until predicate(output) is truthy; returns
        that value (or fails after `timeout`)."""
        last = [""]

        def attempt():
            last[0] = term.command(line)
            return predicate(last[0])
        try:
            return self.wait_until(attempt, timeout, what or f"{line!r} to show the expected state",
                                   interval=0.2)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast output of {line!r}:\n{last[0]}") from None
