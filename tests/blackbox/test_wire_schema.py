"""wire.py re-declares the protocol for the black-box tests; this test holds
it to the C++ headers it copies (src/common/protocol/types.hpp,
messages.hpp, link_messages.hpp). It reads each message struct there (its
`tag`, its `type_name`, its members' types and its `fields` list, the wire
order the codec walks) with regular expressions, and checks that:

- wire.TYPES names every message with its tag, and nothing else;
- wire.LAYOUTS names every message's fields in the same order;
- wire.py encodes each message to the bytes the C++ layout gives (a string:
  u16 length and bytes; a list: u32 count and entries; a byte array: its
  bytes; a nested struct: its fields; an opening version: "VNET" + u16), and
  decodes them back, for a sample in which every field has its own value.

The samples also cover the nested structs (serve_info, listed_serve,
listed_vnet, link_key, ticket), whose layouts wire.py keeps in code.
"""

import os
import re
import struct
import unittest

import wire

PROTOCOL = os.path.join(wire.REPO, "src", "common", "protocol")
HEADERS = ["types.hpp", "link_messages.hpp", "messages.hpp"]

INTS = {"std::uint8_t": "!B", "bool": "!B", "std::uint16_t": "!H", "std::uint32_t": "!I",
        "std::uint64_t": "!Q"}


def read_headers():
    """(structs, byte_arrays, variant): structs by name, each a dict with
    `tag` (None for a nested struct), `type_name` and `fields` [(name, type,
    opening)] in wire order; byte arrays by alias (key32: 32); the names in
    the variant `message`."""
    text = ""
    for h in HEADERS:
        with open(os.path.join(PROTOCOL, h), encoding="utf-8") as f:
            text += f.read() + "\n"
    arrays = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"using\s+(\w+)\s*=\s*std::array<std::uint8_t,\s*(\d+)>;", text)}
    structs = {}
    for m in re.finditer(r"^struct (\w+) \{\n(.*?)^\};", text, re.M | re.S):
        name, body = m.group(1), m.group(2)
        members = {}
        for d in re.finditer(r"^\s+((?:std::)?[\w:]+(?:<[\w:]+>)?)\s+(\w+)\s*(?:=[^;]*|\{\})?;",
                             body, re.M):
            if d.group(1) not in ("static", "return"):
                members[d.group(2)] = d.group(1)
        fl = re.search(r"static void fields\(auto&& f, auto& m\)\s*\{(.*?)\}", body, re.S)
        if not fl:
            raise AssertionError(f"struct {name} has no fields list")
        fields = []
        for f in re.finditer(r"\bf\(m\.(\w+)(?:,\s*([\w:]+))*\)", fl.group(1)):
            if f.group(1) not in members:
                raise AssertionError(f"{name}.fields names {f.group(1)}, not a member")
            fields.append((f.group(1), members[f.group(1)], f.group(2) == "opening_version"))
        tag = re.search(r"static constexpr type tag\{(0x[0-9a-fA-F]+)\};", body)
        type_name = re.search(r'type_name = "(\w+)";', body)
        structs[name] = {"tag": int(tag.group(1), 16) if tag else None,
                         "type_name": type_name.group(1) if type_name else None,
                         "fields": fields}
    v = re.search(r"using message = std::variant<([^>]*)>;", text, re.S)
    if not v:
        raise AssertionError("no `using message = std::variant<...>` in the headers")
    variant = [n.strip() for n in v.group(1).split(",")]
    return structs, arrays, variant


STRUCTS, ARRAYS, VARIANT = read_headers()
MESSAGES = {n: s for n, s in STRUCTS.items() if s["tag"] is not None}


class Sample:
    """A value for every field, each its own (so that two fields swapped
    show), and its encoding as the C++ layout says."""

    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return self.n

    def value(self, cxx, opening=False):
        """(value, bytes) of one field of C++ type `cxx`."""
        if opening:
            return wire.VERSION, wire.MAGIC + struct.pack("!H", wire.VERSION)
        if cxx == "bool":
            return True, b"\x01"
        if cxx in INTS:
            fmt = INTS[cxx]
            v = self.next() % (1 << (8 * struct.calcsize(fmt)))
            return v, struct.pack(fmt, v)
        if cxx == "std::string":
            v = f"s{self.next()}"
            return v, struct.pack("!H", len(v)) + v.encode()
        if cxx in ARRAYS:
            start = self.next()
            v = bytes((start + i) % 256 for i in range(ARRAYS[cxx]))
            return v, v
        m = re.fullmatch(r"std::vector<([\w:]+)>", cxx)
        if m:
            items = [self.value(m.group(1)) for _ in range(2)]
            return [v for v, _ in items], struct.pack("!I", len(items)) + b"".join(b for _, b in items)
        if cxx in STRUCTS:
            return self.struct(cxx)
        raise AssertionError(f"a field of type {cxx}: this test does not know its layout")

    def struct(self, name):
        values, out = {}, b""
        for field, cxx, opening in STRUCTS[name]["fields"]:
            values[field], b = self.value(cxx, opening)
            out += b
        return values, out


def flatten_as_wire(message, values):
    """The sample's top-level fields as wire.LAYOUTS names them: a nested
    struct adds no bytes, so wire.py may spell its fields out in the message
    (serve_query_result's `list` as vnets and serves)."""
    layout = [name for name, _ in wire.LAYOUTS[message]]
    out = {}
    for field, cxx, _ in STRUCTS[message]["fields"]:
        if field not in layout and cxx in STRUCTS:
            out.update(values[field])
        else:
            out[field] = values[field]
    return out


class WireMatchesHeaders(unittest.TestCase):
    def test_the_headers_are_read_whole(self):
        # Every message of the variant was found as a struct with a tag and
        # its name: the expressions above did not miss one.
        self.assertGreater(len(VARIANT), 20)
        self.assertEqual(sorted(VARIANT), sorted(MESSAGES))
        for name, s in MESSAGES.items():
            self.assertEqual(s["type_name"], name)
            self.assertTrue(s["fields"], name)

    def test_every_tag(self):
        self.assertEqual(wire.TYPES, {name: s["tag"] for name, s in MESSAGES.items()})

    def test_every_field_name_in_order(self):
        self.assertEqual(sorted(wire.LAYOUTS), sorted(MESSAGES))
        for name in MESSAGES:
            with self.subTest(message=name):
                values, _ = Sample().struct(name)
                self.assertEqual([f for f, _ in wire.LAYOUTS[name]],
                                 list(flatten_as_wire(name, values)))

    def test_every_field_type_and_width(self):
        for name in MESSAGES:
            with self.subTest(message=name):
                values, expected = Sample().struct(name)
                fields = flatten_as_wire(name, values)
                self.assertEqual(wire.payload(name, **fields).hex(), expected.hex())
                decoded = wire.Message(MESSAGES[name]["tag"], expected)
                self.assertEqual(decoded.name, name)
                self.assertEqual(decoded.fields, fields)


if __name__ == "__main__":
    unittest.main()
