"""Each row of docs/security.md, "What the route sees, row by row" that
says the route sees something is asserted here as shown by the route
itself (its status.json, `vnet-route ctl show`, its log, or the link bytes
it relays), so the document stays true; each row that
says it does not is asserted absent from all of those and from a capture of
everything on the wire (a LinkRelay between the vnets and the route that
records the control sessions too). A plain group and a keyed group
(group_key) side by side."""

import json
import os
import re
import socket
import struct
import unittest

import harness
import wire
from harness import BlackBoxCase, EchoService, LOOPBACK, free_port, sha256
from path_relay import LinkRelay, echo_through_relay
from test_ctl import ctl
from test_metrics import get

ROUTE_SHOWS = ("vnets", "groups", "serves", "links")
KEYED_GROUP = re.compile(r"^k-[0-9a-f]{32}$")


def use_link_records(stream):
    """(use hello, [ciphertext length of each whole record]) of a use-side
    link opened with link_open: the opening frame, the 38-byte use hello,
    then records (a 4-byte word: key phase bit, then the length)."""
    length, _ = wire.HEADER.unpack_from(stream, 0)
    at = wire.HEADER_SIZE + length
    hello = bytes(stream[at:at + 38])
    at += 38
    sizes = []
    while at + 4 <= len(stream):
        size = struct.unpack_from("!I", stream, at)[0] & 0x7fffffff
        if at + 4 + size > len(stream):
            break
        sizes.append(size)
        at += 4 + size
    return hello, sizes


class RouteSeesTest(BlackBoxCase):
    def start_group(self, keyed):
        """A route with metrics behind a recording relay; "home" serves an
        echo as 700 under a random name and info and allows unserves,
        "office" uses 700; a payload with a marker crosses byte for byte."""
        c = self.c
        self.route, route_port, self.metrics_port = c.start_route_with_metrics()
        self.relay = LinkRelay(route_port, record_control=True)
        self.addCleanup(self.relay.close)
        self.echo = c.service(EchoService())
        self.spare = c.service(EchoService())  # served by nobody until office asks home to unserve it
        self.use_port, self.dead_use_port, self.dead = free_port(), free_port(), free_port()
        tag = os.urandom(5).hex()
        self.group, self.name, self.info = "grp" + tag, "svc" + tag, "info-" + tag
        self.group_key = "gk-" + os.urandom(16).hex()
        keys = {"allow_unserve": True}
        if keyed:
            keys["group_key"] = self.group_key
        # 701 points at a port nobody listens on: its links fail, and say why.
        self.home = c.start_vnet("home", self.relay.port, group=self.group, vnet_keys=keys, serves={
            self.name: {"serveid": 700, "port": self.echo.port, "info": self.info},
            "dead" + tag: {"serveid": 701, "port": self.dead}})
        self.office = c.start_vnet("office", self.relay.port, group=self.group, vnet_keys=keys, uses={
            "svc": {"serveid": 700, "port": self.use_port}, "dead": {"serveid": 701, "port": self.dead_use_port}})
        self.wait_echo(self.use_port, 20)
        self.marker = b"PAYLOAD-" + os.urandom(8).hex().encode()
        payload = (self.marker + os.urandom(4096)) * 16
        self.assertEqual(sha256(harness.exchange(self.use_port, payload)), sha256(payload))
        self.payload_size = len(payload)

    def route_views(self):
        """What the route shows: (status.json, `ctl show` of vnets, groups,
        serves and links, its log)."""
        status = get(self.metrics_port, "/status.json")[2]
        shown = ""
        for what in ROUTE_SHOWS:
            rc, out, err = ctl(f"show {what}", config=os.path.join(self.c.dir, "route.ini"), program="route")
            self.assertEqual(rc, 0, err)
            shown += out
        return status, shown, self.route.log()

    def ask_unserve(self, home_id):
        rc, out, err = ctl(f"unserve vnetid={home_id} port={self.spare.port} local_port={free_port()}",
                           config=os.path.join(self.c.dir, "office.ini"))
        self.assertEqual(rc, 0, out + err)

    def check_seen_in_both(self, wire_group):
        """The rows a route sees in every group: vnet names and the address
        each connects from, the group's id, serveids, who links to whom
        (with each link's bytes), the totals, and an unserve's ip:port."""
        # A link held open, so that the route lists it.
        held = socket.create_connection((LOOPBACK, self.use_port), timeout=10)
        self.addCleanup(held.close)
        held.sendall(b"held")
        self.assertEqual(harness.recv_exact(held, 4), b"held")
        self.wait_until(lambda: json.loads(get(self.metrics_port, "/status.json")[2])["links"], 10, "a live link")
        status, shown, log = self.route_views()
        st = json.loads(status)
        vnets = {v["name"]: v for v in st["vnets"]}
        self.assertEqual(set(vnets), {"home", "office"})
        for name, v in vnets.items():
            self.assertRegex(v["address"], r"^127\.0\.0\.1:\d+$")
            self.assertEqual(v["group"], wire_group)
            self.assertRegex(shown, rf"(?m)^\s*{v['vnetid']:02} +{name} +{re.escape(wire_group)} +127\.0\.0\.1:\d+ ")
            self.assertRegex(log, rf"vnet {v['vnetid']:02} \({name}\) connected from 127\.0\.0\.1:\d+, "
                                  rf"group '{re.escape(wire_group)}'")
        self.assertEqual([s["serveid"] for s in st["serves"]], [700, 701])
        link = st["links"][-1]  # the held one (a probe's may still be closing)
        self.assertEqual((link["use_name"], link["serve_name"], link["serveid"]), ("office", "home", 700))
        self.assertGreater(link["up"], 0)
        self.assertGreater(link["down"], 0)
        self.assertRegex(shown, rf"(?m)^\s*{link['id']} +{re.escape(wire_group)} +\d\d office +\d\d home:700 ")
        self.assertGreaterEqual(st["totals"]["bytes_relayed"], 2 * self.payload_size)
        self.assertGreaterEqual(st["totals"]["links_opened"], 2)
        # An unserve request's ip:port crosses the route in plain, even in a keyed group.
        home_id = vnets["home"]["vnetid"]
        self.ask_unserve(home_id)
        self.route.wait_log(re.compile(rf"vnet \d+ asks vnet {home_id:02} to unserve 127\.0\.0\.1:{self.spare.port}$",
                                       re.M), 10)
        # A link that fails: the route hands the serving vnet's reason on.
        self.wait_until(lambda: harness.port_accepts(self.dead_use_port), 10, "the use of 701 listening")
        with socket.create_connection((LOOPBACK, self.dead_use_port), timeout=10) as doomed:
            doomed.sendall(b"x")
            self.route.wait_log(re.compile(r"link \d+ \(vnet \d+ -> serveid 701 on vnet \d+\) failed: cannot reach "), 10)
        status, shown, _ = self.route_views()
        return json.loads(status), status, shown

    def test_a_plain_group_shows_the_route_its_name_and_every_serve_whole(self):
        self.start_group(keyed=False)
        st, status, shown = self.check_seen_in_both(self.group)
        address = f"127.0.0.1:{self.echo.port}"
        [serve] = [s for s in st["serves"] if s["serveid"] == 700]
        self.assertEqual((serve["sealed"], serve["name"], serve["address"]), (False, self.name, address))
        self.assertIn(f"serveid 701 on vnet {serve['vnetid']:02}) failed: cannot reach 127.0.0.1:{self.dead}: ",
                      self.route.log())
        self.assertRegex(shown, rf"(?m)^{self.group} +700 +{self.name} +tcp +\d\d home +{re.escape(address)} ")
        self.assertIn(f"'{self.name}' registered as serveid 700", self.route.log())
        # An honest route's own views hold no byte of the links, and the
        # path sees none either (a malicious route could read a plain group's
        # links: it relays their keys unsigned).
        log = self.route.log().encode()
        for where, text in (("status.json", status.encode()), ("ctl", shown.encode()), ("log", log),
                            ("wire", self.relay.capture())):
            self.assertFalse(self.marker in text, f"payload in the route's {where}")

    def test_a_keyed_group_shows_the_route_ids_vnet_names_and_traffic_only(self):
        self.start_group(keyed=True)
        wire_group = json.loads(get(self.metrics_port, "/status.json")[2])["vnets"][0]["group"]
        self.assertRegex(wire_group, KEYED_GROUP)
        st, status, shown = self.check_seen_in_both(wire_group)
        for serve in st["serves"]:
            self.assertEqual((serve["sealed"], serve["name"], serve["address"]), (True, "", ""))
        self.assertIn("failed: cannot reach the service of serveid 701: ", self.route.log())
        self.assertRegex(shown, rf"(?m)^{wire_group} +700 +\(sealed\) +tcp +\d\d home +\(sealed\) ")
        self.home.stop()  # its serve leaves: that line of the log names no serve either
        self.route.wait_log(re.compile(r"serve 700 (of vnet \d+ )?unregistered"), 10)
        log = self.route.log()
        hidden = {"group name": self.group, "group key": self.group_key, "serve name": self.name,
                  "serve info": self.info, "serve address": f"127.0.0.1:{self.echo.port}",
                  "failed serve's address": f"127.0.0.1:{self.dead}", "failed serve's name": "dead" + self.name[3:]}
        cap = self.relay.capture()
        for what, secret in hidden.items():
            for where, text in (("status.json", status), ("ctl show", shown), ("log", log)):
                self.assertNotIn(secret, text, f"the {what} in the route's {where}")
            self.assertFalse(secret.encode() in cap, f"the {what} on the wire")
        for where, text in (("status.json", status), ("ctl show", shown), ("log", log)):
            self.assertNotIn(self.marker.decode(), text, f"payload in the route's {where}")
        self.assertFalse(self.marker in cap, "payload on the wire")

    def test_each_write_crosses_the_route_when_made_in_its_size_bucket(self):
        """Records are padded to size buckets: the route, and anyone on the
        path of a link, sees each write's bucket and when it was made. Each
        write below is seen whole, as one record of its bucket, before the
        next is made;
        the opening shows the serveid, and the use hello the cipher offer
        and the serving vnet's key id."""
        # No pools: every link opens with link_open when a client connects.
        relay, _, use_port = echo_through_relay(self, vnet_keys={"max_idle_links": 0})
        self.wait_echo(use_port, 20)
        before = len(relay.use_streams)
        s = socket.create_connection((LOOPBACK, use_port), timeout=10)
        self.addCleanup(s.close)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key_ids = set()
        for n in (1, 300, 4000, 1, 12345):
            data = os.urandom(n)
            s.sendall(data)

            def seen():
                with relay.lock:
                    if len(relay.use_streams) <= before:
                        return False
                    stream = bytes(relay.use_streams[before])
                hello, sizes = use_link_records(stream)
                if len(hello) == 38:
                    key_ids.add(hello[2:6])
                return sizes and sizes[-1] == wire.record_length(n)
            self.wait_until(seen, 10, f"a record of {wire.record_length(n)} bytes for a write of {n}")
            self.assertEqual(harness.recv_exact(s, n), data)
        with relay.lock:
            stream = bytes(relay.use_streams[before])
        hello, sizes = use_link_records(stream)
        # The opening names its serveid in the open (and so does link_bind on a pooled link).
        opening, _ = wire.decode(stream)
        self.assertEqual((opening.name, opening["serveid"]), ("link_open", 700))
        self.assertEqual(hello[0], 3)  # the use hello's version
        self.assertEqual(hello[1] & 1, 1)  # the offer: ChaCha20-Poly1305 always
        self.assertEqual(len(key_ids), 1)
        self.assertNotEqual(key_ids.pop(), bytes(4))  # the serving vnet's key id, in the open
        # One record per write (after the early one, perhaps empty), each its bucket.
        writes = [wire.record_length(n) for n in (1, 300, 4000, 1, 12345)]
        self.assertEqual(sizes[-len(writes):], writes, sizes)


if __name__ == "__main__":
    unittest.main()
