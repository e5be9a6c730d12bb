#!/usr/bin/env python3
"""Memory per idle link: RSS of each daemon with N idle links open minus with none, / N.

    python3 tests/bench/idle_links.py [--bin-dir build/src] [-n 2000] [--json]

Starts the stack of scripts/bench.py (route, vnet A serving an echo service,
vnet B using it), opens one warm-up batch of links and closes it (the
allocators' steady state), reads VmRSS of the three daemons, then opens N
connections through B's use port, each echoing 32 bytes once, and keeps them
open and idle while it reads VmRSS again. Also prints the 32-byte echo p50 on
one of them (a hint, not a bench). Then it closes them, waits until every
daemon has let their descriptors go, watches the daemons for --settle
seconds more and reads VmRSS a third time: what a burst of links leaves
behind once it is over ("after close").
"""

import argparse
import json
import os
import resource
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from benchlib.common import LOOPBACK, REPO, EchoClient, rss_kib  # noqa: E402
from benchlib.stack import Stack  # noqa: E402


def cpu_s(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_links(port, n, batch=100):
    """n connections, each echoing 32 bytes once; opened batch by batch."""
    socks = []
    msg = os.urandom(32)
    while len(socks) < n:
        group = []
        for _ in range(min(batch, n - len(socks))):
            s = socket.create_connection((LOOPBACK, port), timeout=30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(msg)
            group.append(s)
        for s in group:
            got = b""
            while len(got) < len(msg):
                chunk = s.recv(len(msg) - len(got))
                if not chunk:
                    raise RuntimeError("a link closed before its echo")
                got += chunk
            if got != msg:
                raise RuntimeError("echo returned different bytes")
        socks.extend(group)
    return socks


def settle(pids, timeout=5.0):
    """RSS of each pid once it stops moving (the daemons finish their work)."""
    last = None
    deadline = time.monotonic() + timeout
    while True:
        now = {name: rss_kib(pid) for name, pid in pids.items()}
        if now == last or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(0.3)


def wait_fds_back(pids, base, slack=20, timeout=60.0):
    """Waits until each daemon holds no more descriptors than `base` (+
    slack: pooled links come and go): the closes reached them."""
    deadline = time.monotonic() + timeout
    while True:
        now = {name: len(os.listdir(f"/proc/{pid}/fd")) for name, pid in pids.items()}
        if all(now[k] <= base[k] + slack for k in now):
            return now
        if time.monotonic() > deadline:
            raise RuntimeError(f"descriptors still held {timeout} s after the close: {now}, "
                               f"against {base} before")
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "src"))
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds to wait after the links closed before reading the daemons' "
                         "RSS (default 1)")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    limits = f"max_links_per_serve={args.n + 1000}\n"
    route = (f"max_pending_links_per_vnet={args.n + 1000}\n"
             f"max_pending_links_per_serve={args.n + 1000}\n"
             f"max_live_links_per_vnet={args.n + 1000}\n"
             f"max_live_links_per_serve={args.n + 1000}\n")
    stack = Stack(os.path.abspath(args.bin_dir), "info", vnet_a_keys=limits)
    stack.route_keys = route
    try:
        stack.start()
        pids = {name: p.pid for name, p, _ in stack.procs if name in ("route", "vnet-a", "vnet-b")}
        everyone = {name: p.pid for name, p, _ in stack.procs}
        fds0 = {name: len(os.listdir(f"/proc/{pid}/fd")) for name, pid in pids.items()}
        for s in open_links(stack.use_echo, min(500, args.n)):
            s.close()
        wait_fds_back(pids, fds0)
        before = settle(pids)
        cpu0 = {name: cpu_s(pid) for name, pid in everyone.items()}
        mine0 = os.times()
        t0 = time.monotonic()
        socks = open_links(stack.use_echo, args.n)
        opened = time.monotonic() - t0
        cpu = {name: round(cpu_s(pid) - cpu0[name], 2) for name, pid in everyone.items()}
        mine = os.times()
        cpu["client"] = round(mine.user + mine.system - mine0.user - mine0.system, 2)
        after = settle(pids)
        samples = []
        c = EchoClient(stack.use_echo)
        c.round_trips(2000, samples)
        c.close()
        for s in socks:
            s.close()
        wait_fds_back(pids, fds0)
        # A fixed window, not a wait for a state: a daemon may give memory
        # back unannounced (the allocator trims the top of its heap).
        time.sleep(args.settle)
        closed = settle(pids)
    except BaseException:
        stack.dump_logs()
        raise
    finally:
        stack.stop()
    per = {name: (after[name] - before[name]) * 1024 / args.n for name in pids}
    res = {"links": args.n, "open_s": round(opened, 2), "open_cpu_s": cpu,
           "bytes_per_idle_link": {k: round(v) for k, v in per.items()},
           "rss_kib_before": before, "rss_kib_after": after, "rss_kib_after_close": closed,
           "echo32_p50_us": round(statistics.median(samples) / 1000, 1)}
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"{args.n} idle links (opened in {opened:.2f} s; CPU s while opening: {cpu});"
              " bytes per idle link:")
        for k, v in per.items():
            print(f"  {k:7} {v:9.0f}   (RSS {before[k]} -> {after[k]} KiB, "
                  f"{closed[k]} KiB after close)")
        print(f"32-byte echo p50 {res['echo32_p50_us']} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
