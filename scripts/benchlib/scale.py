"""bench.py --idle-links [N] and --links N,N,...: RSS of the route and both
vnets with N idle links open through a use against none, per link; and N
links opened at once through a use, per N: time, rate, per-process CPU
during the opening, accept queues and the kernel's listen overflow and SYN
retransmission counters."""

import errno
import os
import re
import selectors
import shutil
import socket
import subprocess
import threading
import time

from . import procs
from .common import LOOPBACK, percentile

SETTLE_TIMEOUT = 120  # s: links of a round closing in the daemons

# The quotas against hostile peers would refuse links 257 to 9000 of a burst:
# the scaling modes measure the data path, not the quotas.
SCALE_ROUTE_KEYS = "".join(f"{k}=1000000\n" for k in (
    "max_pending_links_per_vnet", "max_live_links_per_vnet", "max_pending_links_per_serve",
    "max_live_links_per_serve", "max_unidentified"))
SCALE_VNET_KEYS = "max_links_per_serve=1000000\n"
# Each vnet dials the route at its own address: connect() takes even ports
# first, and once one (source, destination) pair holds more connections than
# half the port range (14116 of 32768-60999), every further connect() walks
# all the taken even ports (the kernel's __inet_check_established: 70% of the
# serving vnet's CPU at 9000 links). use->route plus serve->route from one
# address reach that at 7000 links, which no deployment (two hosts) would.
# The route listens on every address for it, with a token nobody else knows.
SCALE_ROUTE_IPS = ("0.0.0.0", "127.0.0.1", "127.0.0.2")


def daemons(stack):
    return {"route": stack.pid("route"), "use vnet": stack.pid("vnet-b"),
            "serve vnet": stack.pid("vnet-a")}


def scale(stack, args):
    out = {"daemon_fd_limits": {name: procs.fd_soft_limit(pid)
                                for name, pid in daemons(stack).items()}}
    if args.idle_links is not None:
        out["idle"] = idle_memory(stack, args.idle_links, args.links_window or 256)
    if args.links:
        out["links"] = []
        for n in (int(n) for n in args.links.split(",") if n.strip()):
            tw = settle_time_wait(args.links_settle)
            out["links"].append(dict(open_many(stack, n, args.links_window), time_wait_before=tw))
    return out


def open_links(port, n, window=0, timeout=120):
    """Opens n connections to port at once (at most `window` opening at a
    time when window > 0); each sends one byte and waits for its echo, then
    stays open. Returns (open sockets, seconds each took from its connect to
    its echo, failures)."""
    sel = selectors.DefaultSelector()
    done, times, failed = [], [], 0
    started = pending = 0
    t0 = time.perf_counter()
    deadline = t0 + timeout
    while (started < n or pending) and time.perf_counter() < deadline:
        while started < n and (window <= 0 or pending < window):
            started += 1
            s = socket.socket()
            s.setblocking(False)
            err = s.connect_ex((LOOPBACK, port))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                failed += 1
                continue
            sel.register(s, selectors.EVENT_WRITE, ["connecting", time.perf_counter()])
            pending += 1
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                if key.data[0] == "connecting":
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, os.strerror(err))
                    s.send(b"x")
                    key.data[0] = "echo"
                    sel.modify(s, selectors.EVENT_READ, key.data)
                    continue
                if s.recv(1) != b"x":
                    raise OSError("closed before the echo")
                sel.unregister(s)
                done.append(s)
                times.append(time.perf_counter() - key.data[1])
            except OSError:
                sel.unregister(s)
                s.close()
                failed += 1
            pending -= 1
    for key in list(sel.get_map().values()):  # still pending at the deadline
        key.fileobj.close()
        failed += 1
    sel.close()
    return done, times, failed


def close_and_settle(stack, socks, base_fds):
    """Closes the links and waits until the route holds no more descriptors
    than before them, so that the next round starts from an idle stack."""
    for s in socks:
        s.close()
    pid = stack.pid("route")
    # Pooled idle links (protocol 5) may come and go meanwhile: up to
    # max_idle_links_per_vnet (64) per vnet, one descriptor each at the
    # route; links left over from a round of N would be far more.
    stack.wait("the route to close the links",
               lambda: procs.open_fds(pid) <= base_fds + 8 + 2 * 64, SETTLE_TIMEOUT)


def idle_memory(stack, n, window):
    pids = daemons(stack)
    base_fds = procs.open_fds(pids["route"])
    socks, _, failed = open_links(stack.use_mecho, min(n, 100), window)  # warm-up
    close_and_settle(stack, socks, base_fds)
    before = {k: procs.rss_bytes(p) for k, p in pids.items()}
    socks, _, failed = open_links(stack.use_mecho, n, window)
    held = {k: procs.rss_bytes(p) for k, p in pids.items()}
    close_and_settle(stack, socks, base_fds)
    after = {k: procs.rss_bytes(p) for k, p in pids.items()}
    return {"links": n, "opened": len(socks), "failed": failed, "window": window,
            "rss_none_MB": {k: v / (1 << 20) for k, v in before.items()},
            "rss_held_MB": {k: v / (1 << 20) for k, v in held.items()},
            "rss_after_MB": {k: v / (1 << 20) for k, v in after.items()},
            "KB_per_link": {k: (held[k] - before[k]) / 1024 / max(1, len(socks)) for k in pids}}


class BacklogWatch:
    """Samples the accept queues of some listeners (`ss -ltn`: Recv-Q is the
    queue now, Send-Q its limit) while links open: the largest queue seen
    tells which listener overflowed. Nothing when ss is missing."""

    def __init__(self, ports):
        self.ports = ports  # name -> port
        self.peak = {name: 0 for name in ports}
        self.limit = {}
        self.stop_ = threading.Event()
        self.ok = bool(shutil.which("ss"))
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        if self.ok:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_.set()
        if self.ok:
            self.thread.join()

    def run(self):
        by_port = {str(p): name for name, p in self.ports.items()}
        filt = " or ".join(f"sport = :{p}" for p in self.ports.values())
        while not self.stop_.wait(0.02):
            try:
                out = subprocess.run(["ss", "-ltnH", filt], capture_output=True, text=True,
                                     timeout=5).stdout
            except (OSError, subprocess.SubprocessError):
                return
            for line in out.splitlines():
                f = line.split()  # State Recv-Q Send-Q Local:Port Peer
                name = by_port.get(f[3].rsplit(":", 1)[1]) if len(f) > 3 else None
                if name:
                    self.peak[name] = max(self.peak[name], int(f[1]))
                    self.limit[name] = int(f[2])


def time_wait_count():
    try:
        out = subprocess.run(["ss", "-tanH", "state", "time-wait"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.count("\n")


def settle_time_wait(most_s, few=1000):
    """Waits (at most most_s) until the machine holds few TIME_WAIT sockets:
    the links of the round before leave one per closed connection for 60 s,
    and each makes the kernel's search for a free port in connect() longer.
    Returns how many there were when the round starts."""
    deadline = time.monotonic() + most_s
    while True:
        n = time_wait_count()
        if n is None or n <= few or time.monotonic() >= deadline:
            return n
        time.sleep(1)


def open_many(stack, n, window):
    pids = daemons(stack)
    pids["echo service"] = stack.pid("mecho")
    base_fds = procs.open_fds(pids["route"])
    log_sizes = {name: len(stack.log(name)) for name in ("route", "vnet-a", "vnet-b")}
    rss0 = {k: procs.rss_bytes(p) for k, p in daemons(stack).items()}
    meter = procs.CpuMeter(pids)
    counters = procs.tcp_counters()
    own = procs.self_cpu_seconds()
    listeners = {"use port": stack.use_mecho, "route": stack.route_port,
                 "echo service": stack.mecho_port}
    meter.start()
    with BacklogWatch(listeners) as queues:
        t0 = time.perf_counter()
        socks, times, failed = open_links(stack.use_mecho, n, window)
        elapsed = time.perf_counter() - t0
    meter.stop()
    cpu = dict(meter.used, bench=procs.self_cpu_seconds() - own)
    tcp = procs.counters_delta(counters, procs.tcp_counters())
    route_fds = procs.open_fds(pids["route"]) - base_fds
    rss = {k: procs.rss_bytes(p) for k, p in daemons(stack).items()}
    times.sort()
    reasons = failure_reasons(stack, log_sizes) if failed else {}
    close_and_settle(stack, socks, base_fds)
    return {"links": n, "opened": len(socks), "failed": failed, "window": window,
            "seconds": elapsed, "rate_per_s": len(socks) / elapsed if elapsed else 0,
            "ms_per_link": elapsed / n * 1000,
            "latency_s": {"p50": percentile(times, 50), "p90": percentile(times, 90),
                            "max": times[-1] if times else float("nan")},
            "over_1s": sum(1 for t in times if t >= 1.0),
            "route_fds_held": route_fds, "cpu_s": cpu, "tcp": tcp,
            "rss_held_MB": {k: v / (1 << 20) for k, v in rss.items()},
            "rss_KB_per_link": {k: (rss[k] - rss0[k]) / 1024 / max(1, len(socks)) for k in rss},
            "accept_queue_peak": queues.peak, "accept_queue_limit": queues.limit,
            "failure_reasons": reasons}


def failure_reasons(stack, log_sizes, most=4):
    """The daemons' warnings and errors during a round, numbers blanked so
    that the same reason counts once: why links failed."""
    counts = {}
    for name, start in log_sizes.items():
        for line in stack.log(name)[start:].splitlines():
            if not re.search(r"\b(warn|warning|error)\b", line, re.IGNORECASE):
                continue
            text = re.sub(r"^\S+ \S+ ", "", line)  # the timestamp
            text = re.sub(r"\d+", "N", text)[:160]
            key = f"{name}: {text}"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:most])


def print_scale(s):
    print()
    print("daemons' descriptor soft limits (they raise their own): " +
          ", ".join(f"{k} {v}" for k, v in s["daemon_fd_limits"].items()))
    if "idle" in s:
        i = s["idle"]
        print()
        print(f"memory per idle link: {i['opened']} links open through a use ({i['failed']} "
              f"failed), RSS (VmRSS) against none:")
        print(f"{'process':14}{'none MB':>10}{'held MB':>10}{'KB/link':>10}{'after MB':>10}")
        for k in i["KB_per_link"]:
            print(f"{k:14}{i['rss_none_MB'][k]:10.1f}{i['rss_held_MB'][k]:10.1f}"
                  f"{i['KB_per_link'][k]:10.1f}{i['rss_after_MB'][k]:10.1f}")
    if "links" in s:
        rows = s["links"]
        first = rows[0]
        print()
        print("N links opened at once through a use (each echoes one byte, then stays open):")
        print(f"{'N':>6}{'opened':>8}{'failed':>8}{'seconds':>9}{'links/s':>9}{'ms/link':>9}"
              f"{'x linear':>10}{'p50 s':>7}{'p90 s':>7}{'>=1s':>6}  CPU s during the opening")
        for row in rows:
            linear = row["ms_per_link"] / first["ms_per_link"] if first["ms_per_link"] else 0
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in row["cpu_s"].items())
            print(f"{row['links']:6}{row['opened']:8}{row['failed']:8}{row['seconds']:9.2f}"
                  f"{row['rate_per_s']:9.0f}{row['ms_per_link']:9.3f}{linear:10.2f}"
                  f"{row['latency_s']['p50']:7.2f}{row['latency_s']['p90']:7.2f}"
                  f"{row['over_1s']:6}  {cpu}")
        print()
        print("per N: kernel TCP counters during the opening (nstat -az; the whole machine "
              "counts), memory, accept queues:")
        for row in rows:
            print(f"  N={row['links']}: " + ", ".join(f"{k} {v}" for k, v in row["tcp"].items()))
            print("    RSS with them open (MB, KB per link over the RSS before): " + ", ".join(
                f"{k} {v:.1f} ({row['rss_KB_per_link'][k]:.1f})"
                for k, v in row["rss_held_MB"].items()))
            print(f"    TIME_WAIT sockets at the start: {row['time_wait_before']}; "
                  "accept queue peak/limit: " + ", ".join(
                f"{k} {v}/{row['accept_queue_limit'].get(k, '?')}"
                for k, v in row["accept_queue_peak"].items()))
            for reason, count in row["failure_reasons"].items():
                print(f"    {count} x {reason}")
        print("x linear: time per link against the first N (1.00 = linear); p50, p90, >=1s: "
              "each link's connect to echo")
        print("(a lost SYN waits 1 s before its retransmission, then 2 s more, and so on)")
