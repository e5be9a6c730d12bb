"""A relay on the path between vnets and the route, for the security tests
(test_link_security, test_capture) and the pool tests (test_link_pool): it
records what an observer there would see, can flip one byte of a link, and
can cut every link while the control sessions live on."""

import socket
import threading

import wire
from harness import LOOPBACK, EchoService, free_port

LINK_TYPES = (wire.TYPES["link_open"], wire.TYPES["link_join"], wire.TYPES["link_pool"])


class LinkRelay:
    """Sits between vnets and the route (the vnets' [route] port is its
    port). Control sessions pass untouched and unrecorded (TLS covers them);
    for each link connection (opening frame link_open, link_join or
    link_pool; a use-side link: link_open or link_pool of role use) it keeps
    every byte of both directions, and the vnet->route bytes of each use-side
    link on their own (to replay them). `flip`: (direction, offset) flips
    the byte at that offset of the first use-side link's stream in that
    direction ("up": vnet->route, "down": route->vnet), on the first
    use-side link whose stream gets that far. With record_control, control
    sessions are recorded too (the capture is then everything on the path).
    `rewrite`: (old, new) replaces a use-side link's first bytes after its
    opening when they start with `old` (a link_bind frame: a route in the
    middle relabelling the link); `rewritten` counts the links it hit.
    `use_chunks` has, per use-side link, the size of every piece the relay
    read in each direction ({"up": [...], "down": [...]}): with one write
    at a time, one record per piece (what an observer learns of sizes)."""

    def __init__(self, route_port, record_control=False):
        self.route_port = route_port
        self.record_control = record_control
        self.connections = 0
        self.flip = None  # armed by the test once set up (probes open links too)
        self.flipped = False
        self.rewrite = None
        self.rewritten = 0
        self.lock = threading.Lock()
        self.links = 0
        self.captured = bytearray()
        self.use_streams = []  # vnet->route bytes of each use-side link
        self.use_chunks = []  # per use-side link, the sizes read in each direction
        self.ls = socket.socket()
        self.ls.bind((LOOPBACK, 0))
        self.ls.listen(128)
        self.port = self.ls.getsockname()[1]
        self.socks = []
        self.link_socks = []  # (vnet side, route side) of each link
        self.pooled = {wire.POOL_USE: 0, wire.POOL_SERVE: 0}  # link_pool openings by role
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                a, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._start, args=(a,), daemon=True).start()

    def _start(self, a):
        try:
            b = socket.create_connection((LOOPBACK, self.route_port), timeout=5)
            b.settimeout(None)
            head = b""
            a.settimeout(10)
            while len(head) < wire.HEADER_SIZE:
                chunk = a.recv(wire.HEADER_SIZE - len(head))
                if not chunk:
                    raise OSError("closed before its opening frame")
                head += chunk
            length, kind = wire.HEADER.unpack(head)
            role = None
            if head[0] == 0 and kind == wire.TYPES["link_pool"]:
                # The whole opening (a few bytes): its role says which side.
                while len(head) < wire.HEADER_SIZE + min(length, 64):
                    chunk = a.recv(wire.HEADER_SIZE + min(length, 64) - len(head))
                    if not chunk:
                        raise OSError("closed in its opening frame")
                    head += chunk
                at = wire.HEADER_SIZE + 4 + 2  # after the magic "VNET" and the version
                role = head[at] if len(head) > at else None
            a.settimeout(None)
        except OSError:
            a.close()
            return
        is_link = head[0] == 0 and kind in LINK_TYPES
        is_use = is_link and (kind == wire.TYPES["link_open"] or role == wire.POOL_USE)
        record = is_link or self.record_control
        with self.lock:
            self.socks += [a, b]
            self.connections += 1
            if is_link:
                self.links += 1
                self.link_socks.append((a, b))
            if role in self.pooled:
                self.pooled[role] += 1
            if record:
                self.captured += head
            stream = None
            chunks = None
            if is_use:
                stream = bytearray(head)
                self.use_streams.append(stream)
                chunks = {"up": [], "down": []}
                self.use_chunks.append(chunks)
        try:
            b.sendall(head)
        except OSError:
            pass
        up = "up" if is_use else None
        down = "down" if is_use else None
        threading.Thread(target=self._pump, args=(a, b, record, stream, up, len(head), chunks),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(b, a, record, None, down, 0, chunks),
                         daemon=True).start()

    def _flip_here(self, direction, seen, n):
        """The offset in this chunk to flip, once, on the first use-side
        link whose stream in the armed direction reaches the armed offset."""
        with self.lock:
            if direction is None or self.flipped or not self.flip or self.flip[0] != direction:
                return None
            at = self.flip[1]
            if seen <= at < seen + n:
                self.flipped = True
                return at - seen
        return None

    def _pump(self, src, dst, record, stream, direction, seen, chunks):
        first = direction == "up"
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                if first:
                    first = False
                    rw = self.rewrite
                    if rw and data.startswith(rw[0]):
                        data = rw[1] + data[len(rw[0]):]
                        with self.lock:
                            self.rewritten += 1
                at = self._flip_here(direction, seen, len(data))
                if at is not None:
                    data = bytearray(data)
                    data[at] ^= 0x01
                    data = bytes(data)
                seen += len(data)
                with self.lock:
                    if record:
                        self.captured += data
                    if stream is not None:
                        stream += data
                    if chunks is not None:
                        chunks[direction].append(len(data))
                dst.sendall(data)
        except OSError:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def cut_links(self):
        """Closes every link connection opened so far, both sides (each end
        sees its peer close), as a NAT or firewall that dropped them would
        be found out; control sessions live on. Returns how many."""
        with self.lock:
            pairs, self.link_socks = self.link_socks, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass
        return len(pairs)

    def capture(self):
        with self.lock:
            return bytes(self.captured)

    def close(self):
        self.ls.close()
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


def echo_through_relay(case, group="default", vnet_keys=None):
    """A route with a LinkRelay in front of it, and an echo service that
    vnet "home" serves as 700 and vnet "office" uses, both through the relay.
    Returns (relay, echo service, the use's port)."""
    c = case.c
    _, route_port = c.start_route()
    relay = LinkRelay(route_port)
    case.addCleanup(relay.close)
    echo = c.service(EchoService())
    use_port = free_port()
    c.start_vnet("home", relay.port, group, vnet_keys=vnet_keys, serves={"echo": {"serveid": 700, "port": echo.port}})
    c.start_vnet("office", relay.port, group, vnet_keys=vnet_keys, uses={"echo": {"serveid": 700, "port": use_port}})
    return relay, echo, use_port
