"""The UDP rows of the default mode: a UDP echo service (serveid 804,
type=udp), 64-byte request/response round trips and a stream of 1200-byte
datagrams, directly and through the tunnel, alternating, in the same run.

The stream is sent flat out by one thread while another counts the echoes;
what did not come back within a second of the last send is lost. Its
datagrams per second are the echoes counted over the time from the first
send to the last echo. Flat out, Python sends faster than the tunnel
carries: the use's socket buffer (4 MiB at most, net.core.rmem_max) fills
and the kernel drops the rest, which /proc/net/snmp counts (RcvbufErrors)
and the table shows beside the loss. Paced, none is lost
(tests/blackbox/test_udp.py: 100 000 datagrams)."""

import os
import socket
import statistics
import sys
import threading
import time

from .common import LOOPBACK, percentile

REQUEST = 64
DATAGRAM = 1200
BUFFER = 4 << 20  # the kernel caps it at net.core.rmem_max / wmem_max


def serve_forever():
    """Runs in a subprocess: a UDP echo service on 127.0.0.1:<OS port>; prints
    the port, answers each datagram with itself until stdin closes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    s.bind((LOOPBACK, 0))
    print(s.getsockname()[1], flush=True)

    def echo():
        while True:
            data, source = s.recvfrom(1 << 16)
            try:
                s.sendto(data, source)
            except OSError:
                pass  # a source gone: lost, as UDP's are

    threading.Thread(target=echo, daemon=True).start()
    sys.stdin.read()


def client(timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
    s.bind((LOOPBACK, 0))
    s.settimeout(timeout)
    return s


def echo_ok(port):
    """True once a datagram to port comes back (the use listens and its flow
    reaches the service)."""
    with client(timeout=0.5) as s:
        try:
            s.sendto(b"ping", (LOOPBACK, port))
            return s.recvfrom(64)[0] == b"ping"
        except OSError:
            return False


def round_trips(sock, port, n, samples):
    """n sequential 64-byte request/response round trips; appends each time in
    ns. A lost datagram (2 s without an answer) is an error: loopback loses
    none at this pace."""
    msg = os.urandom(REQUEST)
    to = (LOOPBACK, port)
    for _ in range(n):
        start = time.perf_counter_ns()
        sock.sendto(msg, to)
        got = sock.recvfrom(1 << 16)[0]
        samples.append(time.perf_counter_ns() - start)
        if got != msg:
            raise RuntimeError(f"UDP echo through port {port} answered {len(got)} other bytes")


def receive_buffer_drops():
    """The host's UDP datagrams dropped by a full receive buffer so far
    (/proc/net/snmp RcvbufErrors; None where there is no such file)."""
    try:
        with open("/proc/net/snmp") as f:
            names, values = [line.split() for line in f if line.startswith("Udp:")][:2]
        return int(values[names.index("RcvbufErrors")])
    except (OSError, ValueError):
        return None


def stream(port, count):
    """Sends `count` 1200-byte datagrams flat out; returns (echoes per
    second, lost fraction, fraction the host dropped in full receive
    buffers meanwhile: any socket's, the client's, the use's or the
    service's, so a loss no larger than it happened in no tunnel)."""
    drops = receive_buffer_drops()
    with client(timeout=1.0) as s:
        got = [0, 0.0]  # echoes, time of the last

        def receive():
            while got[0] < count:
                try:
                    s.recvfrom(1 << 16)
                except OSError:
                    return  # a second without an echo: the rest is lost
                got[0] += 1
                got[1] = time.perf_counter()

        reader = threading.Thread(target=receive)
        reader.start()
        payload = os.urandom(DATAGRAM)
        to = (LOOPBACK, port)
        start = time.perf_counter()
        for _ in range(count):
            try:
                s.sendto(payload, to)
            except OSError:
                pass  # the send buffer stayed full: lost before the path, counted as lost
        reader.join()
    elapsed = max(got[1] - start, 1e-9)
    after = receive_buffer_drops()
    in_buffers = (after - drops) / count if drops is not None and after is not None else float("nan")
    return got[0] / elapsed, 1 - got[0] / count, in_buffers


def measure_udp(ports, rtt, datagrams, rotation):
    """ports: {mode: UDP port}; the round trips in alternating blocks, then
    three alternating streams per mode (the median shown)."""
    names = list(ports)
    socks = {m: client() for m in names}
    samples = {m: [] for m in names}
    try:
        for m in names:
            round_trips(socks[m], ports[m], min(200, max(rtt // 10, 5)), [])  # warm-up
        block = max(1, min(1000, rtt // 10))
        done = 0
        while done < rtt:
            n = min(block, rtt - done)
            for m in rotation(done // block):
                round_trips(socks[m], ports[m], n, samples[m])
            done += n
    finally:
        for s in socks.values():
            s.close()
    runs = {m: [] for m in names}
    for r in range(3):
        for m in rotation(r):
            runs[m].append(stream(ports[m], datagrams))
    out = {"request_bytes": REQUEST, "round_trips": rtt, "datagram_bytes": DATAGRAM,
           "stream_datagrams": datagrams}
    for m in names:
        values = sorted(samples[m])
        rate, loss, in_buffers = sorted(runs[m])[1]  # the median by rate
        out[m] = {"rtt_median_us": statistics.median(values) / 1000, "rtt_p99_us": percentile(values, 99) / 1000,
                  "stream_per_s": rate, "stream_loss": loss, "stream_loss_in_buffers": in_buffers,
                  "stream_runs": runs[m]}
    return out


def print_rows(u):
    d, t = u["direct"], u["tunnel"]
    print(f"{'UDP echo 64 B round trip, median (us)':34}{d['rtt_median_us']:12.1f}{t['rtt_median_us']:12.1f}"
          f"{format(t['rtt_median_us'] - d['rtt_median_us'], '+.1f'):>20}")
    print(f"{'UDP echo 64 B round trip, p99 (us)':34}{d['rtt_p99_us']:12.1f}{t['rtt_p99_us']:12.1f}"
          f"{format(t['rtt_p99_us'] - d['rtt_p99_us'], '+.1f'):>20}")
    print(f"{'UDP 1200 B stream (datagrams/s)':34}{d['stream_per_s']:12.0f}{t['stream_per_s']:12.0f}"
          f"{'x ' + format(t['stream_per_s'] / d['stream_per_s'], '.2f'):>20}")
    print(f"{'UDP 1200 B stream, lost (%)':34}{100 * d['stream_loss']:12.2f}{100 * t['stream_loss']:12.2f}"
          f"{format(100 * (t['stream_loss'] - d['stream_loss']), '+.2f'):>20}")
    print(f"{'  of which full receive buffers (%)':34}{100 * d['stream_loss_in_buffers']:12.2f}"
          f"{100 * t['stream_loss_in_buffers']:12.2f}")
