#!/usr/bin/env python3
"""Benchmark of the tunnel on loopback (Python stdlib only).

    python3 scripts/bench.py [--bin-dir build/src] [--mb 512] [--rtt 20000] [--json]
                             [--compare-bin-dir OTHER/build/src] [--setups 300]
    python3 scripts/bench.py --attacks [--setups 300] [--json]
    python3 scripts/bench.py --wan-ms 10 [--wan-setups 100]          (bench_wan.py)
    python3 scripts/bench.py --idle-links 2000 --links 1000,4000,9000 (bench_scale.py)

Starts a route, vnet A serving a sink service (serveid 801) and an echo
service (serveid 802), and vnet B using both, then measures in one run:

  (a) throughput: one TCP stream sends N MiB to the sink, directly and through
      the tunnel; the sink counts the bytes and acks the total at EOF;
  (b) latency: K sequential 32-byte round trips on one connection to the echo
      service, directly and through the tunnel (TCP_NODELAY on the client);
  (c) setup: connect through the use port + the first echoed byte, p50/p99.

With --compare-bin-dir a second route and pair of vnets built from another
tree (say, the commit before a change) run beside the first, and every
figure is taken for both in the same alternating rounds ("other" column).

With --attacks it measures instead the setup time of a legitimate tunnel
connection (connect through the use port + the first echoed byte), p50/p99,
with no attack and during each attack of issue 8 (tests/blackbox/attacks.py,
each in a process of its own), in one run.

Beside the floor relays, three haproxy instances (TCP mode) in a chain are
measured as the reference when haproxy is installed, and the CPU time of
each process during the throughput runs is reported per GiB.

Direct and tunnel runs alternate, after a warm-up of each, so that CPU
frequency and cache effects hit both alike. The sink and echo services run as
subprocesses so that the client's GIL does not slow them down.
"""

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

import bench_procs

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOOPBACK = "127.0.0.1"
MIB = 1 << 20
CHUNK = MIB
MSG = 32


# --------------------------------------------------------------- services


def serve_forever(kind):
    """Runs in a subprocess: a sink or echo service on 127.0.0.1:<OS port>.
    Prints the port on stdout, serves until stdin closes (the parent left)."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((LOOPBACK, 0))
    ls.listen(4096)  # --links opens thousands at once
    print(ls.getsockname()[1], flush=True)

    def sink(conn):
        buf = bytearray(4 * MIB)
        view = memoryview(buf)
        total = 0
        while True:
            n = conn.recv_into(view)
            if n == 0:
                break
            total += n
        conn.sendall(struct.pack("!Q", total))

    def echo(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)

    if kind == "mecho":
        return echo_many(ls)
    handler = sink if kind == "sink" else echo

    def run(conn):
        with conn:
            try:
                handler(conn)
            except OSError:
                pass

    def accept_loop():
        while True:
            conn, _ = ls.accept()
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    sys.stdin.read()  # returns at EOF: the parent exited or closed the pipe


def echo_many(ls):
    """An echo service for thousands of connections at once (the --links and
    --idle-links modes): one thread and epoll, where a thread per connection
    would cost the service more than the tunnel."""
    import selectors
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                return  # the parent exited or closed the pipe
            if key.fileobj is ls:
                while True:
                    try:
                        conn, _ = ls.accept()
                    except BlockingIOError:
                        break
                    except OSError:
                        break  # out of descriptors: the next round tries again
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
                if data:
                    conn.sendall(data)  # small echoes: the send buffer takes them
                    continue
            except OSError:
                pass
            sel.unregister(conn)
            conn.close()


# ------------------------------------------------------------ measurement


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


# ---------------------------------------------------------------- daemons


class Stack:
    """route + vnet A (serving sink and echo) + vnet B (using both)."""

    def __init__(self, bin_dir, log_level, vnet_a_keys="", route_keys="", vnet_keys="",
                 wan_ms=None, delay_relay=None, daemon_fd_limit=None, route_only_keys="",
                 route_ips=None):
        self.bin_dir = bin_dir
        # (listen, vnet A's, vnet B's): the address the route listens on and
        # the ones each vnet dials, e.g. ("0.0.0.0", "127.0.0.1", "127.0.0.2").
        self.route_ips = route_ips or (LOOPBACK, LOOPBACK, LOOPBACK)
        self.route_only_keys = route_only_keys  # more lines for the route's file only
        self.wan_ms = wan_ms            # a delay relay between each vnet and the route
        self.delay_relay = delay_relay
        self.daemon_fd_limit = daemon_fd_limit  # soft RLIMIT_NOFILE the daemons start with
        self.route_keys = route_keys  # more [route] lines for every file
        self.vnet_keys = vnet_keys    # more [vnet] lines for both vnets
        self.log_level = log_level
        self.vnet_a_keys = vnet_a_keys  # more [vnet] lines for vnet A
        self.dir = tempfile.mkdtemp(prefix="vnet-bench-")
        self.procs = []  # (name, Popen, log path)

    def spawn(self, name, argv, stdout=None, daemon=False):
        log = os.path.join(self.dir, name + ".log")
        err = open(log, "wb")
        limit = self.daemon_fd_limit if daemon else None

        def start_limit():  # as from a shell: the daemons raise their own limit
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, hard), hard))

        p = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.PIPE,
                             stdout=stdout or err, stderr=err,
                             preexec_fn=start_limit if limit else None)
        err.close()
        self.procs.append((name, p, log))
        return p

    def pid(self, name):
        for n, p, _ in self.procs:
            if n == name:
                return p.pid
        return None

    def log(self, name):
        for n, _, path in self.procs:
            if n == name:
                with open(path, "rb") as f:
                    return f.read().decode("utf-8", "replace")
        return ""

    def wait(self, what, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for name, p, _ in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {p.returncode} "
                                       f"while waiting for {what}")
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.05)

    def service(self, kind):
        p = self.spawn(kind, [sys.executable, os.path.abspath(__file__), "--_service", kind],
                       stdout=subprocess.PIPE)
        return int(p.stdout.readline())

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self):
        self.sink_port = self.service("sink")
        self.echo_port = self.service("echo")
        self.mecho_port = self.service("mecho")

        self.route_port = route_port = self.start_route()
        # With --wan-ms each vnet reaches the route through its own delay relay.
        port_a = self.delay_hop("delay-a", route_port) if self.wan_ms else route_port
        port_b = self.delay_hop("delay-b", route_port) if self.wan_ms else route_port

        def head(port, ip, name):
            return (f"[route]\nip={ip}\nport={port}\n{self.route_keys}\n"
                    f"[vnet]\nname={name}\nterminal=false\n")
        a = self.write("a.ini", head(port_a, self.route_ips[1], "bench-a") +
                       f"{self.vnet_keys}{self.vnet_a_keys}\n"
                       f"[serve.sink]\nserveid=801\nport={self.sink_port}\n\n"
                       f"[serve.echo]\nserveid=802\nport={self.echo_port}\n\n"
                       f"[serve.mecho]\nserveid=803\nport={self.mecho_port}\n")
        self.use_sink, self.use_echo, self.use_mecho = free_port(), free_port(), free_port()
        b = self.write("b.ini", head(port_b, self.route_ips[2], "bench-b") +
                       f"{self.vnet_keys}\n"
                       f"[use.sink]\nserveid=801\nport={self.use_sink}\n\n"
                       f"[use.echo]\nserveid=802\nport={self.use_echo}\n\n"
                       f"[use.mecho]\nserveid=803\nport={self.use_mecho}\n")
        vnet = os.path.join(self.bin_dir, "vnet")
        self.spawn("vnet-a", [vnet, "-v", self.log_level, a], daemon=True)
        self.spawn("vnet-b", [vnet, "-v", self.log_level, b], daemon=True)

        self.wait("the echo use port to carry data", lambda: echo_ok(self.use_echo), 20)
        self.wait("the sink use port to carry data", lambda: sink_ok(self.use_sink), 20)

    def start_route(self, attempts=3):
        """Starts the route on a port chosen here, so that no log line (and
        no log level) is needed to find it; returns the port once the route
        listens. A port taken meanwhile makes the route exit: then another
        port is tried."""
        route = os.path.join(self.bin_dir, "route")
        for attempt in range(attempts):
            port = free_port()
            cfg = self.write("route.ini", f"[route]\nip={self.route_ips[0]}\nport={port}\n"
                             f"{self.route_keys}{self.route_only_keys}")
            p = self.spawn("route", [route, "-v", self.log_level, cfg], daemon=True)
            deadline = time.monotonic() + 10
            while p.poll() is None and time.monotonic() < deadline:
                if listening(port):
                    return port
                time.sleep(0.05)
            if p.poll() is None:
                raise RuntimeError(f"the route did not listen on port {port} within 10 s")
            if attempt == attempts - 1:
                raise RuntimeError(f"the route exited with code {p.returncode}:\n"
                                   f"{self.log('route')[-2000:]}")
            self.procs = [x for x in self.procs if x[1] is not p]  # retried under the same name

    def delay_hop(self, name, target):
        """A delay relay (tests/bench/delay_relay.cpp) in front of target:
        wan_ms each way, a new connection's bytes held 2 * wan_ms more."""
        p = self.spawn(name, [self.delay_relay, str(self.wan_ms), str(target)],
                       stdout=subprocess.PIPE)
        return int(p.stdout.readline())

    def chain(self, name, target, hop, delayed=False):
        """Three relays in front of target, like use vnet -> route -> serve
        vnet; delayed: a delay relay between hops as between vnet and route.
        hop(name, target) starts one relay and returns its port."""
        for i in range(3):  # i = 0 is the hop next to the service
            target = hop(f"{name}-{i}", target)
            if delayed and i < 2:
                target = self.delay_hop(f"{name}-delay-{i}", target)
        return target

    def floor_hop(self, floor_relay):
        def hop(name, target):
            p = self.spawn(name, [floor_relay, str(target)], stdout=subprocess.PIPE)
            return int(p.stdout.readline())
        return hop

    def haproxy_hop(self, haproxy):
        """One haproxy in TCP mode, one thread, as a relay hop."""
        def hop(name, target):
            port = free_port()
            cfg = self.write(name + ".cfg", (
                "global\n  nbthread 1\n  maxconn 4000\n"
                "defaults\n  mode tcp\n  timeout connect 5s\n"
                "  timeout client 1h\n  timeout server 1h\n"
                f"listen relay\n  bind 127.0.0.1:{port}\n  server next 127.0.0.1:{target}\n"))
            self.spawn(name, [haproxy, "-db", "-f", cfg])
            return port
        return hop

    def start_floor(self, floor_relay):
        """Two chains of three minimal relays, in front of the sink and the
        echo service: the same hop count as the tunnel, at the least cost."""
        hop = self.floor_hop(floor_relay)
        self.floor_sink = self.chain("floor-sink", self.sink_port, hop)
        self.floor_echo = self.chain("floor-echo", self.echo_port, hop)
        self.wait("the floor echo chain", lambda: echo_ok(self.floor_echo), 10)

    def start_haproxy(self, haproxy):
        """The same two chains of three hops with haproxy: the reference
        relay of the field, measured beside the tunnel and the floor."""
        hop = self.haproxy_hop(haproxy)
        self.haproxy_sink = self.chain("haproxy-sink", self.sink_port, hop)
        self.haproxy_echo = self.chain("haproxy-echo", self.echo_port, hop)
        self.wait("the haproxy echo chain", lambda: echo_ok(self.haproxy_echo), 10)
        self.wait("the haproxy sink chain", lambda: sink_ok(self.haproxy_sink), 10)

    def dump_logs(self):
        for name, _, path in self.procs:
            with open(path, "rb") as f:
                sys.stderr.write(f"----- {name} -----\n{f.read().decode('utf-8', 'replace')}\n")

    def stop(self):
        for _, p, _ in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for _, p, _ in self.procs:
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            for stream in (p.stdin, p.stdout):
                if stream:
                    stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    """A free port below the ephemeral range when possible, so that no
    outgoing connection takes it before vnet B listens on it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    for _ in range(50 if low > 12000 else 0):
        port = random.randrange(10000, low)
        with socket.socket() as s:
            try:
                s.bind((LOOPBACK, port))
                return port
            except OSError:
                pass
    with socket.socket() as s:
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


# ------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "src"),
                    help="directory holding route and vnet (default: build/src)")
    ap.add_argument("--mb", type=int, default=512, help="MiB per throughput run (default 512)")
    ap.add_argument("--rtt", type=int, default=20000,
                    help="32-byte round trips per mode (default 20000)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="throughput runs per mode, alternating (default 3)")
    ap.add_argument("--log-level", default="info", help="log level of the daemons (default info)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--floor-relay", default=None,
                    help="floor_relay binary (default: BIN_DIR/../tests/floor_relay); "
                         "measures a chain of 3 minimal relays as the machine's floor")
    ap.add_argument("--attacks", action="store_true",
                    help="measure tunnel setup p50/p99 with no attack and during each attack "
                         "of issue 8 instead")
    ap.add_argument("--setups", type=int, default=300,
                    help="setups measured per mode (with --attacks: most per attack; "
                         "default 300)")
    ap.add_argument("--compare-bin-dir", default=None,
                    help="route and vnet of another build, measured in the same rounds")
    ap.add_argument("--group-key", default=None,
                    help="run both vnets with this [vnet] group_key")
    ap.add_argument("--token", default=None, help="run the route and vnets with this token")
    ap.add_argument("--spacing-ms", type=float, default=20.0,
                    help="--attacks: one setup every this many ms at most (default 20)")
    ap.add_argument("--haproxy", default=shutil.which("haproxy") or "",
                    help="haproxy binary for the 3-hop reference chain (default: from PATH; "
                         "'' to skip)")
    ap.add_argument("--wan-ms", type=float, default=None, metavar="D",
                    help="WAN mode: a delay relay of D ms each way between each vnet and the "
                         "route; measures connect + first echo against the 4*D floor")
    ap.add_argument("--wan-setups", type=int, default=100,
                    help="--wan-ms: setups measured per path (default 100)")
    ap.add_argument("--delay-relay", default=None,
                    help="delay_relay binary (default: BIN_DIR/../tests/delay_relay)")
    ap.add_argument("--idle-links", type=int, nargs="?", const=2000, default=None, metavar="N",
                    help="memory mode: RSS of each daemon with N idle links (default 2000) "
                         "against none, per link")
    ap.add_argument("--links", default=None, metavar="N,N,...",
                    help="scaling mode: open N links at once through a use (each echoes once, "
                         "then stays open), per N: time, rate, per-process CPU, TCP counters")
    ap.add_argument("--links-window", type=int, default=0, metavar="W",
                    help="--links: at most W connections opening at a time (default 0: all)")
    ap.add_argument("--links-settle", type=float, default=65, metavar="S",
                    help="--links: before each N, wait up to S s for the TIME_WAIT sockets of "
                         "the round before to expire (default 65; 0: do not wait)")
    ap.add_argument("--_service", choices=("sink", "echo", "mecho"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._service:
        serve_forever(args._service)
        return 0

    for name in ("route", "vnet"):
        if not os.access(os.path.join(args.bin_dir, name), os.X_OK):
            ap.error(f"no {name} binary in {args.bin_dir} (build first: ./scripts/build.sh)")

    floor_relay = args.floor_relay or os.path.join(args.bin_dir, "..", "tests", "floor_relay")
    floor_relay = os.path.abspath(floor_relay) if os.access(floor_relay, os.X_OK) else None
    haproxy = args.haproxy if args.haproxy and os.access(args.haproxy, os.X_OK) else None

    if args.attacks:
        return bench_attacks(args)

    # The bench holds one end of every link (--links 9000): it raises its own
    # descriptor limit; the daemons start with the limit it had and must
    # raise theirs themselves, as when started from a shell.
    shell_fd_limit = bench_procs.raise_own_fd_limit()
    route_keys = f"token={args.token}\n" if args.token else ""
    vnet_keys = f"group_key={args.group_key}\n" if args.group_key else ""

    if args.wan_ms is not None or args.links or args.idle_links is not None:
        import bench_modes
        return bench_modes.run(args, floor_relay, haproxy, shell_fd_limit,
                               route_keys=route_keys, vnet_keys=vnet_keys)

    stack = Stack(os.path.abspath(args.bin_dir), args.log_level,
                  route_keys=route_keys, vnet_keys=vnet_keys,
                  daemon_fd_limit=shell_fd_limit)
    # The other build may not know the new keys: it runs with none.
    other = (Stack(os.path.abspath(args.compare_bin_dir), args.log_level)
             if args.compare_bin_dir else None)
    try:
        stack.start()
        if other:
            other.start()
        if floor_relay:
            stack.start_floor(floor_relay)
        if haproxy:
            stack.start_haproxy(haproxy)
        results = measure(stack, args, other)
        if not haproxy:
            results["haproxy_missing"] = "haproxy not installed (apt-get install -y haproxy)"
    except BaseException:
        stack.dump_logs()
        if other:
            other.dump_logs()
        raise
    finally:
        stack.stop()
        if other:
            other.stop()

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0


def measure(stack, args, other=None):
    nbytes = args.mb * MIB
    payload = memoryview(os.urandom(CHUNK))
    modes = {"direct": (stack.sink_port, stack.echo_port),
             "tunnel": (stack.use_sink, stack.use_echo)}
    if other:
        modes["other"] = (other.use_sink, other.use_echo)
    if getattr(stack, "floor_echo", None):
        modes["floor"] = (stack.floor_sink, stack.floor_echo)
    if getattr(stack, "haproxy_echo", None):
        modes["haproxy"] = (stack.haproxy_sink, stack.haproxy_echo)
    names = list(modes)
    meters = {m: bench_procs.CpuMeter(procs) for m, procs in cpu_processes(stack, other).items()
              if m in modes}

    def rotation(i):
        k = i % len(names)
        return names[k:] + names[:k]

    # (a) throughput: warm up both paths, then alternate the order each round.
    warm = min(nbytes, 64 * MIB)
    for sink, _ in modes.values():
        throughput(sink, warm, payload)
    runs = {m: [] for m in names}
    for r in range(args.rounds):
        for mode in rotation(r):
            meter = meters.get(mode)
            if meter:
                meter.start()
            runs[mode].append(throughput(modes[mode][0], nbytes, payload))
            if meter:
                meter.stop()
    gib = nbytes * args.rounds / (1 << 30)
    cpu = {m: {name: used / gib for name, used in meter.used.items()}
           for m, meter in meters.items()}
    direct_mbps = statistics.median(runs["direct"])
    tunnel_mbps = statistics.median(runs["tunnel"])

    # (b) latency: one connection per mode, warmed up, measured in
    # alternating blocks.
    clients = {mode: EchoClient(ports[1]) for mode, ports in modes.items()}
    samples = {m: [] for m in names}
    try:
        for c in clients.values():
            c.round_trips(min(1000, max(args.rtt // 10, 10)), [])
        block = max(1, min(1000, args.rtt // 10))
        done = 0
        while done < args.rtt:
            n = min(block, args.rtt - done)
            for mode in rotation(done // block):
                clients[mode].round_trips(n, samples[mode])
            done += n
    finally:
        for c in clients.values():
            c.close()

    # (c) setup: a new connection through each path, alternating.
    setups = {m: [] for m in names}
    for i in range(args.setups):
        for mode in rotation(i):
            setups[mode].append(setup_time(modes[mode][1]))
    setup = {}
    for mode, values in setups.items():
        values.sort()
        setup[mode] = {"median_us": statistics.median(values) * 1e6,
                       "p99_us": percentile(values, 99) * 1e6}

    lat = {}
    for mode, values in samples.items():
        values.sort()
        lat[mode] = {"median_us": statistics.median(values) / 1000,
                     "p99_us": percentile(values, 99) / 1000,
                     "min_us": values[0] / 1000}

    floor = {}
    for ref in ("floor", "haproxy"):
        if ref in modes:
            floor[ref] = {"MBps": statistics.median(runs[ref]), "echo": lat[ref],
                          "setup": setup[ref],
                          "added_median_us": lat[ref]["median_us"] - lat["direct"]["median_us"]}
    compared = {}
    if "other" in modes:
        compared = {"other": {"bin_dir": os.path.abspath(args.compare_bin_dir),
                              "MBps": statistics.median(runs["other"]),
                              "echo": lat["other"], "setup": setup["other"]}}
    return {
        **floor,
        **compared,
        "setup": setup,
        "cpu_s_per_GiB": cpu,
        "cpus": os.cpu_count(),
        "throughput": {
            "mib_per_run": args.mb, "rounds": args.rounds,
            "direct_MBps": direct_mbps, "tunnel_MBps": tunnel_mbps,
            "ratio": tunnel_mbps / direct_mbps,
            "runs_MBps": runs,
        },
        "echo": {
            "message_bytes": MSG, "round_trips": args.rtt,
            "direct": lat["direct"], "tunnel": lat["tunnel"],
            "added_median_us": lat["tunnel"]["median_us"] - lat["direct"]["median_us"],
            "added_p99_us": lat["tunnel"]["p99_us"] - lat["direct"]["p99_us"],
        },
    }


def cpu_processes(stack, other=None):
    """Per mode, the processes whose CPU time a bulk transfer costs."""
    def tunnel(s):
        return {"route": s.pid("route"), "use vnet": s.pid("vnet-b"),
                "serve vnet": s.pid("vnet-a")}

    def chain(name):  # hop 2 is the client's end, like the use vnet
        return {f"{label} hop": stack.pid(f"{name}-sink-{i}")
                for i, label in ((2, "use-side"), (1, "middle"), (0, "serve-side"))
                if stack.pid(f"{name}-sink-{i}")}
    procs = {"tunnel": tunnel(stack), "floor": chain("floor"), "haproxy": chain("haproxy")}
    if other:
        procs["other"] = tunnel(other)
    return {m: p for m, p in procs.items() if p}


def print_cpu(cpu):
    print()
    print("CPU seconds per GiB moved, per process (utime + stime from /proc/PID/stat "
          "around the throughput runs):")
    for mode, per in cpu.items():
        figures = ", ".join(f"{name} {value:.2f}" for name, value in per.items())
        print(f"  {mode:8} {figures}")


def print_table(r):
    t, e = r["throughput"], r["echo"]
    print(f"vnet bench: route + 2 vnets on 127.0.0.1, {r['cpus']} CPUs "
          f"(MB = 2^20 bytes)")
    print()
    print(f"{'':34}{'direct':>12}{'tunnel':>12}{'tunnel vs direct':>20}")
    print(f"{'throughput, 1 stream (MB/s)':34}{t['direct_MBps']:12.0f}{t['tunnel_MBps']:12.0f}"
          f"{'x ' + format(t['ratio'], '.2f'):>20}")
    print(f"{'echo 32 B round trip, median (us)':34}{e['direct']['median_us']:12.1f}"
          f"{e['tunnel']['median_us']:12.1f}{format(e['added_median_us'], '+.1f'):>20}")
    print(f"{'echo 32 B round trip, p99 (us)':34}{e['direct']['p99_us']:12.1f}"
          f"{e['tunnel']['p99_us']:12.1f}{format(e['added_p99_us'], '+.1f'):>20}")
    su = r["setup"]
    print(f"{'setup (connect + echo), median (us)':34}{su['direct']['median_us']:12.1f}"
          f"{su['tunnel']['median_us']:12.1f}"
          f"{format(su['tunnel']['median_us'] - su['direct']['median_us'], '+.1f'):>20}")
    print(f"{'setup (connect + echo), p99 (us)':34}{su['direct']['p99_us']:12.1f}"
          f"{su['tunnel']['p99_us']:12.1f}"
          f"{format(su['tunnel']['p99_us'] - su['direct']['p99_us'], '+.1f'):>20}")
    if "other" in r:
        o = r["other"]
        print()
        print(f"other build ({o['bin_dir']}), same rounds: throughput {o['MBps']:.0f} MB/s "
              f"(this build x {t['tunnel_MBps'] / o['MBps']:.2f}); echo median "
              f"{o['echo']['median_us']:.1f} us (this build "
              f"{format(e['tunnel']['median_us'] - o['echo']['median_us'], '+.1f')}); setup median "
              f"{o['setup']['median_us']:.1f} us (this build "
              f"{format(su['tunnel']['median_us'] - o['setup']['median_us'], '+.1f')})")
    print()
    runs = ", ".join(f"{m}: " + " ".join(f"{v:.0f}" for v in vals)
                     for m, vals in t["runs_MBps"].items())
    print(f"throughput: {t['rounds']} alternating runs of {t['mib_per_run']} MB each "
          f"(median shown; {runs})")
    print(f"echo: {e['round_trips']} round trips per mode in alternating blocks, "
          f"TCP_NODELAY on the client")
    if "floor" in r:
        f = r["floor"]
        print()
        print("floor: the same path through 3 minimal relays (blocking, a thread per direction,")
        print("no protocol) measured in the same rounds, i.e. what 3 hops cost on this machine:")
        print(f"  throughput {f['MBps']:.0f} MB/s; echo median {f['echo']['median_us']:.1f} us "
              f"({format(f['added_median_us'], '+.1f')} over direct); "
              f"tunnel vs floor: added latency "
              f"{format(e['added_median_us'] - f['added_median_us'], '+.1f')} us, "
              f"throughput x {t['tunnel_MBps'] / f['MBps']:.2f}")
    if "haproxy" in r:
        h = r["haproxy"]
        print()
        print("haproxy: the same path through 3 haproxy instances (TCP mode, 1 thread each),")
        print("measured in the same rounds, the reference relay:")
        print(f"  throughput {h['MBps']:.0f} MB/s; echo median {h['echo']['median_us']:.1f} us "
              f"({format(h['added_median_us'], '+.1f')} over direct); setup median "
              f"{h['setup']['median_us']:.1f} us; tunnel vs haproxy: echo "
              f"{format(e['tunnel']['median_us'] - h['echo']['median_us'], '+.1f')} us, setup "
              f"{format(su['tunnel']['median_us'] - h['setup']['median_us'], '+.1f')} us, "
              f"throughput x {t['tunnel_MBps'] / h['MBps']:.2f}")
    elif "haproxy_missing" in r:
        print()
        print(f"haproxy: skipped, {r['haproxy_missing']}")
    if r.get("cpu_s_per_GiB"):
        print_cpu(r["cpu_s_per_GiB"])


# -------------------------------------------------------- setup under attack


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


def setups_while(port, running, most, spacing):
    """Setup times (and failures) while running(), one every `spacing`
    seconds at most, so that they spread over the whole attack."""
    times, failed = [], 0
    while running() and len(times) + failed < most:
        t0 = time.monotonic()
        try:
            times.append(setup_time(port))
        except (OSError, EOFError):
            failed += 1
        time.sleep(max(0.0, spacing - (time.monotonic() - t0)))
    return times, failed


def bench_attacks(args):
    sys.path.insert(0, os.path.join(REPO, "tests", "blackbox"))
    from attack_case import Attack, closed_port_range  # noqa: E402
    from attacks import standard_mix  # noqa: E402

    stack = Stack(os.path.abspath(args.bin_dir), args.log_level,
                  vnet_a_keys="allow_unserve=true\n")
    rows = []
    try:
        stack.start()
        route_port = stack.route_port
        port = stack.use_echo
        for _ in range(20):  # warm-up
            setup_time(port)
        times, failed = setups_while(port, lambda: True, args.setups, args.spacing_ms / 1000)
        rows.append(("none", times, failed, ""))
        for name, seconds, extra in standard_mix(802, "bench-a", closed_port_range(200)):
            a = Attack(stack.dir, name, route_port, seconds, *extra)
            try:
                a.wait_attacking(60)
                times, failed = setups_while(port, a.running, args.setups, args.spacing_ms / 1000)
                result = a.finish(90)
            finally:
                a.kill()
            rows.append((name, times, failed, json.dumps(result)[:200]))
            # The next attack starts from a working tunnel.
            stack.wait("the tunnel after " + name, lambda: echo_ok(port), 30)
    except BaseException:
        stack.dump_logs()
        raise
    finally:
        stack.stop()

    table = []
    for name, times, failed, result in rows:
        times.sort()
        table.append({"attack": name, "setups": len(times), "failed": failed,
                      "p50_ms": percentile(times, 50) * 1000, "p99_ms": percentile(times, 99) * 1000,
                      "max_ms": (times[-1] * 1000) if times else float("nan"), "result": result})
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "setup_under_attack": table}, indent=2))
        return 0
    print(f"vnet bench --attacks: tunnel setup (connect + first echoed byte) on 127.0.0.1, "
          f"{os.cpu_count()} CPUs, at most {args.setups} setups per attack")
    print()
    print(f"{'attack':18}{'setups':>8}{'failed':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for r in table:
        figures = "".join(f"{r[k]:10.2f}" if r["setups"] else f"{'-':>10}"
                          for k in ("p50_ms", "p99_ms", "max_ms"))
        print(f"{r['attack']:18}{r['setups']:8}{r['failed']:8}{figures}")
    print()
    print(f"One setup every {args.spacing_ms:g} ms at most, from the moment each attack is in full "
          "swing until it ends;")
    print("'-': the attack was over before the first setup (e.g. a port scan refused at once).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
