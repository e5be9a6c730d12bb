"""A keyed group at a real route (issue 20, finding 3). Its id is public
(the route logs it, status.json lists it), so a client that knows it but
not the key is refused; and the route handles the group's serves as
serveids and sealed blobs, so its status.json, `vnet-route ctl show serves`
and log hold no serve name, info or address, while the group's vnets see
them whole."""

import json
import os
import re
import subprocess
import unittest

import harness
import wire
from harness import BlackBoxCase, EchoService, LOOPBACK, free_port
from test_ctl import ctl
from test_metrics import get


class KeyedGroupTest(BlackBoxCase):
    def start_group(self):
        c = self.c
        self.route, self.route_port, self.metrics_port = c.start_route_with_metrics()
        self.echo = c.service(EchoService())
        self.use_port = free_port()
        # Marks that must not reach the route in any readable form.
        self.name = "nm" + os.urandom(4).hex()
        self.info = "info-" + os.urandom(6).hex()
        key = {"group_key": "gk-" + os.urandom(16).hex()}
        self.home = c.start_vnet("home", self.route_port, group="team", vnet_keys=key, serves={
            "svc": {"serveid": 700, "port": self.echo.port, "name": self.name, "info": self.info}})
        self.office = c.start_vnet("office", self.route_port, group="team", vnet_keys=key,
                                   uses={"svc": {"serveid": 700, "port": self.use_port}})
        self.wait_echo(self.use_port, 20)
        m = self.route.wait_log(re.compile(r"connected from \S+, group '(k-[0-9a-f]{32})'"), 10)
        self.group = m.group(1)

    def test_the_group_id_without_the_key_does_not_join(self):
        self.start_group()
        accepted = self.echo.accepted
        with self.assertRaises(wire.ProtocolError) as refused:
            wire.hello(self.route_port, name="thief", group=self.group)
        self.assertIn("admission refused: this group has a group_key: joining it needs proof of the key, "
                      "and none was sent", str(refused.exception))
        self.route.wait_log(re.compile(r"vnet 'thief' from 127\.0\.0\.1:\d+ refused: admission refused: this group has a "
                            r"group_key"), 10)
        # Nothing of the group was seen, nothing dialled.
        self.assertEqual(self.echo.accepted, accepted)
        self.wait_echo(self.use_port, 10)

    def test_the_route_shows_no_serve_name_info_or_address(self):
        self.start_group()
        port = str(self.echo.port)
        secrets = [self.name, self.info, f"127.0.0.1:{port}"]
        # The group's vnets see the serve whole.
        rc, out, err = ctl("show serves", config=os.path.join(self.c.dir, "office.ini"))
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, rf"(?m)^700 +\d\d +home +{self.name} +tcp +127\.0\.0\.1:{port} +{self.info}$")
        # The route: status.json, ctl and its log.
        status = get(self.metrics_port, "/status.json")[2]
        [serve] = json.loads(status)["serves"]
        self.assertEqual((serve["serveid"], serve["sealed"], serve["name"], serve["address"]),
                         (700, True, "", ""))
        rc, shown, err = ctl("show serves", config=os.path.join(self.c.dir, "route.ini"), program="route")
        self.assertEqual(rc, 0, err)
        self.assertRegex(shown, rf"(?m)^{self.group} +700 +\(sealed\) +tcp +\d\d home +\(sealed\) ")
        self.route.wait_log(re.compile(r"vnet \d+: serve registered as serveid 700"), 10)
        log = self.route.log()
        for s in secrets:
            self.assertNotIn(s, status)
            self.assertNotIn(s, shown)
            self.assertNotIn(s, log)
        # A serve that leaves is logged without its name too.
        self.home.stop()
        self.route.wait_log(re.compile(r"serve 700 (of vnet \d+ )?unregistered"), 10)
        for s in secrets:
            self.assertNotIn(s, self.route.log())


if __name__ == "__main__":
    unittest.main()
