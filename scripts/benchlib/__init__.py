"""The modules of scripts/bench.py (its entry point), each importing only
those listed before it, so that there is no import cycle:

  common.py    loopback address and sizes, throughput, echo, setup time,
               percentile, free port, "does it listen / carry data"
  procs.py     what /proc says about a process and the kernel's TCP counters
  services.py  the sink and echo services (bench.py --_service KIND)
  stack.py     Stack: route + two vnets, and the relay chains beside them
  measure.py   the default mode: throughput, echo, setup, CPU per GiB, table
  attacks.py   --attacks: setup times during each attack of issue 8
  wan.py       --wan-ms: setup across an emulated WAN
  scale.py     --idle-links and --links: memory per link, many links at once
  modes.py     runs --wan-ms, --idle-links and --links, each on a stack of its own
  cli.py       the command line and which mode it asks for
"""
