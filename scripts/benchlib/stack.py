"""The processes of one bench run: a route, vnet A serving the sink and echo
services, vnet B using them, and the relay chains measured beside them
(floor relays, haproxy, delay relays for --wan-ms)."""

import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from . import udp
from .common import BENCH_SCRIPT, LOOPBACK, echo_ok, free_port, listening, sink_ok


class Stack:
    """route + vnet A (serving sink and echo) + vnet B (using both)."""

    def __init__(self, bin_dir, log_level, vnet_a_keys="", route_keys="", vnet_keys="",
                 wan_ms=None, delay_relay=None, daemon_fd_limit=None, route_only_keys="",
                 route_ips=None, env=None, udp=False, vnet_a_command=None, label=None):
        self.bin_dir = bin_dir
        self.udp = udp  # a UDP echo serve (804) and its use as well (benchlib/udp.py)
        # vnet A's program, e.g. [wine, build-windows/vnet.exe] (None: BIN_DIR/vnet).
        self.vnet_a_command = vnet_a_command
        self.label = label or bin_dir  # how the table names this stack
        self.env = {**os.environ, **env} if env else None  # the daemons' environment (None: ours)
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
                             preexec_fn=start_limit if limit else None, env=self.env)
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
        p = self.spawn(kind, [sys.executable, BENCH_SCRIPT, "--_service", kind],
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
        self.uecho_port = self.service("uecho") if self.udp else None

        self.route_port = route_port = self.start_route()
        # With --wan-ms each vnet reaches the route through its own delay relay.
        port_a = self.delay_hop("delay-a", route_port) if self.wan_ms else route_port
        port_b = self.delay_hop("delay-b", route_port) if self.wan_ms else route_port

        # Each vnet's /metrics: the links' waits (link_waits()).
        self.metrics_ports = {"vnet-a": free_port(), "vnet-b": free_port()}

        def head(port, ip, name, metrics):
            return (f"[route]\nip={ip}\nport={port}\n{self.route_keys}\n"
                    f"[vnet]\nname={name}\nterminal=false\nmetrics={LOOPBACK}:{metrics}\n")
        a = self.write("a.ini", head(port_a, self.route_ips[1], "bench-a", self.metrics_ports["vnet-a"]) +
                       f"{self.vnet_keys}{self.vnet_a_keys}\n"
                       f"[serve.sink]\nserveid=801\nport={self.sink_port}\n\n"
                       f"[serve.echo]\nserveid=802\nport={self.echo_port}\n\n"
                       f"[serve.mecho]\nserveid=803\nport={self.mecho_port}\n" +
                       (f"\n[serve.uecho]\nserveid=804\ntype=udp\nport={self.uecho_port}\n" if self.udp else ""))
        self.use_sink, self.use_echo, self.use_mecho = free_port(), free_port(), free_port()
        self.use_uecho = free_port(socket.SOCK_DGRAM) if self.udp else None
        b = self.write("b.ini", head(port_b, self.route_ips[2], "bench-b", self.metrics_ports["vnet-b"]) +
                       f"{self.vnet_keys}\n"
                       f"[use.sink]\nserveid=801\nport={self.use_sink}\n\n"
                       f"[use.echo]\nserveid=802\nport={self.use_echo}\n\n"
                       f"[use.mecho]\nserveid=803\nport={self.use_mecho}\n" +
                       (f"\n[use.uecho]\nserveid=804\nport={self.use_uecho}\n" if self.udp else ""))
        vnet = os.path.join(self.bin_dir, "vnet")
        self.spawn("vnet-a", (self.vnet_a_command or [vnet]) + ["-v", self.log_level, a], daemon=True)
        self.spawn("vnet-b", [vnet, "-v", self.log_level, b], daemon=True)

        self.wait("the echo use port to carry data", lambda: echo_ok(self.use_echo),
                  120 if self.vnet_a_command else 20)
        self.wait("the sink use port to carry data", lambda: sink_ok(self.use_sink), 20)
        if self.udp:
            self.wait("the UDP echo use port to answer", lambda: udp.echo_ok(self.use_uecho), 20)

    def link_waits(self):
        """Per vnet, vnet_link_waits_total by `for` (read, write) from its
        /metrics; {} for a build without the counter."""
        waits = {}
        for name, port in getattr(self, "metrics_ports", {}).items():
            try:
                with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/metrics", timeout=5) as r:
                    text = r.read().decode()
            except OSError:
                continue
            for kind in ("read", "write"):
                m = re.search(r'^vnet_link_waits_total\{for="%s"\} (\S+)$' % kind, text, re.M)
                if m:
                    waits.setdefault(name, {})[kind] = float(m.group(1))
        return waits

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
