#!/usr/bin/env python3
"""Soak of issue 8: a random mix of the attacks for N minutes against a real
route, while a legitimate tunnel carries transfers checked by sha256 at both
ends (Python stdlib only; not part of ctest).

    python3 scripts/soak.py [--minutes 10] [--bin-dir build/src] [--nofile N] [--json]

Starts a route with its default limits, vnet "home" serving an echo service
as serveid 700 (allow_unserve=true) and vnet "office" using it, then runs the
attacks of tests/blackbox/attacks.py one or two at a time, picked at random,
for the whole duration. Prints the route's peak and final RSS and fds, the
transfers ok/failed, and the legit setup time p50/p99 (connect + first echoed
byte). Exits non-zero when a transfer failed or a daemon died.
"""

import argparse
import collections
import json
import os
import random
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "blackbox"))

import harness  # noqa: E402
from attacks import standard_mix  # noqa: E402
from attack_case import (Attack, LegitTraffic, closed_port_range, fd_count,  # noqa: E402
                         rss_kb, status_kb, transfer)


class Sampler:
    """Samples the route's RSS and fds every 0.2 s; keeps the peaks."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_rss = rss_kb(pid)
        self.peak_fds = fd_count(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.2):
            try:
                self.peak_rss = max(self.peak_rss, rss_kb(self.pid))
                self.peak_fds = max(self.peak_fds, fd_count(self.pid))
            except (OSError, AssertionError):
                return  # the route is gone; the caller notices

    def stop(self):
        self._stop.set()
        self._thread.join(2)


def soak(args, c):
    if args.nofile:
        cfg = c.write("route.ini", harness.ini_text({"route": {"ip": harness.LOOPBACK, "port": 0}}))
        log = os.path.join(c.dir, "route.log")
        route = harness.Daemon("route", ["prlimit", f"--nofile={args.nofile}",
                                         harness.binary("route"), "--log-level", "info", cfg],
                               log, c.dir)
        c.daemons.append(route)
        port = int(route.wait_log(harness.ROUTE_LISTENING, timeout=10).group(2))
    else:
        route, port = c.start_route()
    echo = c.service(harness.EchoService())
    use_port = harness.free_port()
    c.start_vnet("home", port, serves={"echo": {"serveid": 700, "port": echo.port}},
                 vnet_keys={"allow_unserve": True})
    c.start_vnet("office", port, uses={"echo": {"serveid": 700, "port": use_port}})
    harness.wait_for(lambda: harness.echo_roundtrip(use_port), 20, what="the tunnel")

    base_rss = rss_kb(route.pid)
    base_fds = fd_count(route.pid)
    attacks = standard_mix(700, "home", closed_port_range(200))
    sampler = Sampler(route.pid)
    traffic = LegitTraffic(use_port)
    ran = collections.Counter()
    results = collections.defaultdict(list)
    end = time.monotonic() + args.minutes * 60
    rng = random.Random(args.seed)
    try:
        while time.monotonic() < end:
            c.check_alive()
            batch = rng.sample(attacks, rng.choice((1, 1, 2)))
            running = []
            for name, seconds, extra in batch:
                running.append(Attack(c.dir, name, port, seconds, *extra))
                ran[name] += 1
            for a in running:
                try:
                    results[a.name].append(a.wait_done(90))
                except AssertionError as e:
                    results[a.name].append({"error": str(e)[:200]})
                finally:
                    a.kill()
            if not args.quiet:
                left = max(0, end - time.monotonic())
                print(f"[{time.strftime('%H:%M:%S')}] {'+'.join(a.name for a in running)}: "
                      f"transfers ok {len(traffic.ok)} failed {len(traffic.failures)}, route RSS "
                      f"{rss_kb(route.pid) // 1024} MiB, fds {fd_count(route.pid)}; "
                      f"{left:.0f} s left", flush=True)
    finally:
        traffic.stop()
        sampler.stop()

    # The service end must have seen every transfer the client saw intact:
    # compared as multisets, once the service has recorded as many (a scan
    # per transfer would be quadratic: a soak makes tens of thousands).
    expected = collections.Counter(traffic.ok)
    deadline = time.monotonic() + 10
    while echo.missing_records(expected) and time.monotonic() < deadline:
        time.sleep(0.1)
    missing = sum(echo.missing_records(expected).values())
    # Recovery: a fresh transfer once the attacks are over.
    try:
        _, sent, got = transfer(use_port, 1 << 20, timeout=30)
        recovered = harness.sha256(sent) == harness.sha256(got)
    except (OSError, EOFError):
        recovered = False
    alive = all(d.alive() for d in c.daemons)
    return {
        "minutes": args.minutes, "attacks_run": dict(ran),
        "route": {"baseline_rss_mib": round(base_rss / 1024, 1),
                  "peak_rss_mib": round(max(sampler.peak_rss,
                                            status_kb(route.pid, "VmHWM") if alive else 0) / 1024, 1),
                  "final_rss_mib": round(rss_kb(route.pid) / 1024, 1) if alive else None,
                  "baseline_fds": base_fds, "peak_fds": sampler.peak_fds,
                  "final_fds": fd_count(route.pid) if alive else None},
        "transfers": {"ok": len(traffic.ok) - missing, "failed": len(traffic.failures) + missing,
                      "failures": traffic.failures[:5]},
        "setup_ms": {"p50": round(traffic.percentile(50) * 1000, 1),
                     "p99": round(traffic.percentile(99) * 1000, 1),
                     "max": round(max(traffic.setups, default=float("nan")) * 1000, 1)},
        "recovered": recovered, "daemons_alive": alive,
        "last_results": {k: v[-1] for k, v in results.items()},
    }


def print_figures(r):
    t, s, ro = r["transfers"], r["setup_ms"], r["route"]
    print()
    print(f"soak: {r['minutes']} min, attacks run: "
          + ", ".join(f"{k} x{v}" for k, v in sorted(r["attacks_run"].items())))
    print(f"route RSS: baseline {ro['baseline_rss_mib']} MiB, peak {ro['peak_rss_mib']} MiB, "
          f"final {ro['final_rss_mib']} MiB")
    print(f"route fds: baseline {ro['baseline_fds']}, peak {ro['peak_fds']}, final {ro['final_fds']}")
    print(f"legit transfers (64 KiB, sha256 both ends): ok {t['ok']}, failed {t['failed']}"
          + (f" ({'; '.join(t['failures'])})" if t["failures"] else ""))
    print(f"legit setup (connect + first echoed byte): p50 {s['p50']} ms, p99 {s['p99']} ms, "
          f"max {s['max']} ms")
    print(f"after the soak: new 1 MiB transfer {'intact' if r['recovered'] else 'FAILED'}; "
          f"daemons {'alive' if r['daemons_alive'] else 'DEAD'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="duration (default 10)")
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "src"),
                    help="directory holding route and vnet (default: build/src)")
    ap.add_argument("--nofile", type=int, default=0,
                    help="run the route under prlimit --nofile=N (default: inherited)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the random mix")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--quiet", action="store_true", help="no progress line per attack")
    ap.add_argument("--keep", action="store_true", help="keep the logs' directory")
    args = ap.parse_args()
    os.environ["VNET_BIN_DIR"] = os.path.abspath(args.bin_dir)
    harness.BIN_DIR = os.path.abspath(args.bin_dir)

    c = harness.Cluster(prefix="vnet-soak-")
    try:
        r = soak(args, c)
    except BaseException:
        c.dump_logs(max_lines=60)
        raise
    finally:
        if args.keep:
            print(f"logs kept in {c.dir}", file=sys.stderr)
            for d in reversed(c.daemons):
                d.stop()
            for s in c.services:
                s.close()
        else:
            c.close()
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print_figures(r)
    return 0 if r["transfers"]["failed"] == 0 and r["recovered"] and r["daemons_alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
