"""bench.py's command line: the options, then the mode they ask for."""

import argparse
import json
import os
import shutil

from . import attacks, handshakes, idle, modes, procs, services, udp
from .common import REPO
from .measure import measure, print_table
from .stack import Stack


def main(doc):
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "src"),
                    help="directory holding route and vnet (default: build/src)")
    ap.add_argument("--mb", type=int, default=512, help="MiB per throughput run (default 512)")
    ap.add_argument("--streams", type=stream_counts, default=[1], metavar="N[,N...]",
                    help="concurrent TCP streams per throughput run, sharing its MiB; the figure "
                         "is their total MB/s (default 1). Several counts, e.g. 1,4, are each "
                         "measured in the same alternating rounds, and the targets compare them")
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
    ap.add_argument("--compare-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an environment variable for the other build's daemons (repeatable); "
                         "with --compare-bin-dir the same build, a test switch against itself, "
                         "e.g. VNET_TEST_NO_PADDING=1")
    ap.add_argument("--windows-serve", nargs="?", const=os.path.join(REPO, "build-windows"),
                    default=None, metavar="DIR",
                    help="measure beside the tunnel, in the same rounds, a second one whose "
                         "serving vnet is DIR/vnet.exe under Wine (default build-windows; "
                         "scripts/build-windows.sh): Wine's overhead included. With "
                         "--compare-env both tunnels serve with vnet.exe, the other one with "
                         "the variables")
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
    ap.add_argument("--handshakes", action="store_true",
                    help="measure tunnel setup p50/p99 during a flood of replayed TLS ClientHellos, "
                         "and the route's memory per half-open TLS connection, instead")
    ap.add_argument("--flood-seconds", type=float, default=5, help="--handshakes: seconds per phase (default 5)")
    ap.add_argument("--handshake-rate", type=int, default=0,
                    help="--handshakes: the route's max_handshakes_per_second (default: its default; "
                         "1000000 to see the flood unbounded)")
    ap.add_argument("--flooders", type=int, default=2, help="--handshakes: flooding processes (default 2)")
    ap.add_argument("--half-open", type=int, default=200,
                    help="--handshakes: half-open connections per memory figure (default 200)")
    ap.add_argument("--burst", type=int, default=None, metavar="N",
                    help="burst mode: N connections at once through one use with the default "
                         "configuration, each echoing --burst-kib of its own bytes (SHA-256 checked)")
    ap.add_argument("--burst-kib", type=float, default=16, metavar="K",
                    help="--burst: KiB each connection echoes (default 16)")
    ap.add_argument("--udp-datagrams", type=int, default=100000, metavar="N",
                    help="1200-byte datagrams per UDP stream run (default 100000; the round trips: --rtt)")
    ap.add_argument("--idle-sessions", type=int, nargs="?", const=5000, default=None, metavar="N",
                    help="memory mode: the route's RSS per idle control session with N idle vnets "
                         "(default 5000), and the idle RSS of each daemon and of haproxy")
    ap.add_argument("--idle-group-size", type=int, default=1, metavar="G",
                    help="--idle-sessions: vnets per group (default 1: nothing is sent to an idle one)")
    ap.add_argument("--idle-settle", type=float, default=3.0, metavar="S",
                    help="--idle-sessions: seconds the daemons idle before their RSS is read (default 3)")
    ap.add_argument("--_service", choices=("sink", "echo", "mecho", "uecho"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._service == "uecho":
        udp.serve_forever()
        return 0
    if args._service:
        services.serve_forever(args._service)
        return 0

    for name in ("route", "vnet"):
        if not os.access(os.path.join(args.bin_dir, name), os.X_OK):
            ap.error(f"no {name} binary in {args.bin_dir} (build first: ./scripts/build.sh)")

    floor_relay = args.floor_relay or os.path.join(args.bin_dir, "..", "tests", "floor_relay")
    floor_relay = os.path.abspath(floor_relay) if os.access(floor_relay, os.X_OK) else None
    haproxy = args.haproxy if args.haproxy and os.access(args.haproxy, os.X_OK) else None

    if args.attacks:
        return attacks.bench_attacks(args)
    if args.handshakes:
        return handshakes.bench_handshakes(args)
    if args.idle_sessions is not None:
        procs.raise_own_fd_limit()  # N sessions need N descriptors here
        results = idle.idle_sessions(args, haproxy)
        if args.json:
            print(json.dumps(results, indent=2))
        else:
            idle.print_idle(results)
        return 0

    # The bench holds one end of every link (--links 9000): it raises its own
    # descriptor limit; the daemons start with the limit it had and must
    # raise theirs themselves, as when started from a shell.
    shell_fd_limit = procs.raise_own_fd_limit()
    route_keys = f"token={args.token}\n" if args.token else ""
    vnet_keys = f"group_key={args.group_key}\n" if args.group_key else ""

    if args.burst:
        return modes.burst(args, shell_fd_limit)
    if args.wan_ms is not None or args.links or args.idle_links is not None:
        return modes.run(args, floor_relay, haproxy, shell_fd_limit,
                         route_keys=route_keys, vnet_keys=vnet_keys)

    # The other build may not know the new keys: it runs with none.
    other_env = dict(kv.split("=", 1) for kv in args.compare_env)
    windows_both = bool(args.windows_serve and other_env)  # vnet.exe against itself with a test switch
    stack = (windows_serve_stack(ap, args, route_keys=route_keys, vnet_keys=vnet_keys,
                                 daemon_fd_limit=shell_fd_limit, udp=True) if windows_both else
             Stack(os.path.abspath(args.bin_dir), args.log_level,
                   route_keys=route_keys, vnet_keys=vnet_keys,
                   daemon_fd_limit=shell_fd_limit, udp=True))
    other = (Stack(os.path.abspath(args.compare_bin_dir), args.log_level, env=other_env)
             if args.compare_bin_dir else None)
    if args.windows_serve:
        if other:
            ap.error("--windows-serve and --compare-bin-dir both ask for the other column")
        other = windows_serve_stack(ap, args, extra_env=other_env)
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
            results["haproxy_missing"] = ("left out (--haproxy '')" if shutil.which("haproxy") else
                                          "haproxy not installed (apt-get install -y haproxy)")
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


def stream_counts(text):
    counts = [int(n) for n in text.split(",")]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("stream counts are positive integers, e.g. 1,4")
    return counts


def windows_serve_stack(ap, args, extra_env=None, **keys):
    """The tunnel again, with vnet A (the serving one) vnet.exe under Wine."""
    exe = os.path.abspath(os.path.join(args.windows_serve, "vnet.exe"))
    wine = shutil.which("wine64") or shutil.which("wine")
    if not wine or not os.path.exists(exe):
        ap.error(f"--windows-serve needs Wine and {exe} (./scripts/build-windows.sh)")
    env = {"WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml=",
           "WINEPREFIX": os.environ.get("VNET_WINEPREFIX") or os.path.join(args.windows_serve, "wine-prefix"),
           **(extra_env or {})}
    return Stack(os.path.abspath(args.bin_dir), args.log_level, env=env, vnet_a_command=[wine, exe],
                 label=f"serving vnet: {exe} under Wine", **keys)
