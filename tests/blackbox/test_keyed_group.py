"""A keyed group at a real route (issue 20, finding 3). Its id is public
(the route logs it, status.json lists it), so a client that knows it but
not the key is refused."""

import os
import re
import unittest

import harness
import wire
from harness import BlackBoxCase, EchoService, LOOPBACK, free_port


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


if __name__ == "__main__":
    unittest.main()
