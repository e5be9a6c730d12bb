"""bench.py --handshakes: what unauthenticated TLS handshakes cost the route
(issue 20, finding 2), on loopback against the bench's own route.

  (a) setup p50/p99 of a legitimate tunnel connection (connect through the
      use port + the first echoed byte) with no flood, then while flooders
      replay one recorded ClientHello as fast as they can (each forces the
      route's full server handshake: key exchange and signature), bounded in
      time and in concurrent connections;
  (b) the route's memory per half-open TLS connection: its RSS with N
      connections that sent part of a ClientHello, then N that sent a whole
      one and never finished, each against none (per connection).
"""

import json
import multiprocessing
import os
import socket
import sys
import time

from .common import LOOPBACK, REPO, echo_ok, percentile, rss_kib, setup_time
from .stack import Stack


def flood(port, hello, seconds, counter, source):
    """Replays `hello` on new connections from `source` (an address the
    route never admitted) until `seconds` have passed; each connection reads
    the route's first answer (its handshake work is done by then) and
    closes. Counts the handshakes the route answered."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=2, source_address=(source, 0)) as s:
                s.sendall(hello)
                if s.recv(4096):
                    n += 1
        except OSError:
            pass
    with counter.get_lock():
        counter.value += n


def setups_for(port, seconds, spacing=0.02):
    times, failed = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            times.append(setup_time(port))
        except (OSError, EOFError):
            failed += 1
        time.sleep(max(0.0, spacing - (time.monotonic() - t0)))
    times.sort()
    return {"setups": len(times), "failed": failed, "p50_ms": percentile(times, 50) * 1000,
            "p99_ms": percentile(times, 99) * 1000}


def settled_rss(pid, seconds=3.0):
    """The RSS once it stops moving (the route took in what was sent)."""
    last, same, end = rss_kib(pid), 0, time.monotonic() + seconds
    while time.monotonic() < end and same < 5:
        time.sleep(0.1)
        now = rss_kib(pid)
        same = same + 1 if now == last else 0
        last = now
    return last


def half_open(pid, port, payload, n):
    """RSS per connection that sent `payload` and then nothing."""
    before = settled_rss(pid)
    held = []
    try:
        for _ in range(n):
            s = socket.create_connection((LOOPBACK, port), timeout=2)
            s.sendall(payload)
            held.append(s)
        after = settled_rss(pid)
    finally:
        for s in held:
            s.close()
    return {"connections": n, "rss_delta_kib": after - before, "kib_each": (after - before) / n}


def bench_handshakes(args):
    rate = f"max_handshakes_per_second={args.handshake_rate}\n" if args.handshake_rate else ""
    stack = Stack(os.path.abspath(args.bin_dir), args.log_level, route_only_keys=rate)
    result = {"cpus": os.cpu_count()}
    try:
        stack.start()
        port, route = stack.use_echo, stack.route_port
        for _ in range(20):  # warm-up
            setup_time(port)
        sys.path.insert(0, os.path.join(REPO, "tests", "blackbox"))
        import wire  # the black-box tests' protocol module
        hello = wire.client_hello()
        result["no_flood"] = setups_for(port, args.flood_seconds)
        counter = multiprocessing.Value("l", 0)
        flooders = [multiprocessing.Process(target=flood, args=(route, hello, args.flood_seconds + 1, counter,
                                                                 f"127.0.0.{2 + i}"))
                    for i in range(args.flooders)]
        for f in flooders:
            f.start()
        time.sleep(0.5)  # in full swing
        during = setups_for(port, args.flood_seconds)
        for f in flooders:
            f.join()
        during["handshakes_forced_per_s"] = counter.value / (args.flood_seconds + 1)
        result["flood"] = during
        stack.wait("the tunnel after the flood", lambda: echo_ok(port), 30)
        pid = stack.pid("route")
        n = args.half_open
        if n:
            result["half_open_partial_hello"] = half_open(pid, route, hello[: len(hello) // 2], n)
            result["half_open_whole_hello"] = half_open(pid, route, hello, n)
    except BaseException:
        stack.dump_logs()
        raise
    finally:
        stack.stop()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"vnet bench --handshakes on 127.0.0.1, {result['cpus']} CPUs")
    print(f"{'':28}{'setups':>8}{'failed':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for name in ("no_flood", "flood"):
        r = result[name]
        print(f"{name:28}{r['setups']:8}{r['failed']:8}{r['p50_ms']:10.2f}{r['p99_ms']:10.2f}")
    print(f"max_handshakes_per_second: {args.handshake_rate or 'default'}; "
          f"replayed ClientHellos the route answered during the flood: "
          f"{result['flood']['handshakes_forced_per_s']:.0f}/s ({args.flooders} flooders)")
    for name in ("half_open_partial_hello", "half_open_whole_hello"):
        if name not in result:
            continue
        r = result[name]
        print(f"{name:28}{r['connections']:6} connections: route RSS +{r['rss_delta_kib']} KiB, "
              f"{r['kib_each']:.1f} KiB each")
    return 0
