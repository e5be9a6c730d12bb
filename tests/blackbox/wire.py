"""A small stdlib client of the vnet wire protocol, for the attack tests, the
soak and the bench: it speaks to the route like a (possibly hostile) vnet.

Frames (src/common/protocol/codec.hpp): a 6-byte header, u32 payload length
and u16 type, big-endian, then the payload. Strings are a u16 length and the
bytes. Opening frames (hello, link_open, link_join, link_pool) start with
"VNET" and the protocol version.

Protocol 5's pooled links: link_pool() opens one, pool_proof() proves its
ticket, open_link_secret() opens a link_assign's sealed secret (libsodium
through ctypes: Python's stdlib has no XChaCha20-Poly1305).

Control sessions are TLS 1.3 (protocol 4): control_socket() and hello()
wrap the socket with Python's ssl, without verifying the route's key (the
tests trust the route they started). Python cannot export TLS keying
material, so this client cannot prove a token: token tests use the real
vnet. Links stay plain TCP.

The version is read from src/common/protocol/types.hpp, so the tests
follow the source when it is bumped. The tags and layouts below copy
src/common/protocol/messages.hpp and link_messages.hpp; test_wire_schema.py
checks that they agree. Frames of a type this module does not know come back
as a Message with `name` and `fields` None and the raw payload.
"""

import hashlib
import os
import re
import socket
import ssl
import struct
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TYPES_HPP = os.path.join(REPO, "src", "common", "protocol", "types.hpp")


def _read_version():
    with open(TYPES_HPP, encoding="utf-8") as f:
        m = re.search(r"inline\s+constexpr\s+std::uint16_t\s+version\s*=\s*(\d+)\s*;", f.read())
    if not m:
        raise RuntimeError(f"no `version = N;` in {TYPES_HPP}")
    return int(m.group(1))


VERSION = _read_version()
MAGIC = b"VNET"
HEADER = struct.Struct("!IH")
HEADER_SIZE = HEADER.size
MAX_PAYLOAD = 1 << 20          # protocol::max_payload
MAX_OPENING_PAYLOAD = 1024     # protocol::max_opening_payload

TYPES = {
    "control_hello": 0x01, "link_open": 0x02, "link_join": 0x03, "link_pool": 0x04,
    "welcome": 0x10, "error": 0x11, "ping": 0x20, "pong": 0x21,
    "serve_register": 0x30, "serve_result": 0x31, "serve_unregister": 0x32,
    "serve_list": 0x33, "serve_query": 0x34, "serve_query_result": 0x35,
    "serve_list_update": 0x36,
    "link_request": 0x40, "link_failed": 0x41, "link_result": 0x42,
    "link_bind": 0x43, "link_assign": 0x44,  # protocol 5: pooled links
    "vnet_query": 0x50, "vnet_query_result": 0x51, "vnet_rename": 0x52,
    "unserve_request": 0x60, "unserve_result": 0x61,
    "ticket_request": 0x70, "tickets": 0x71, "link_key_update": 0x72,
}
NAMES = {v: k for k, v in TYPES.items()}

# Field layouts, in wire order. "serve" is a serve_info; "serves" a u32 count
# of listed_serve; "vnets" a u32 count of listed_vnet; "serveids" a u32 count
# of u16; "opening" the magic and version of an opening frame (field
# "version").
SERVE = [("serveid", "u16"), ("name", "str"), ("type", "str"), ("ip", "str"),
         ("port", "u16"), ("info", "str"), ("sealed", "str")]  # sealed: bytes, empty without a group key
LAYOUTS = {
    "control_hello": [("version", "opening"), ("name", "str"), ("group", "str"), ("auth", "str"),
                      ("key", "key"), ("proof", "group_proof")],
    "link_open": [("version", "opening"), ("serveid", "u16"), ("ticket_id", "u64"),
                  ("proof", "b16")],
    "link_join": [("version", "opening"), ("link_id", "u64"), ("proof", "b16")],
    "welcome": [("version", "u16"), ("vnetid", "u32"), ("heartbeat_ms", "u32"),
                ("timeout_ms", "u32")],
    "error": [("code", "u16"), ("message", "str")],
    "ping": [("request_id", "u32"), ("timestamp", "u64")],
    "pong": [("request_id", "u32"), ("timestamp", "u64")],
    "serve_register": [("request_id", "u32"), ("serve", "serve")],
    "serve_result": [("request_id", "u32"), ("ok", "bool"), ("serveid", "u16"), ("reason", "str")],
    "serve_unregister": [("serveid", "u16")],
    "serve_list": [("vnets", "u32"), ("serves", "serves")],
    "serve_query": [("request_id", "u32")],
    "serve_query_result": [("request_id", "u32"), ("vnets", "u32"), ("serves", "serves")],
    "serve_list_update": [("vnets", "u32"), ("removed", "serveids"), ("changed", "serves")],
    "link_request": [("link_id", "u64"), ("serveid", "u16"), ("link_secret", "b32")],
    "link_failed": [("link_id", "u64"), ("reason", "str")],
    "link_result": [("ok", "bool"), ("reason", "str")],
    "link_pool": [("version", "opening"), ("role", "u8"), ("ticket_id", "u64"), ("proof", "b16")],
    "link_bind": [("serveid", "u16")],
    "link_assign": [("link_id", "u64"), ("serveid", "u16"), ("sealed", "b48")],
    "vnet_query": [("request_id", "u32")],
    "vnet_query_result": [("request_id", "u32"), ("vnets", "vnets")],
    "vnet_rename": [("name", "str")],
    "unserve_request": [("request_id", "u32"), ("vnetid", "u32"), ("ip", "str"), ("port", "u16"),
                        ("serve_type", "str?")],
    "unserve_result": [("request_id", "u32"), ("ok", "bool"), ("serveid", "u16"), ("reason", "str")],
    "ticket_request": [("count", "u16")],
    "tickets": [("granted", "tickets")],
    "link_key_update": [("key", "key")],
}
_BYTES = {"b16": 16, "b32": 32, "b48": 48, "b64": 64}
OPTIONAL = {"ticket_id": 0, "serve_type": ""}  # serve_type: unserve_request's, trailing (absent: tcp)
NO_KEY = {"key_id": 0, "pub": bytes(32), "mac": bytes(32)}
_INTS = {"u8": "!B", "bool": "!B", "u16": "!H", "u32": "!I", "u64": "!Q"}


class ProtocolError(Exception):
    pass


# ------------------------------------------------------------------ encoding


def _put(out, kind, value):
    if kind in _INTS:
        out += struct.pack(_INTS[kind], int(value))
    elif kind == "str":
        b = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        out += struct.pack("!H", len(b)) + b  # no cut: tests may send any length < 64 KiB
    elif kind == "str?":  # a trailing string (protocol/field.hpp): absent when empty
        if value:
            _put(out, "str", value)
    elif kind in _BYTES:
        b = bytes(value) if value else bytes(_BYTES[kind])
        if len(b) != _BYTES[kind]:
            raise ValueError(f"{kind} needs {_BYTES[kind]} bytes")
        out += b
    elif kind == "key":
        k = dict(NO_KEY, **(value or {}))
        _put(out, "u32", k["key_id"])
        _put(out, "b32", k["pub"])
        _put(out, "b32", k["mac"])
    elif kind == "group_proof":  # a keyed group's proof of its key; zeros without one
        p = value or {}
        _put(out, "b32", p.get("pub"))
        _put(out, "b64", p.get("sig"))
    elif kind == "tickets":
        out += struct.pack("!I", len(value))
        for t in value:
            _put(out, "u64", t["id"])
            _put(out, "b32", t["secret"])
    elif kind == "opening":
        out += MAGIC + struct.pack("!H", value)
    elif kind == "serve":
        s = dict(serve_info(), **value)
        for name, k in SERVE:
            _put(out, k, s[name])
    elif kind == "serves":
        out += struct.pack("!I", len(value))
        for e in value:
            _put(out, "serve", e["serve"])
            _put(out, "u32", e.get("vnetid", 0))
            _put(out, "str", e.get("vnet_name", ""))
            _put(out, "key", e.get("key"))
    elif kind == "serveids":
        out += struct.pack("!I", len(value))
        for v in value:
            _put(out, "u16", v)
    elif kind == "vnets":
        out += struct.pack("!I", len(value))
        for v in value:
            _put(out, "u32", v["vnetid"])
            _put(out, "str", v["name"])
            _put(out, "u32", v.get("links", 0))
    else:
        raise ValueError(kind)


def serve_info(serveid=0, name="", type="tcp", ip="127.0.0.1", port=0, info="", sealed=""):
    return {"serveid": serveid, "name": name, "type": type, "ip": ip, "port": port, "info": info,
            "sealed": sealed}


def payload(msg_type, /, **fields):
    out = bytearray()
    for field, kind in LAYOUTS[msg_type]:
        if field == "version" and kind == "opening":
            value = fields.get("version", VERSION)
        elif field not in fields and (kind in _BYTES or kind in ("key", "group_proof") or field in OPTIONAL):
            value = OPTIONAL.get(field)  # zeros: a key, proof or ticket the caller leaves out
        else:
            value = fields[field]
        _put(out, kind, value)
    return bytes(out)


def frame(type_code, body):
    """A raw frame: header + body (any type code, any body)."""
    return HEADER.pack(len(body), type_code) + body


def encode(msg_type, /, **fields):
    return frame(TYPES[msg_type], payload(msg_type, **fields))


# ------------------------------------------------------------------ decoding


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ProtocolError("truncated payload")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def get(self, kind):
        if kind in _INTS:
            fmt = _INTS[kind]
            (v,) = struct.unpack(fmt, self.take(struct.calcsize(fmt)))
            return bool(v) if kind == "bool" else v
        if kind == "str":
            (n,) = struct.unpack("!H", self.take(2))
            return self.take(n).decode("utf-8", "replace")
        if kind == "str?":
            return self.get("str") if self.pos < len(self.data) else ""
        if kind in _BYTES:
            return self.take(_BYTES[kind])
        if kind == "key":
            return {"key_id": self.get("u32"), "pub": self.get("b32"), "mac": self.get("b32")}
        if kind == "group_proof":
            return {"pub": self.get("b32"), "sig": self.get("b64")}
        if kind == "tickets":
            return [{"id": self.get("u64"), "secret": self.get("b32")}
                    for _ in range(self.get("u32"))]
        if kind == "opening":
            if self.take(4) != MAGIC:
                raise ProtocolError("bad magic")
            return self.get("u16")
        if kind == "serve":
            return {name: self.get(k) for name, k in SERVE}
        if kind == "serves":
            return [{"serve": self.get("serve"), "vnetid": self.get("u32"),
                     "vnet_name": self.get("str"), "key": self.get("key")}
                    for _ in range(self.get("u32"))]
        if kind == "serveids":
            return [self.get("u16") for _ in range(self.get("u32"))]
        if kind == "vnets":
            return [{"vnetid": self.get("u32"), "name": self.get("str"), "links": self.get("u32")}
                    for _ in range(self.get("u32"))]
        raise ValueError(kind)


class Message:
    """A decoded frame: `name` (None for an unknown type code), `fields` (a
    dict, or None when this module has no layout for the type) and `raw`."""

    def __init__(self, code, raw):
        self.code = code
        self.name = NAMES.get(code)
        self.raw = raw
        self.fields = None
        layout = LAYOUTS.get(self.name)
        if layout is not None:
            r = _Reader(raw)
            self.fields = {field: r.get(kind) for field, kind in layout}

    def __getitem__(self, key):
        return self.fields[key]

    def __repr__(self):
        return f"Message({self.name or hex(self.code)}, {self.fields})"


def decode(data):
    """(Message, bytes consumed) for the first complete frame of `data`, or
    (None, 0) when more bytes are needed."""
    if len(data) < HEADER_SIZE:
        return None, 0
    length, code = HEADER.unpack_from(data)
    if length > MAX_PAYLOAD:
        raise ProtocolError(f"frame of {length} bytes announced")
    if len(data) < HEADER_SIZE + length:
        return None, 0
    return Message(code, bytes(data[HEADER_SIZE:HEADER_SIZE + length])), HEADER_SIZE + length


# ---------------------------------------------------------------- connection


# What a non-blocking read of a plain or a TLS socket raises when nothing is there.
WOULD_BLOCK = (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError)

_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE
_TLS.minimum_version = ssl.TLSVersion.TLSv1_3


def tls(sock, timeout=10.0):
    """Wraps a connected socket in TLS 1.3 as a vnet does (handshake now)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(timeout)
    return _TLS.wrap_socket(sock)


def control_socket(port, host="127.0.0.1", timeout=10.0, source=None):
    """A connected TLS socket for a control session (from `source`, if given)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        sock.connect((host, port))
        return tls(sock, timeout)
    except BaseException:
        sock.close()
        raise


def server_tls_context(folder):
    """A route's side for fake routes: a throwaway Ed25519 key and
    self-signed certificate made with the openssl CLI in `folder`."""
    import subprocess
    key, cert = os.path.join(folder, "fake-route-key.pem"), os.path.join(folder, "fake-route-cert.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", key,
                        "-out", cert, "-subj", "/CN=fake route", "-days", "2"],
                       check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx


class Conn:
    """One TCP connection to the route speaking frames. recv() returns the
    next Message (or None at EOF); every wait has a deadline."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0, sock=None):
        self.sock = sock or socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = bytearray()

    def send(self, msg_type, /, **fields):
        self.sock.sendall(encode(msg_type, **fields))

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            msg, n = decode(self.buf)
            if msg is not None:
                del self.buf[:n]
                return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"no complete frame within {timeout} s")
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buf += chunk

    def recv_until(self, name, timeout=10.0, pred=None):
        """The next message called `name` (and matching pred), skipping the
        others (pushes, unknown types). None at EOF."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(0.01, deadline - time.monotonic()))
            if msg is None or (msg.name == name and (pred is None or pred(msg))):
                return msg
            if msg.name == "error" and name != "error":
                raise ProtocolError(f"route sent error {msg['code']}: {msg['message']!r}")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def hello(port, name="attacker", group="default", timeout=10.0):
    """A welcomed control session: (Conn, welcome Message). Raises
    ProtocolError when the route answers with an error."""
    c = Conn(port, sock=control_socket(port, timeout=timeout), timeout=timeout)
    try:
        c.send("control_hello", name=name, group=group, auth="")
        w = c.recv_until("welcome", timeout)
        if w is None:
            raise ProtocolError("the route closed the connection instead of welcoming")
        return c, w
    except BaseException:
        c.close()
        raise


def register(conn, serveid, name="svc", port=1, info="", request_id=1, timeout=10.0):
    """Registers a serve; returns the serve_result Message."""
    conn.send("serve_register", request_id=request_id,
              serve=serve_info(serveid=serveid, name=name, port=port, info=info))
    return conn.recv_until("serve_result", timeout,
                           pred=lambda m: m["request_id"] == request_id)


# ------------------------------------------------------------------ tickets

def record_length(n):
    """A link record's length word for an n-byte write (the 4-byte word
    itself not counted): the write padded to its size bucket, a power of
    two from 64 bytes to 4 KiB, above that Padme's (within 1/16), plus a
    flag byte, a 2-byte padding count and a 16-byte tag
    (src/crypto/record_padding.cpp)."""
    if n <= 4096:
        bucket = 64
        while bucket < n:
            bucket *= 2
    else:
        e = n.bit_length() - 1
        mask = (1 << (e - e.bit_length())) - 1
        bucket = (n + mask) & ~mask
    return bucket + 19


def open_proof(secret, ticket_id, serveid):
    """link_open.proof: the first 16 bytes of BLAKE2b-256 keyed with the
    ticket's secret over "vnet-open" || u64be ticket_id || u16be serveid."""
    msg = b"vnet-open" + struct.pack("!QH", ticket_id, serveid)
    return hashlib.blake2b(msg, key=bytes(secret), digest_size=32).digest()[:16]


def join_proof(secret, link_id):
    """link_join.proof: the first 16 bytes of BLAKE2b-256 keyed with the
    link's secret over "vnet-join" || u64be link_id."""
    msg = b"vnet-join" + struct.pack("!Q", link_id)
    return hashlib.blake2b(msg, key=bytes(secret), digest_size=32).digest()[:16]


POOL_USE, POOL_SERVE = 1, 2  # link_pool.role


def pool_proof(secret, ticket_id, role):
    """link_pool.proof: the first 16 bytes of BLAKE2b-256 keyed with the
    ticket's secret over "vnet-pool" || u64be ticket_id || u8 role."""
    msg = b"vnet-pool" + struct.pack("!QB", ticket_id, role)
    return hashlib.blake2b(msg, key=bytes(secret), digest_size=32).digest()[:16]


def link_pool(ticket, role):
    """The opening frame of an idle pooled link, spending `ticket`."""
    return encode("link_pool", role=role, ticket_id=ticket["id"],
                  proof=pool_proof(ticket["secret"], ticket["id"], role))


_sodium = None


def _libsodium():
    global _sodium
    if _sodium is None:
        import ctypes
        import ctypes.util
        name = ctypes.util.find_library("sodium") or "libsodium.so.23"
        _sodium = ctypes.CDLL(name)
        if _sodium.sodium_init() < 0:
            raise RuntimeError("libsodium failed to start")
    return _sodium


def _assign_key_ad(pool_secret, link_id, serveid):
    key = hashlib.blake2b(b"vnet-assign", key=bytes(pool_secret), digest_size=32).digest()
    return key, struct.pack("!QH", link_id, serveid)


def seal_link_secret(pool_secret, link_id, serveid, use_secret):
    """crypto::seal_link_secret: 48 bytes (XChaCha20-Poly1305-IETF, zero nonce)."""
    import ctypes
    so = _libsodium()
    key, ad = _assign_key_ad(pool_secret, link_id, serveid)
    out = ctypes.create_string_buffer(48)
    n = ctypes.c_ulonglong()
    so.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(n), bytes(use_secret), ctypes.c_ulonglong(32), ad,
        ctypes.c_ulonglong(len(ad)), None, bytes(24), key)
    return out.raw


def open_link_secret(pool_secret, link_id, serveid, sealed):
    """crypto::open_link_secret: the 32-byte use secret, or None when it does
    not authenticate."""
    import ctypes
    so = _libsodium()
    key, ad = _assign_key_ad(pool_secret, link_id, serveid)
    out = ctypes.create_string_buffer(32)
    n = ctypes.c_ulonglong()
    rc = so.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(n), None, bytes(sealed), ctypes.c_ulonglong(len(sealed)), ad,
        ctypes.c_ulonglong(len(ad)), bytes(24), key)
    return out.raw if rc == 0 and n.value == 32 else None


def take_tickets(conn, count=16, timeout=10.0):
    """Asks the route for `count` link tickets on a control session; the
    list it granted (maybe shorter, maybe empty)."""
    conn.send("ticket_request", count=count)
    m = conn.recv_until("tickets", timeout)
    if m is None:
        raise ProtocolError("the route closed the session instead of granting tickets")
    return m["granted"]


def link_open(ticket, serveid):
    """The opening frame of a use-side link, spending `ticket`."""
    return encode("link_open", serveid=serveid, ticket_id=ticket["id"],
                  proof=open_proof(ticket["secret"], ticket["id"], serveid))


def client_hello():
    """The bytes of one TLS ClientHello, as a vnet would send it (for tests
    that replay or withhold it)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()
