#!/usr/bin/env python3
"""Benchmark of the tunnel on loopback (Python stdlib only).

    python3 scripts/bench.py [--bin-dir build/src] [--mb 512] [--rtt 20000] [--udp-datagrams 100000] [--json]
                             [--compare-bin-dir OTHER/build/src] [--setups 300]
    python3 scripts/bench.py --attacks [--setups 300] [--json]
    python3 scripts/bench.py --handshakes [--flood-seconds 5] [--flooders 2] [--half-open 200]
                                                                    (benchlib/handshakes.py)
    python3 scripts/bench.py --wan-ms 10 [--wan-setups 100]          (benchlib/wan.py)
    python3 scripts/bench.py --idle-links 2000 --links 1000,4000,9000 (benchlib/scale.py)
    python3 scripts/bench.py --idle-sessions 5000                      (benchlib/idle.py)

Starts a route, vnet A serving a sink service (serveid 801) and an echo
service (serveid 802), and vnet B using both, then measures in one run:

  (a) throughput: one TCP stream sends N MiB to the sink, directly and through
      the tunnel; the sink counts the bytes and acks the total at EOF;
  (b) latency: K sequential 32-byte round trips on one connection to the echo
      service, directly and through the tunnel (TCP_NODELAY on the client);
  (c) setup: connect through the use port + the first echoed byte, p50/p99;
  (d) UDP (a type=udp serve 804 of a UDP echo service, benchlib/udp.py):
      64-byte request/response round trips p50/p99, and streams of
      --udp-datagrams 1200-byte datagrams sent flat out: echoes per second
      and the loss, with the part the kernel counted in full receive buffers.

With --compare-bin-dir a second route and pair of vnets built from another
tree (say, the commit before a change) run beside the first, and every
figure is taken for both in the same alternating rounds ("other" column).
--compare-env NAME=VALUE sets an environment variable for the other one's
daemons: the same build against itself with a test switch, e.g.
--compare-bin-dir build/src --compare-env VNET_TEST_NO_PADDING=1.
--windows-serve DIR makes the other tunnel's serving vnet DIR/vnet.exe under
Wine; with --compare-env as well, both tunnels serve with vnet.exe, the
other one with the variables. Each vnet's link waits (for bytes, for room in
a full peer; its /metrics) are reported per GiB of the throughput runs.

With --attacks it measures instead the setup time of a legitimate tunnel
connection (connect through the use port + the first echoed byte), p50/p99,
with no attack and during each attack of issue 8 (tests/blackbox/attacks.py,
each in a process of its own), in one run.

Beside the floor relays, three haproxy instances (TCP mode) in a chain are
measured as the reference when haproxy is installed, and the CPU time of
each process during the throughput runs is reported per GiB.

Direct and tunnel runs alternate, after a warm-up of each, so that CPU
frequency and cache effects hit both alike. The sink and echo services run as
subprocesses so that the client's GIL does not slow them down.
"""

import sys

from benchlib.cli import main

if __name__ == "__main__":
    sys.exit(main(__doc__))
