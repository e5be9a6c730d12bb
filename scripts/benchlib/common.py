"""What every mode of the bench shares: the loopback address and sizes, a
sink's throughput, echo round trips, a setup (connect + first echo), the
percentile, a free port, and whether a port listens or carries data."""

import os
import random
import socket
import struct
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The entry point: the sink and echo services run as `bench.py --_service KIND`.
BENCH_SCRIPT = os.path.join(REPO, "scripts", "bench.py")
LOOPBACK = "127.0.0.1"
MIB = 1 << 20
CHUNK = MIB
MSG = 32


def recv_exact_into(sock, view):
    got = 0
    while got < len(view):
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError(f"connection closed after {got} of {len(view)} bytes")
        got += n


def throughput(port, nbytes, payload):
    """MiB/s of one stream of nbytes to the sink at port, acked at the end."""
    with socket.create_connection((LOOPBACK, port), timeout=120) as s:
        ack = bytearray(8)
        start = time.perf_counter()
        remaining = nbytes
        while remaining:
            n = min(remaining, len(payload))
            s.sendall(payload[:n])
            remaining -= n
        s.shutdown(socket.SHUT_WR)
        recv_exact_into(s, memoryview(ack))
        elapsed = time.perf_counter() - start
    (counted,) = struct.unpack("!Q", ack)
    if counted != nbytes:
        raise RuntimeError(f"sink counted {counted} bytes, {nbytes} were sent")
    return nbytes / MIB / elapsed


def throughput_streams(port, nbytes, payload, streams):
    """Total MiB/s of `streams` concurrent streams sharing nbytes, each in
    its own thread (socket calls release the GIL), from the first start to
    the last sink's ack."""
    if streams <= 1:
        return throughput(port, nbytes, payload)
    import threading
    share = nbytes // streams
    errors = []

    def one():
        try:
            throughput(port, share, payload)
        except Exception as e:  # reported after the join
            errors.append(e)
    threads = [threading.Thread(target=one) for _ in range(streams)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return share * streams / MIB / elapsed


class EchoClient:
    def __init__(self, port):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.msg = os.urandom(MSG)
        self.buf = bytearray(MSG)
        self.view = memoryview(self.buf)

    def round_trips(self, k, samples):
        sock, msg, view, clock = self.sock, self.msg, self.view, time.perf_counter_ns
        for _ in range(k):
            t0 = clock()
            sock.sendall(msg)
            recv_exact_into(sock, view)
            samples.append(clock() - t0)
        if self.buf != msg:
            raise RuntimeError("echo returned different bytes")

    def close(self):
        self.sock.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[i]


def setup_time(port, timeout=5.0):
    """Seconds from connect through the use port to the first echoed byte."""
    t0 = time.perf_counter()
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"x")
        if s.recv(1) != b"x":
            raise EOFError("no echo")
    return time.perf_counter() - t0


def free_port(kind=socket.SOCK_STREAM):
    """A free port below the ephemeral range when possible, so that no
    outgoing connection takes it before vnet B listens on it; a UDP one
    with kind=socket.SOCK_DGRAM."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    for _ in range(50 if low > 12000 else 0):
        port = random.randrange(10000, low)
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((LOOPBACK, port))
                return port
            except OSError:
                pass
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def listening(port):
    """True when a socket listens on TCP port `port` (any address), read
    from /proc/net: a probing connection would make the route log a
    warning about a connection that never said anything."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)  # the header
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def echo_ok(port):
    try:
        c = EchoClient(port)
        try:
            c.sock.settimeout(1)
            c.round_trips(1, [])
            return True
        finally:
            c.close()
    except (OSError, EOFError, RuntimeError):
        return False


def sink_ok(port):
    try:
        return throughput(port, 1024, memoryview(bytes(1024))) > 0
    except (OSError, EOFError, RuntimeError):
        return False


def rss_kib(pid):
    """VmRSS of `pid` in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0
