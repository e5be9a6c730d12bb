"""The measurement modes of scripts/bench.py that each take a stack of their
own (Python stdlib only; see bench.py --help):

  --wan-ms D        connect + first echo across an emulated WAN (a delay relay
                    between each vnet and the route), p50/p90 against the 4*D
                    floor, beside the floor relays and haproxy through the
                    same delay relays;
  --idle-links [N]  RSS of the route and both vnets with N idle links open
                    through a use, against none, per link;
  --links N,N,...   open N links at once through a use, per N: time, rate,
                    per-process CPU during the opening, the kernel's listen
                    overflow and SYN retransmission counters.
"""

import errno
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time

import bench_procs
from bench import LOOPBACK, EchoClient, Stack, percentile, setup_time

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


def run(args, floor_relay, haproxy, fd_limit, route_keys="", vnet_keys=""):
    results = {"cpus": os.cpu_count()}
    if args.wan_ms is not None:
        results["wan"] = with_stack(args, fd_limit, route_keys, vnet_keys, args.wan_ms,
                                    lambda stack: wan(stack, args, floor_relay, haproxy))
    if args.idle_links is not None or args.links:
        def scale(stack):
            out = {"daemon_fd_limits": {name: bench_procs.fd_soft_limit(pid)
                                        for name, pid in daemons(stack).items()}}
            if args.idle_links is not None:
                out["idle"] = idle_memory(stack, args.idle_links, args.links_window or 256)
            if args.links:
                sizes = [int(n) for n in args.links.split(",") if n.strip()]
                out["links"] = []
                for n in sizes:
                    tw = settle_time_wait(args.links_settle)
                    out["links"].append(dict(open_many(stack, n, args.links_window),
                                             time_wait_before=tw))
            return out
        keys = route_keys or f"token={os.urandom(16).hex()}\n"
        results["scale"] = with_stack(args, fd_limit, keys, vnet_keys, None, scale,
                                      route_only_keys=SCALE_ROUTE_KEYS,
                                      vnet_a_keys=SCALE_VNET_KEYS, route_ips=SCALE_ROUTE_IPS)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_results(results)
    return 0


def with_stack(args, fd_limit, route_keys, vnet_keys, wan_ms, body, route_only_keys="",
               vnet_a_keys="", route_ips=None):
    delay_relay = args.delay_relay or os.path.join(args.bin_dir, "..", "tests", "delay_relay")
    if wan_ms is not None and not os.access(delay_relay, os.X_OK):
        sys.exit(f"no delay_relay binary at {delay_relay} (cmake --build build --target "
                 "delay_relay, or --delay-relay PATH)")
    stack = Stack(os.path.abspath(args.bin_dir), args.log_level, route_keys=route_keys,
                  vnet_keys=vnet_keys, wan_ms=wan_ms, delay_relay=os.path.abspath(delay_relay),
                  daemon_fd_limit=fd_limit, route_only_keys=route_only_keys,
                  vnet_a_keys=vnet_a_keys, route_ips=route_ips)
    try:
        stack.start()
        return body(stack)
    except BaseException:
        stack.dump_logs()
        raise
    finally:
        stack.stop()


def daemons(stack):
    return {"route": stack.pid("route"), "use vnet": stack.pid("vnet-b"),
            "serve vnet": stack.pid("vnet-a")}


# --------------------------------------------------------------------- WAN


def wan(stack, args, floor_relay, haproxy):
    d = stack.wan_ms
    paths = {"tunnel": stack.use_echo}
    if floor_relay:
        paths["floor relays"] = stack.chain("wan-floor", stack.echo_port,
                                            stack.floor_hop(floor_relay), delayed=True)
    if haproxy:
        paths["haproxy 3-hop"] = stack.chain("wan-haproxy", stack.echo_port,
                                             stack.haproxy_hop(haproxy), delayed=True)
    # One delay relay alone in front of the echo service: its setup must be
    # 4*D and its round trip 2*D; what it takes more is the relay's own cost.
    paths["one delay relay"] = stack.delay_hop("delay-probe", stack.echo_port)
    for name, port in paths.items():
        stack.wait(f"an echo through {name}", lambda: try_setup(port, 10) is not None, 30)
        for _ in range(3):  # warm-up
            try_setup(port, 10)

    names = list(paths)
    times = {n: [] for n in names}
    failed = {n: 0 for n in names}
    for i in range(args.wan_setups):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            t = try_setup(paths[name], 10)
            if t is None:
                failed[name] += 1
            else:
                times[name].append(t)

    echo = {name: echo_p50(port, 20) for name, port in paths.items()}
    direct = echo_p50(stack.echo_port, 200)
    floor_s = 4 * d / 1000
    out = {"delay_ms": d, "floor_ms": 4 * d, "setups": args.wan_setups,
           "relay_overhead_us_per_crossing":
               (echo["one delay relay"] - 2 * d / 1000 - direct) / 2 * 1e6,
           "paths": {}}
    for name in names:
        v = sorted(times[name])
        p50, p90 = percentile(v, 50), percentile(v, 90)
        out["paths"][name] = {"setup_p50_ms": p50 * 1000, "setup_p90_ms": p90 * 1000,
                              "p50_x_floor": p50 / floor_s, "p90_x_floor": p90 / floor_s,
                              "failed": failed[name], "echo_p50_ms": echo[name] * 1000}
    return out


def try_setup(port, timeout):
    try:
        return setup_time(port, timeout)
    except (OSError, EOFError):
        return None


def echo_p50(port, k):
    """Median round trip of 32 bytes on an established connection, seconds."""
    c = EchoClient(port)
    try:
        c.sock.settimeout(10)
        c.round_trips(2, [])
        samples = []
        c.round_trips(k, samples)
    finally:
        c.close()
    return statistics.median(samples) / 1e9


# --------------------------------------------------- many links at once


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
    stack.wait("the route to close the links",
               lambda: bench_procs.open_fds(pid) <= base_fds + 8, SETTLE_TIMEOUT)


def idle_memory(stack, n, window):
    pids = daemons(stack)
    base_fds = bench_procs.open_fds(pids["route"])
    socks, _, failed = open_links(stack.use_mecho, min(n, 100), window)  # warm-up
    close_and_settle(stack, socks, base_fds)
    before = {k: bench_procs.rss_bytes(p) for k, p in pids.items()}
    socks, _, failed = open_links(stack.use_mecho, n, window)
    held = {k: bench_procs.rss_bytes(p) for k, p in pids.items()}
    close_and_settle(stack, socks, base_fds)
    after = {k: bench_procs.rss_bytes(p) for k, p in pids.items()}
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
        self.ok = bool(shutil_which("ss"))
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


def shutil_which(name):
    import shutil
    return shutil.which(name)


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
    base_fds = bench_procs.open_fds(pids["route"])
    log_sizes = {name: len(stack.log(name)) for name in ("route", "vnet-a", "vnet-b")}
    rss0 = {k: bench_procs.rss_bytes(p) for k, p in daemons(stack).items()}
    meter = bench_procs.CpuMeter(pids)
    counters = bench_procs.tcp_counters()
    own = bench_procs.self_cpu_seconds()
    listeners = {"use port": stack.use_mecho, "route": stack.route_port,
                 "echo service": stack.mecho_port}
    meter.start()
    with BacklogWatch(listeners) as queues:
        t0 = time.perf_counter()
        socks, times, failed = open_links(stack.use_mecho, n, window)
        elapsed = time.perf_counter() - t0
    meter.stop()
    cpu = dict(meter.used, bench=bench_procs.self_cpu_seconds() - own)
    tcp = bench_procs.counters_delta(counters, bench_procs.tcp_counters())
    route_fds = bench_procs.open_fds(pids["route"]) - base_fds
    rss = {k: bench_procs.rss_bytes(p) for k, p in daemons(stack).items()}
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
    import re
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


# ------------------------------------------------------------------ print


def print_results(r):
    print(f"vnet bench: route + 2 vnets on 127.0.0.1, {r['cpus']} CPUs")
    if "wan" in r:
        w = r["wan"]
        d = w["delay_ms"]
        print()
        print(f"WAN: a delay relay of {d:g} ms each way between each vnet and the route (a new "
              f"connection's bytes held {2 * d:g} ms more: its TCP handshake); the delay relay "
              f"costs {w['relay_overhead_us_per_crossing']:.0f} us per crossing")
        print(f"connect + first echo, {w['setups']} per path, alternating; floor = 4 x D = "
              f"{w['floor_ms']:g} ms")
        print()
        print(f"{'path':20}{'p50 ms':>9}{'p90 ms':>9}{'p50/floor':>11}{'p90/floor':>11}"
              f"{'failed':>8}{'echo p50 ms':>13}")
        for name, p in w["paths"].items():
            print(f"{name:20}{p['setup_p50_ms']:9.1f}{p['setup_p90_ms']:9.1f}"
                  f"{p['p50_x_floor']:11.2f}{p['p90_x_floor']:11.2f}{p['failed']:8}"
                  f"{p['echo_p50_ms']:13.1f}")
        print()
        print("echo p50: a 32-byte round trip on an established connection (4 x D through the "
              "tunnel at best).")
        print("The floor and haproxy chains open a fresh TCP connection on each delayed hop "
              "(two handshakes);")
        print(f"'one delay relay' alone must show {4 * d:g} ms setup and {2 * d:g} ms echo.")
    s = r.get("scale")
    if not s:
        return
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
