#!/usr/bin/env python3
"""Memory per idle control session at the route: VmRSS of a route with N
admitted, idle TLS sessions open minus with none, / N; and the idle RSS of
each daemon.

    python3 tests/bench/idle_sessions.py [--bin-dir build/src] [-n 5000] [--json]

Starts a route alone (its [route] timeout raised so that sessions that only
listen stay), opens a warm-up batch of sessions and closes it (the
allocators' steady state), reads the route's VmRSS, then opens N sessions
(TLS 1.3, control_hello, welcome), spread over 127.0.x.y source addresses
(max_sessions_per_address), and reads VmRSS again once it stops moving. The
sessions send nothing more: each is an idle vnet as the route sees it.
Also prints the idle RSS of a route and of a vnet connected to it with
nothing to do, after --idle-settle seconds.
"""

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))
import wire  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from benchlib.common import rss_kib  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def settle(pid, timeout=10.0):
    last, deadline = None, time.monotonic() + timeout
    while True:
        now = rss_kib(pid)
        if now == last or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(0.5)


def open_sessions(port, n, first=0):
    conns = []
    for i in range(first, first + n):
        k = i // 50  # 50 sessions per source address, under max_sessions_per_address (64)
        source = f"127.0.{1 + k // 250}.{2 + k % 250}"
        sock = wire.control_socket(port, timeout=30, source=source)
        c = wire.Conn(port, sock=sock, timeout=30)
        c.send("control_hello", name=f"idle{i}", group=os.environ.get("GROUP", "idle") or f"g{i}", auth="")
        if c.recv_until("welcome", 30) is None:
            raise RuntimeError(f"session {i} was not welcomed")
        conns.append(c)
    return conns


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, folder, name):
    log = open(os.path.join(folder, name + ".log"), "wb")
    return subprocess.Popen(argv, cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def wait_port(folder, name, timeout=10):
    deadline = time.monotonic() + timeout
    path = os.path.join(folder, name + ".log")
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                if "listening on" in line:
                    return int(line.rsplit(":", 1)[1].split()[0])
        time.sleep(0.05)
    raise RuntimeError("the route did not say where it listens")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "src"))
    ap.add_argument("-n", type=int, default=5000, help="idle sessions (default 5000)")
    ap.add_argument("--idle-settle", type=float, default=3.0,
                    help="seconds a route and a vnet idle before their RSS is read (default 3)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    folder = tempfile.mkdtemp(prefix="vnet-idle-sessions-")
    cfg = os.path.join(folder, "route.ini")
    with open(cfg, "w") as f:
        # No token (the sessions join with an empty auth); on loopback only.
        port = free_port()
        # Thousands of sessions from a few /24s, opened as fast as they go:
        # the per-network and handshake-rate bounds are not what this measures.
        f.write(f"[route]\nip=0.0.0.0\nport={port}\ntimeout=3600\nheartbeat=3600\n"
                "max_sessions_per_network=100000\nmax_handshakes_per_second=100000\n")
    procs = []
    out = {}
    try:
        wrap = os.environ.get("ROUTE_WRAPPER", "").split()
        route = start(wrap + [os.path.join(args.bin_dir, "route"), "-v", "warn", cfg], folder, "route")
        procs.append(route)
        # Its pid from ss: under ROUTE_WRAPPER (gdb --args, valgrind) the
        # child of the wrapper is the route.
        pid = None
        deadline = time.monotonic() + 30
        while pid is None and time.monotonic() < deadline:
            ss = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
            if "pid=" in ss:
                pid = int(ss.split("pid=")[1].split(",")[0])
            time.sleep(0.05)
        if pid is None:
            raise RuntimeError("the route does not listen")
        route.pid_ = pid
        # A vnet, idle, beside it: the daemons' idle RSS.
        vcfg = os.path.join(folder, "vnet.ini")
        with open(vcfg, "w") as f:
            f.write(f"[route]\nip=127.0.0.1\nport={port}\n[vnet]\nname=idle\n"
                    "terminal=false\n")
        vnet = start([os.path.join(args.bin_dir, "vnet"), "-v", "warn", vcfg], folder, "vnet")
        procs.append(vnet)
        time.sleep(args.idle_settle)
        out["idle_rss_MB"] = {"route": rss_kib(route.pid_) / 1024, "vnet": rss_kib(vnet.pid) / 1024}

        warm = open_sessions(port, min(200, args.n))
        for c in warm:
            c.close()
        time.sleep(1)
        before = settle(route.pid_)
        t0 = time.monotonic()
        conns = open_sessions(port, args.n, first=200)
        opened_s = time.monotonic() - t0
        held = settle(route.pid_)
        out.update({"sessions": len(conns), "open_seconds": opened_s,
                    "route_rss_none_MB": before / 1024, "route_rss_held_MB": held / 1024,
                    "KiB_per_idle_session": (held - before) / max(1, len(conns))})
        for c in conns:
            c.close()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"idle RSS: route {out['idle_rss_MB']['route']:.1f} MB, "
              f"vnet {out['idle_rss_MB']['vnet']:.1f} MB")
        print(f"{out['sessions']} idle admitted sessions (opened in {out['open_seconds']:.1f} s): "
              f"route RSS {out['route_rss_none_MB']:.1f} -> {out['route_rss_held_MB']:.1f} MB, "
              f"{out['KiB_per_idle_session']:.1f} KiB per idle session")
    return 0


if __name__ == "__main__":
    sys.exit(main())
