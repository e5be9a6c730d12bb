"""What the attacks of attacks.py share: a stop flag and time budgets,
hellos that report refusals instead of raising, floods that stop when the
route stops reading, and a drainer that reads many sessions in one thread.
"""

import resource
import selectors
import socket
import threading
import time

import wire

STOP = threading.Event()


def attacking():
    print("ATTACKING", flush=True)


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def stopped(deadline):
    return STOP.is_set() or time.monotonic() >= deadline


def hold(deadline):
    """Keeps the attack's connections until the budget ends or stdin closes."""
    while not stopped(deadline):
        STOP.wait(0.05)


def try_hello(port, name, group, timeout=5.0, source=None):
    """(Conn, welcome) or (None, reason) when the route refuses or closes."""
    try:
        sock = wire.control_socket(port, timeout=timeout, source=source)
        c = wire.Conn(port, sock=sock, timeout=timeout)
        c.send("control_hello", name=name, group=group, auth="")
        msg = c.recv_until("welcome", timeout)
        if msg is None:
            c.close()
            return None, "closed"
        c.welcome = msg
        return c, msg
    except wire.ProtocolError as e:
        return None, str(e)
    except OSError as e:
        return None, f"{type(e).__name__}: {e}"


def flood(conn, frame, batch, deadline, limit):
    """Sends `frame` repeatedly without reading, in batches, until the budget,
    `limit` frames, or the route stops taking bytes (paced or closed).
    Returns (frames sent, how it ended)."""
    data = frame * batch
    sent = 0
    conn.sock.settimeout(2.0)
    while sent < limit and not stopped(deadline):
        try:
            conn.sock.sendall(data)
        except socket.timeout:
            return sent, "blocked"  # the route stopped reading us: back-pressure
        except OSError as e:
            return sent, f"closed ({type(e).__name__})"
        sent += batch
    return sent, "budget"


def ended_by_route(conn, timeout=0.2):
    """What the route says on `conn` after a flood: the error frame if it sent
    one, 'eof' if it closed, 'open' otherwise (nothing read within timeout)."""
    try:
        conn.sock.settimeout(timeout)
        while True:
            chunk = conn.sock.recv(1 << 20)
            if not chunk:
                return "eof"
            conn.buf += chunk
            if len(conn.buf) > (8 << 20):
                del conn.buf[:-(1 << 20)]  # keep the tail: the error frame is last
    except socket.timeout:
        return "open"
    except OSError as e:
        return f"reset ({type(e).__name__})"


def source_address(a, i):
    """Spreads sessions over 127.0.0.2.. when --sources N asks for it, as
    attackers with many addresses would; None: the default source."""
    if not a.sources:
        return None
    k = i % a.sources
    return f"127.0.{2 + k // 250}.{2 + k % 250}"


class Drainer:
    """Reads and discards what the route pushes on many connections, in one
    thread, counting bytes: a reading attacker's sessions stay healthy."""

    def __init__(self, conns):
        self.sel = selectors.DefaultSelector()
        self.bytes = 0
        self.lock = threading.Lock()
        self.done = False
        for c in conns:
            self.add(c)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def add(self, c):
        # What the hello already read past the welcome (the first serve list) counts too.
        self.bytes += len(c.buf)
        c.buf.clear()
        c.sock.setblocking(False)
        with self.lock:
            self.sel.register(c.sock, selectors.EVENT_READ)

    def run(self):
        while not self.done:
            with self.lock:
                if not self.sel.get_map():
                    events = []
                else:
                    events = self.sel.select(0)
            if not events:
                time.sleep(0.01)
                continue
            for key, _ in events:
                try:
                    chunk = key.fileobj.recv(1 << 16)
                except wire.WOULD_BLOCK:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    with self.lock:
                        self.sel.unregister(key.fileobj)
                    continue
                self.bytes += len(chunk)

    def stop(self):
        self.done = True
        self.thread.join(2)
