"""Shared helpers for the black-box tests: start the real `route` and `vnet`
binaries like a user would, on loopback, and drive TCP traffic through them.

Environment:
  VNET_BIN_DIR   directory holding the `route` and `vnet` binaries
                 (default: <repo>/build/src)
  VNET_FIXTURES  the tests/fixtures directory (default: <repo>/tests/fixtures)

Rules the tests follow: every port is chosen by the OS, every wait is a poll
with a deadline, every byte stream is checked by sha256 at both ends, and every
process and thread started here is stopped in tearDown.
"""

import collections
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN_DIR = os.environ.get("VNET_BIN_DIR") or os.path.join(REPO, "build", "src")
FIXTURES = os.environ.get("VNET_FIXTURES") or os.path.join(REPO, "tests", "fixtures")

# Under systemd a daemon puts its control socket in $RUNTIME_DIRECTORY: a test
# run from a service would have every vnet of a test share one socket.
os.environ.pop("RUNTIME_DIRECTORY", None)

LOOPBACK = "127.0.0.1"
ROUTE_LISTENING = re.compile(r"route listening on ([0-9a-fA-F.:\[\]]+):(\d+)")


def binary(name):
    """Path of the `route` or `vnet` binary. A missing binary fails the test:
    a suite that skips everything would report success without testing."""
    path = os.path.join(BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is not built (build it, or set VNET_BIN_DIR)")
    return path


def project_version():
    """The version in the top-level CMakeLists.txt project() call, or None."""
    try:
        with open(os.path.join(REPO, "CMakeLists.txt"), encoding="utf-8") as f:
            m = re.search(r"project\([^)]*VERSION\s+([0-9.]+)", f.read())
            return m.group(1) if m else None
    except OSError:
        return None


# --------------------------------------------------------------------------
# waiting and ports


def in_parallel(fn, count, timeout):
    """Runs fn(i) for i in range(count), each in a thread of its own, and
    returns their results in order: a value, or the exception it raised
    (each thread is given `timeout` seconds to finish; None if it did not)."""
    results = [None] * count

    def run(i):
        try:
            results[i] = fn(i)
        except Exception as e:  # the caller reports it with its index
            results[i] = e
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return results


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value or `timeout` seconds
    pass. Returns the value; raises AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return None


def free_port(kind=socket.SOCK_STREAM):
    """A port free right now, for a daemon to listen on later (TCP, or UDP
    with kind=socket.SOCK_DGRAM).

    Preferably below the ephemeral range: a port from bind(0) is an ephemeral
    port, which the kernel may hand to some outgoing connection (a vnet's link
    to the route) before the daemon binds it, and the daemon's bind would then
    fail. Falls back to bind(0) when the range is unknown or too small."""
    rng = _ephemeral_range()
    if rng and rng[0] > 12000:
        for _ in range(50):
            port = random.randrange(10000, rng[0])
            if port in _handed_out:  # still unbound, a test's two uses would collide
                continue
            with socket.socket(socket.AF_INET, kind) as s:
                try:
                    s.bind((LOOPBACK, port))
                except OSError:
                    continue
                _handed_out.add(port)
                return port
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# Ports free_port returned in this process: none is returned twice, so one
# test's config never gets the same port for two listeners (random draws
# collide often enough over a suite).
_handed_out = set()


def port_accepts(port, host=LOOPBACK, timeout=0.5):
    """True when something listens on host:port (a TCP connect succeeds)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_refuses(port, host=LOOPBACK, timeout=0.5):
    """True when a connect to host:port is actively refused (nobody listens)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            raise EOFError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def recv_all(sock):
    """Reads until EOF."""
    buf = bytearray()
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return bytes(buf)
        buf += chunk


def wait_closed(sock, timeout=5.0):
    """Reads until the peer closes or resets `sock`: (bytes read, seconds
    taken). socket.timeout if it is still open after `timeout` s."""
    start = time.monotonic()
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except ConnectionResetError:
        data = b""
    return data, time.monotonic() - start


def connect_until_closed(port, timeout=5.0):
    """Connects to a port whose link is refused and waits for the cut:
    (bytes read, seconds taken). A reset so quick that it met the connect
    itself (see exchange) is the same cut, taken at once: (b"", 0.0)."""
    try:
        s = socket.create_connection((LOOPBACK, port), timeout=timeout)
    except ConnectionResetError:
        return b"", 0.0
    with s:
        return wait_closed(s, timeout)


def echo_roundtrip(port, payload=b"ping", timeout=1.0):
    """True when `payload` sent to port comes back unchanged (an echo path
    works end to end); False on any error."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
            s.sendall(payload)
            return recv_exact(s, len(payload)) == payload
    except (OSError, EOFError):
        return False


def exchange(port, data, timeout=30.0, may_be_cut=False):
    """Sends `data` to port while receiving concurrently (so neither side's
    buffers fill up), half-closes, and returns every byte received until EOF.
    With may_be_cut, a link the test cuts on purpose may end by a reset or a
    failed send: what came back before that is returned. That includes a
    reset so quick that it met the connect itself (a socket with a timeout
    connects without blocking and reads the outcome after: a refused link's
    RST may already be there), which returns b""."""
    try:
        s = socket.create_connection((LOOPBACK, port), timeout=timeout)
    except ConnectionResetError:
        if not may_be_cut:
            raise
        return b""
    with s:
        s.settimeout(timeout)
        error = []

        def send():
            try:
                view = memoryview(data)
                for i in range(0, len(view), 64 * 1024):
                    s.sendall(view[i:i + 64 * 1024])
                s.shutdown(socket.SHUT_WR)
            except OSError as e:
                error.append(e)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = bytearray()
        try:
            while chunk := s.recv(1 << 20):
                received += chunk
        except ConnectionResetError:
            if not may_be_cut:
                raise
        sender.join(timeout)
        if error and not may_be_cut:
            raise error[0]
        return bytes(received)


# --------------------------------------------------------------------------
# services the tunnel carries traffic to (threads of the test process)


class TcpService:
    """A threaded TCP server on 127.0.0.1 (or `host`):<OS port>. Subclasses implement
    handle(conn); what a connection received is recorded in `records` as
    (byte count, sha256 hex) so tests can check bytes at the service end."""

    def __init__(self, host=LOOPBACK):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        # As deep as the system allows: a burst test dials it thousands of
        # times at once, and a full accept queue costs a SYN retry (1 s) or a
        # reset that the test would blame on the tunnel.
        self.sock.listen(socket.SOMAXCONN)
        self.port = self.sock.getsockname()[1]
        self.records = []
        self.accepted = 0
        self._lock = threading.Lock()
        self._conns = set()
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                if self._closed:
                    conn.close()
                    return
                self.accepted += 1
                self._conns.add(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            conn.settimeout(60)
            self.handle(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def record(self, data):
        with self._lock:
            self.records.append((len(data), sha256(data)))

    def missing_records(self, expected):
        """The records of `expected` (a collections.Counter) not recorded
        yet, as a Counter: empty when the service saw every one of them."""
        with self._lock:
            return expected - collections.Counter(self.records)

    def wait_record(self, predicate, timeout, what="a service record"):
        def find():
            with self._lock:
                for r in self.records:
                    if predicate(r):
                        return r
            return None
        return wait_for(find, timeout, what=what)

    def handle(self, conn):
        raise NotImplementedError

    def close(self):
        with self._lock:
            self._closed = True
            conns = list(self._conns)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(2)


class EchoService(TcpService):
    """Echoes every byte; at the client's EOF records what it got, shuts down
    its send side and closes."""

    def handle(self, conn):
        got = hashlib.sha256()
        n = 0
        while True:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            got.update(chunk)
            n += len(chunk)
            conn.sendall(chunk)
        with self._lock:
            self.records.append((n, got.hexdigest()))
        conn.shutdown(socket.SHUT_WR)


class BannerService(TcpService):
    """Speaks first, like SSH or SMTP: sends `banner` as soon as it accepts,
    then shuts down its send side (FIN) and keeps reading the client's bytes
    to EOF, recording them."""

    def __init__(self, banner):
        self.banner = banner
        super().__init__()

    def handle(self, conn):
        conn.sendall(self.banner)
        conn.shutdown(socket.SHUT_WR)
        self.record(recv_all(conn))


class DigestService(TcpService):
    """Reads the client's bytes to EOF, then replies with
    "<count> <sha256>\\n" followed by `tail`, and closes."""

    def __init__(self, tail):
        self.tail = tail
        super().__init__()

    def handle(self, conn):
        data = recv_all(conn)
        self.record(data)
        conn.sendall(b"%d %s\n" % (len(data), sha256(data).encode()) + self.tail)


# --------------------------------------------------------------------------
# daemons


class UdpEchoService:
    """A UDP service on 127.0.0.1:<OS port> that answers each datagram with
    `tag` + the datagram, to the address it came from. Per source address
    (ip, port) it keeps the datagrams' count and running sha256 in `sources`,
    so tests can tell the flows apart and check bytes at the service end."""

    def __init__(self, tag=b"E"):
        self.tag = tag
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((LOOPBACK, 0))
        self.port = self.sock.getsockname()[1]
        self.sources = {}  # (ip, port) -> [count, hashlib.sha256()]
        self._lock = threading.Lock()
        self._closed = False
        self.sock.settimeout(0.2)  # close() is seen within this
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._closed:
            try:
                data, source = self.sock.recvfrom(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                count_hash = self.sources.setdefault(source, [0, hashlib.sha256()])
                count_hash[0] += 1
                count_hash[1].update(data)
            try:
                self.sock.sendto(self.tag + data, source)
            except OSError:
                pass

    def seen(self):
        """{source: (count, sha256 hex)} as now."""
        with self._lock:
            return {s: (n, h.hexdigest()) for s, (n, h) in self.sources.items()}

    def close(self):
        self._closed = True
        self._thread.join(2)
        self.sock.close()


class Daemon:
    """A running route or vnet, its stdout+stderr captured to a log file."""

    def __init__(self, name, argv, log_path, cwd):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.expect_exit = False  # set when a test stops or kills it on purpose
        self._log = open(log_path, "wb")
        # HOME is the test's folder: a vnet without a config file remembers
        # route keys in ~/.local/state/vnet/known_routes, and the user's real
        # file would carry keys from earlier runs to a reused port.
        env = dict(os.environ, HOME=cwd or os.getcwd())
        # stdin is a pipe left open: a vnet with terminal=true must not see EOF.
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc.poll() is None

    def wait_log(self, pattern, timeout=10.0):
        """Waits until the log matches `pattern` (a substring or a compiled
        regex); returns the match (regex) or True. Fails fast if the process
        exits meanwhile."""
        def check():
            text = self.log()
            if isinstance(pattern, re.Pattern):
                m = pattern.search(text)
            else:
                m = pattern in text
            if m:
                return m
            if not self.alive():
                raise AssertionError(f"{self.name} exited with code {self.proc.returncode} "
                                     f"while waiting for {pattern!r} in its log")
            return None
        shown = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        return wait_for(check, timeout, what=f"{shown!r} in the log of {self.name}")

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def kill9(self):
        self.expect_exit = True
        if self.alive():
            self.proc.kill()
        self.proc.wait(5)

    def stop(self, timeout=3.0):
        """SIGTERM, then SIGKILL if it does not exit within `timeout`.
        Returns the exit code."""
        self.expect_exit = True
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._log.close()
        return self.proc.returncode


def ini_text(sections):
    """{"route": {"ip": ..., "port": ...}, "serve.x": {...}} -> ini text."""
    out = []
    for section, keys in sections.items():
        out.append(f"[{section}]")
        for k, v in keys.items():
            if isinstance(v, bool):
                v = "true" if v else "false"
            out.append(f"{k}={v}")
        out.append("")
    return "\n".join(out)


def vnet_config_text(name, route_port, group="default", serves=None, uses=None,
                     vnet_keys=None, terminal=True):
    """The ini text of a vnet on loopback. serves / uses: {"NAME": {"serveid":
    .., "port": ..}}; vnet_keys: more [vnet] keys."""
    vnet = {"name": name, "group": group, "terminal": terminal}
    vnet.update(vnet_keys or {})
    sections = {"route": {"ip": LOOPBACK, "port": route_port}, "vnet": vnet}
    for key, s in (serves or {}).items():
        sections[f"serve.{key}"] = dict(s)
    for key, u in (uses or {}).items():
        sections[f"use.{key}"] = dict(u)
    return ini_text(sections)


class Cluster:
    """Owns a temp dir, the daemons and services of one test."""

    def __init__(self, prefix="vnet-bb-"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.daemons = []
        self.services = []
        self._counter = 0

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def start(self, kind, config_path, name, log_level="debug"):
        self._counter += 1
        log = os.path.join(self.dir, f"{self._counter:02d}-{name}.log")
        d = Daemon(name, [binary(kind), "--log-level", log_level, config_path], log, self.dir)
        self.daemons.append(d)
        return d

    def start_route(self, port=0, name="route", **route_keys):
        """Starts a route on 127.0.0.1:port (0: the OS picks); returns
        (daemon, port) with the port parsed from its log."""
        keys = {"ip": LOOPBACK, "port": port}
        keys.update(route_keys)
        cfg = self.write(f"{name}.ini", ini_text({"route": keys}))
        d = self.start("route", cfg, name)
        m = d.wait_log(ROUTE_LISTENING, timeout=10)
        return d, int(m.group(2))

    def start_route_with_metrics(self, **route_keys):
        """A route (start_route) with its metrics listener on a free port;
        returns (daemon, port, metrics_port) once that listener accepts."""
        metrics_port = free_port()
        route_keys.setdefault("metrics", f"{LOOPBACK}:{metrics_port}")
        d, port = self.start_route(**route_keys)
        wait_for(lambda: port_accepts(metrics_port), 10, what="the metrics listener")
        return d, port, metrics_port

    def start_vnet(self, name, route_port, group="default", serves=None, uses=None,
                   vnet_keys=None):
        """Starts a vnet. serves / uses: {"NAME": {"serveid": .., "port": ..}}."""
        cfg = self.write(f"{name}.ini", vnet_config_text(name, route_port, group, serves, uses,
                                                         vnet_keys, terminal=False))
        return self.start("vnet", cfg, name)

    def check_alive(self):
        """Raises AssertionError when a daemon exited that nobody stopped."""
        for d in self.daemons:
            if not d.expect_exit and not d.alive():
                raise AssertionError(f"{d.name} exited unexpectedly with code {d.proc.returncode}")

    def service(self, svc):
        self.services.append(svc)
        return svc

    def dump_logs(self, stream=sys.stderr, max_lines=300):
        for d in self.daemons:
            lines = d.log().splitlines()
            stream.write(f"\n----- log of {d.name} (pid {d.pid}, exit {d.proc.poll()}): "
                         f"{' '.join(d.argv)} -----\n")
            if len(lines) > max_lines:
                stream.write(f"[... {len(lines) - max_lines} earlier lines ...]\n")
            stream.write("\n".join(lines[-max_lines:]) + "\n")
        stream.flush()

    def close(self):
        for d in reversed(self.daemons):
            d.stop()
        for s in self.services:
            s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class BlackBoxCase(unittest.TestCase):
    """A TestCase with a fresh Cluster in self.c; prints every daemon's log
    when the test fails, then stops everything."""

    def setUp(self):
        binary("route")
        binary("vnet")
        self.c = Cluster()
        # A cleanup, not tearDown: it also runs when a subclass's setUp fails.
        self.addCleanup(self._close_cluster)

    def _close_cluster(self):
        try:
            if self._failed():
                sys.stderr.write(f"\n===== {self.id()} failed; daemon logs follow =====\n")
                self.c.dump_logs()
        finally:
            self.c.close()

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        # Python < 3.11 collects the failures in the outcome ...
        for _, exc_info in getattr(outcome, "errors", None) or []:
            if exc_info is not None:
                return True
        # ... 3.11+ reports them to the result right away.
        result = getattr(outcome, "result", None)
        for test, _ in getattr(result, "errors", []) + getattr(result, "failures", []):
            if test is self:
                return True
        return False

    def wait_until(self, predicate, timeout, what, interval=0.1):
        """wait_for, failing at once if a daemon dies meanwhile."""
        def check():
            self.c.check_alive()
            return predicate()
        return wait_for(check, timeout, interval=interval, what=what)

    def wait_echo(self, port, timeout=10.0, what=None):
        """Waits until an echo round trip through `port` works."""
        self.wait_until(lambda: echo_roundtrip(port), timeout,
                        what or f"an echo round trip through 127.0.0.1:{port}")
