"""The measurement modes of scripts/bench.py that each take a stack of their
own (Python stdlib only; see bench.py --help), in wan.py and scale.py:

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

import json
import os
import sys

from . import scale, wan
from .burst import echo_burst
from .stack import Stack


def run(args, floor_relay, haproxy, fd_limit, route_keys="", vnet_keys=""):
    results = {"cpus": os.cpu_count()}
    if args.wan_ms is not None:
        results["wan"] = with_stack(args, fd_limit, route_keys, vnet_keys, args.wan_ms,
                                    lambda stack: wan.wan(stack, args, floor_relay, haproxy))
    if args.idle_links is not None or args.links:
        keys = route_keys or f"token={os.urandom(16).hex()}\n"  # the route listens on 0.0.0.0
        results["scale"] = with_stack(args, fd_limit, keys, vnet_keys, None,
                                      lambda stack: scale.scale(stack, args),
                                      route_only_keys=scale.SCALE_ROUTE_KEYS,
                                      vnet_a_keys=scale.SCALE_VNET_KEYS,
                                      route_ips=scale.SCALE_ROUTE_IPS)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_results(results)
    return 0


def burst(args, fd_limit):
    """--burst N: N connections at once through one use, the default
    configuration everywhere (no quota raised), each echoing its own bytes."""
    size = int(args.burst_kib * 1024)
    r = with_stack(args, fd_limit, "", "", None,
                   lambda stack: echo_burst(stack.use_echo, args.burst, size, timeout=120))
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "burst": r}, indent=2))
    else:
        print(f"vnet bench: route + 2 vnets on 127.0.0.1, {os.cpu_count()} CPUs, default configuration")
        print(f"{r['n']} connections at once, {r['size']} bytes echoed each: {r['ok']} complete "
              f"byte for byte, {r['failed']} failed {r['reasons'] or ''}; last after "
              f"{r['seconds']:.1f} s, connect to echo p50 {r['p50_ms']:.0f} ms, "
              f"p99 {r['p99_ms']:.0f} ms")
    return 0 if r["ok"] == r["n"] else 1


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


def print_results(r):
    print(f"vnet bench: route + 2 vnets on 127.0.0.1, {r['cpus']} CPUs")
    if "wan" in r:
        wan.print_wan(r["wan"])
    if r.get("scale"):
        scale.print_scale(r["scale"])
