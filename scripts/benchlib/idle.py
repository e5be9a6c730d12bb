"""bench.py --idle-sessions [N]: what an idle vnet costs the route, and what
each daemon costs just started, beside haproxy in the same run.

  (a) the route's VmRSS with N admitted, idle control sessions (TLS 1.3,
      control_hello, welcome: what a vnet does to join) against none, per
      session. Each session is a vnet alone in its group (--idle-group-size
      puts more in one), so that the route has nothing to tell it later: an
      idle vnet. A warm-up batch is opened and closed first (the allocator's
      steady state); sessions come from 127.0.x.y source addresses, 50 each
      (under max_sessions_per_address);
  (b) the idle memory of a route, of a vnet serving one port and of a vnet
      using it, and of one haproxy (TCP mode, one listener), each just
      started: VmRSS, PSS and private (what the process alone holds;
      /proc/PID/smaps_rollup).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from . import procs
from .common import REPO, free_port

sys.path.insert(0, os.path.join(REPO, "tests", "blackbox"))
import wire  # noqa: E402  (the black-box tests' TLS client and frame codec)

WARM_UP = 200


def memory_kib(pid):
    """VmRSS, PSS and private (Private_Clean + Private_Dirty) in KiB."""
    out = {"rss": 0, "pss": 0, "private": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                value = rest.split()[0] if rest.split() else "0"
                if key == "Rss":
                    out["rss"] = int(value)
                elif key == "Pss":
                    out["pss"] = int(value)
                elif key in ("Private_Clean", "Private_Dirty"):
                    out["private"] += int(value)
    except (OSError, ValueError, IndexError):
        pass
    return out


def settle(pid, timeout=10.0):
    """The route's VmRSS (KiB) once two reads half a second apart agree."""
    last, deadline = None, time.monotonic() + timeout
    while True:
        now = procs.rss_bytes(pid) // 1024
        if now == last or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(0.5)


def open_sessions(port, n, first, group_size):
    conns = []
    for i in range(first, first + n):
        k = i // 50  # 50 sessions per source address, under max_sessions_per_address (64)
        source = f"127.0.{1 + k // 250}.{2 + k % 250}"
        sock = wire.control_socket(port, timeout=30, source=source)
        c = wire.Conn(port, sock=sock, timeout=30)
        c.send("control_hello", name=f"idle{i}", group=f"g{i // max(1, group_size)}", auth="")
        if c.recv_until("welcome", 30) is None:
            raise RuntimeError(f"session {i} was not welcomed")
        conns.append(c)
    return conns


class Daemons:
    """The processes of this mode, in a folder of their own."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vnet-bench-idle-")
        self.procs = {}

    def start(self, name, argv):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        self.procs[name] = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=log)
        return self.procs[name]

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def log(self, name):
        with open(os.path.join(self.dir, name + ".log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait(self, what, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while not predicate():
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited while waiting for {what}:\n{self.log(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def listens(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def idle_sessions(args, haproxy):
    d = Daemons()
    out = {}
    try:
        port = free_port()
        # Thousands of sessions from a few /24s, opened as fast as they go:
        # the per-network and handshake-rate bounds are not what this measures;
        # sessions that only listen stay (timeout).
        cfg = d.write("route.ini", f"[route]\nip=0.0.0.0\nport={port}\ntimeout=3600\nheartbeat=3600\n"
                                   "max_sessions_per_network=100000\nmax_handshakes_per_second=100000\n")
        route = d.start("route", [os.path.join(args.bin_dir, "route"), "-v", "warn", cfg])
        d.wait("the route to listen", lambda: listens(port))
        # Two vnets with a small configuration: one serves a port, one uses it.
        head = f"[route]\nip=127.0.0.1\nport={port}\n"
        serve_port, use_port = free_port(), free_port()
        a = d.start("vnet-a", [os.path.join(args.bin_dir, "vnet"), "-v", "warn", d.write("a.ini", (
            f"{head}[vnet]\nname=a\ngroup=pair\nterminal=false\n"
            f"[serve.web]\nport={serve_port}\nserveid=801\n"))])
        b = d.start("vnet-b", [os.path.join(args.bin_dir, "vnet"), "-v", "warn", d.write("b.ini", (
            f"{head}[vnet]\nname=b\ngroup=pair\nterminal=false\n"
            f"[use.web]\nport={use_port}\nserveid=801\n"))])
        d.wait("the use port", lambda: listens(use_port))
        pids = {"route": route.pid, "serve vnet": a.pid, "use vnet": b.pid}
        if haproxy:
            hport = free_port()
            hcfg = d.write("haproxy.cfg", (
                "global\n  nbthread 1\n  maxconn 4000\n"
                "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n"
                f"listen relay\n  bind 127.0.0.1:{hport}\n  server next 127.0.0.1:{serve_port}\n"))
            pids["haproxy"] = d.start("haproxy", [haproxy, "-db", "-f", hcfg]).pid
            d.wait("haproxy", lambda: listens(hport))
        time.sleep(args.idle_settle)
        out["idle_KiB"] = {name: memory_kib(pid) for name, pid in pids.items()}

        warm = open_sessions(port, min(WARM_UP, args.idle_sessions), 0, args.idle_group_size)
        for c in warm:
            c.close()
        time.sleep(1)
        before = settle(route.pid)
        t0 = time.monotonic()
        conns = open_sessions(port, args.idle_sessions, WARM_UP, args.idle_group_size)
        opened_s = time.monotonic() - t0
        held = settle(route.pid)
        out["sessions"] = {"n": len(conns), "group_size": args.idle_group_size,
                           "open_seconds": opened_s, "route_rss_none_KiB": before,
                           "route_rss_held_KiB": held,
                           "KiB_per_idle_session": (held - before) / max(1, len(conns))}
        for c in conns:
            c.close()
    except BaseException:
        for name in d.procs:
            sys.stderr.write(f"----- {name} -----\n{d.log(name)[-3000:]}\n")
        raise
    finally:
        d.stop()
    return out


def print_idle(r):
    print("idle memory of each process, just started (KiB; private: what it alone holds):")
    print(f"{'process':12}{'VmRSS':>9}{'PSS':>9}{'private':>9}")
    for name, m in r["idle_KiB"].items():
        print(f"{name:12}{m['rss']:9}{m['pss']:9}{m['private']:9}")
    s = r["sessions"]
    print()
    print(f"{s['n']} idle admitted control sessions ({s['group_size']} per group, opened in "
          f"{s['open_seconds']:.1f} s): route VmRSS {s['route_rss_none_KiB'] / 1024:.1f} -> "
          f"{s['route_rss_held_KiB'] / 1024:.1f} MB, {s['KiB_per_idle_session']:.1f} KiB per idle session")
    print()
    print("targets (issue 23):")
    ok = s["KiB_per_idle_session"] <= 16
    print(f"  idle session at the route <= 16 KiB: {s['KiB_per_idle_session']:.1f} "
          f"{'met' if ok else 'NOT met'}")
    for name, m in r["idle_KiB"].items():
        if name == "haproxy":
            continue
        print(f"  {name} idle VmRSS <= 8 MB: {m['rss'] / 1024:.1f} MB "
              f"{'met' if m['rss'] <= 8192 else 'NOT met'} (private {m['private'] / 1024:.1f} MB)")
