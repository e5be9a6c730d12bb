#include "protocol/codec.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "protocol/error.hpp"
#include "protocol/wire.hpp"

namespace protocol {
namespace {

using bytes = std::vector<std::uint8_t>;

serve_info sample_serve(std::uint16_t id, std::string name) {
  return serve_info{id, std::move(name), "tcp", "127.0.0.1", 22, "home ssh, 中文"};
}

key32 sample_secret() {
  key32 k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(0xA0 + i);
  return k;
}
proof16 sample_proof() {
  proof16 p{};
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(0x50 + i);
  return p;
}
sealed48 sample_sealed() {
  sealed48 s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(0x10 + i);
  return s;
}
link_key sample_key(std::uint32_t id) {
  link_key k{id, sample_secret(), sample_secret()};
  k.mac[0] = static_cast<std::uint8_t>(id);
  return k;
}

// One message of every type, with every field away from its default so a
// field the codec forgets shows up as a mismatch.
std::vector<message> samples() {
  return {
      control_hello{version, "xiao", "default-ssh", "secret", sample_key(3)},
      link_open{version, 700, 0x1112131415161718ull, sample_proof()},
      link_join{version, 0xFFFFFFFFFFFFFFFFull, sample_proof()},
      welcome{version, 1, 6000, 15000},
      error{static_cast<std::uint16_t>(errc::version_mismatch), "speak version 1"},
      ping{3, 1234567890123ull},
      pong{3, 1234567890123ull},
      serve_register{5, sample_serve(0, "ssh")},
      serve_result{5, true, 17, "replaced: 700 is taken"},
      serve_unregister{999},
      serve_list{2,
                 {{sample_serve(700, "ssh"), 1, "remote-ssh", sample_key(1)},
                  {sample_serve(999, "xrdp"), 2, "", sample_key(2)}}},
      link_request{11, 700, sample_secret()},
      link_failed{11, "connection refused"},
      link_result{true, ""},
      serve_query{21},
      serve_query_result{21, serve_list{1, {{sample_serve(5, "web"), 3, "office", sample_key(4)}}}},
      vnet_query{22},
      vnet_query_result{22, {{1, "home", 4}, {2, "办公室", 0}}},
      vnet_rename{"new name"},
      unserve_request{23, 1, "127.0.0.1", 8888},
      unserve_result{23, false, 0, "allow_unserve=false on that vnet"},
      serve_list_update{3, {17, 999}, {{sample_serve(700, "ssh"), 4, "renamed", sample_key(5)}}},
      ticket_request{16},
      tickets{{{0x0102030405060708ull, sample_secret()}, {9, sample_secret()}}},
      link_key_update{sample_key(6)},
      link_pool{version, 2, 0x2122232425262728ull, sample_proof()},
      link_bind{998},
      link_assign{0x3132333435363738ull, 801, sample_sealed()},
  };
}

bytes frame(std::uint16_t t, const bytes& payload) {
  bytes out;
  writer w(out);
  w.u32(static_cast<std::uint32_t>(payload.size()));
  w.u16(t);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

bytes frame(type t, const bytes& payload) { return frame(static_cast<std::uint16_t>(t), payload); }

bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

struct result {
  std::optional<message> msg;
  std::size_t consumed = 99;  // a value try_decode must overwrite
  boost::system::error_code ec;
};

result decode(const bytes& in, std::uint32_t max = max_payload) {
  result r;
  r.ec = make_error_code(errc::unexpected_message);  // must be cleared on success
  r.msg = try_decode(in, r.consumed, r.ec, max);
  return r;
}

void expect_rejected(const bytes& in, errc why, std::uint32_t max = max_payload) {
  auto r = decode(in, max);
  EXPECT_FALSE(r.msg);
  EXPECT_EQ(r.ec, make_error_code(why)) << r.ec.message();
  EXPECT_EQ(r.consumed, 0u);
}

TEST(Codec, EveryMessageTypeRoundTrips) {
  std::set<type> covered;
  for (const auto& m : samples()) {
    covered.insert(type_of(m));
    auto wire = encode(m);
    auto r = decode(wire);
    ASSERT_TRUE(r.msg) << name_of(type_of(m)) << ": " << r.ec.message();
    EXPECT_FALSE(r.ec);
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_EQ(*r.msg, m) << name_of(type_of(m));
  }
  EXPECT_EQ(covered.size(), std::variant_size_v<message>);
}

TEST(Codec, EmptyStringsAndListsRoundTrip) {
  for (const message& m : {message{control_hello{}}, message{serve_list{}},
                           message{serve_list_update{}}, message{link_result{false, ""}},
                           message{error{}}}) {
    auto wire = encode(m);
    auto r = decode(wire);
    ASSERT_TRUE(r.msg) << r.ec.message();
    EXPECT_EQ(*r.msg, m);
  }
}

TEST(Codec, HeaderIsBigEndianLengthThenType) {
  auto wire = encode(ping{0x01020304, 0x05060708090A0B0Cull});
  bytes expected = {0, 0, 0, 12, 0, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_EQ(wire, expected);
  auto hello = encode(control_hello{version, "a", "", ""});
  ASSERT_GE(hello.size(), header_size + 6);
  EXPECT_EQ(std::string(hello.begin() + header_size, hello.begin() + header_size + 4), "VNET");
  EXPECT_EQ(hello[header_size + 4], 0);
  EXPECT_EQ(hello[header_size + 5], version);
}

TEST(Codec, EveryPrefixNeedsMoreBytes) {
  for (const auto& m : samples()) {
    auto wire = encode(m);
    for (std::size_t n = 0; n < wire.size(); ++n) {
      auto r = decode(bytes(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n)));
      EXPECT_FALSE(r.msg) << name_of(type_of(m)) << " prefix " << n;
      EXPECT_FALSE(r.ec) << name_of(type_of(m)) << " prefix " << n << ": " << r.ec.message();
      EXPECT_EQ(r.consumed, 0u);
    }
  }
}

TEST(Codec, BackToBackFramesDecodeOneAtATime) {
  auto a = encode(ping{1, 2});
  auto b = encode(serve_unregister{700});
  bytes both = a;
  both.insert(both.end(), b.begin(), b.end());

  auto first = decode(both);
  ASSERT_TRUE(first.msg);
  EXPECT_EQ(first.consumed, a.size());
  EXPECT_EQ(*first.msg, (message{ping{1, 2}}));

  auto second =
      decode(bytes(both.begin() + static_cast<std::ptrdiff_t>(first.consumed), both.end()));
  ASSERT_TRUE(second.msg);
  EXPECT_EQ(second.consumed, b.size());
  EXPECT_EQ(*second.msg, (message{serve_unregister{700}}));
}

TEST(Codec, BytesAfterAnOpeningFrameAreLeftForTheRelay) {
  // A client that speaks first: its bytes may arrive in the same read as the
  // link's opening frame, and must reach the service untouched.
  auto open = encode(link_open{version, 700});
  auto stream = text("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bytes in = open;
  in.insert(in.end(), stream.begin(), stream.end());
  const bytes before = in;

  auto r = decode(in, max_opening_payload);
  ASSERT_TRUE(r.msg) << r.ec.message();
  EXPECT_EQ(r.consumed, open.size());
  EXPECT_EQ(in, before);
  EXPECT_EQ(bytes(in.begin() + static_cast<std::ptrdiff_t>(r.consumed), in.end()), stream);
}

TEST(Codec, OversizedIsRejectedFromTheHeaderAlone) {
  bytes hdr;
  writer w(hdr);
  w.u32(max_payload + 1);
  w.u16(static_cast<std::uint16_t>(ping::tag));
  ASSERT_EQ(hdr.size(), header_size);
  expect_rejected(hdr, errc::oversized);

  // The same length is fine under the control maximum, not as a first frame.
  vnet_query_result list{1, {}};
  for (std::uint32_t i = 0; i < 30; ++i) list.vnets.push_back({i, std::string(60, 'x'), 0});
  auto big = encode(list);
  ASSERT_GT(big.size(), max_opening_payload + header_size);
  EXPECT_TRUE(decode(big).msg);
  expect_rejected(bytes(big.begin(), big.begin() + header_size), errc::oversized,
                  max_opening_payload);

  // Exactly the maximum is allowed: it only waits for the payload.
  bytes at_max;
  writer(at_max).u32(max_opening_payload);
  writer(at_max).u16(static_cast<std::uint16_t>(control_hello::tag));
  auto r = decode(at_max, max_opening_payload);
  EXPECT_FALSE(r.msg);
  EXPECT_FALSE(r.ec);
}

TEST(Codec, ParseHeaderChecksLengthThenType) {
  bytes hdr = frame(0x7777, {});
  boost::system::error_code ec;
  auto h = parse_header(std::span<const std::uint8_t, header_size>(hdr.data(), header_size),
                        max_payload, ec);
  EXPECT_EQ(ec, make_error_code(errc::unknown_type));
  EXPECT_EQ(h.type, 0x7777);
  EXPECT_EQ(h.length, 0u);

  bytes ok = frame(pong::tag, bytes(12, 0));
  h = parse_header(std::span<const std::uint8_t, header_size>(ok.data(), header_size), 12, ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(h.length, 12u);
  h = parse_header(std::span<const std::uint8_t, header_size>(ok.data(), header_size), 11, ec);
  EXPECT_EQ(ec, make_error_code(errc::oversized));
}

TEST(Codec, UnknownTypeIsRejected) {
  expect_rejected(frame(0x0000, {}), errc::unknown_type);
  expect_rejected(frame(0x0099, {1, 2, 3}), errc::unknown_type);
  expect_rejected(frame(0xFFFF, {}), errc::unknown_type);
  // Known by the header check alone: the payload has not arrived yet.
  expect_rejected(bytes{0, 0, 0, 50, 0x12, 0x34}, errc::unknown_type);
}

TEST(Codec, TruncatedPayloadIsRejected) {
  expect_rejected(frame(ping::tag, {0, 0, 0, 1, 0}), errc::truncated);
  expect_rejected(frame(control_hello::tag, {'V', 'N', 'E', 'T', 0}), errc::truncated);
  expect_rejected(frame(link_open::tag, text("VN")), errc::truncated);
  // A string whose length prefix runs past the end of the payload.
  expect_rejected(frame(link_failed::tag, {0, 0, 0, 0, 0, 0, 0, 1, 0, 9, 'a'}), errc::truncated);
}

TEST(Codec, TrailingBytesAreRejected) {
  for (const auto& m : samples()) {
    auto wire = encode(m);
    bytes payload(wire.begin() + header_size, wire.end());
    payload.push_back(0);
    expect_rejected(frame(type_of(m), payload), errc::trailing_bytes);
  }
}

TEST(Codec, BadMagicIsRejectedInEveryOpeningFrame) {
  for (const message& m :
       {message{control_hello{version, "n", "g", ""}}, message{link_open{version, 3}},
        message{link_join{version, 4}}, message{link_pool{version, 1, 5}}}) {
    auto wire = encode(m);
    wire[header_size + 3] = 'X';  // "VNEX"
    expect_rejected(wire, errc::bad_magic);
    expect_rejected(wire, errc::bad_magic, max_opening_payload);
  }
}

TEST(Codec, BoolOutsideZeroOrOneIsRejected) {
  auto result_frame = encode(serve_result{1, true, 2, ""});
  result_frame[header_size + 4] = 2;  // after the u32 request id
  expect_rejected(result_frame, errc::bad_value);

  auto link_frame = encode(link_result{true, "x"});
  link_frame[header_size] = 2;
  expect_rejected(link_frame, errc::bad_value);
}

TEST(Codec, PoolRoleOverTwoIsRejected) {
  auto wire = encode(link_pool{version, 2, 9, sample_proof()});
  wire[header_size + 6] = 3;  // after "VNET" and the version
  expect_rejected(wire, errc::bad_value, max_opening_payload);
}

TEST(Codec, LinkPoolIsAnOpeningAndBindAndAssignAreNot) {
  EXPECT_TRUE(is_opening(static_cast<std::uint16_t>(link_pool::tag)));
  EXPECT_FALSE(is_opening(static_cast<std::uint16_t>(link_bind::tag)));
  EXPECT_FALSE(is_opening(static_cast<std::uint16_t>(link_assign::tag)));
  // Fixed sizes: the vnet's pool reads them with exact reads.
  EXPECT_EQ(encode(link_bind{1}).size(), header_size + 2);
  EXPECT_EQ(encode(link_assign{}).size(), header_size + 8 + 2 + 48);
}

TEST(Codec, AbsurdServeListCountIsRejected) {
  bytes payload;
  writer w(payload);
  w.u32(1);
  w.u32(0xFFFFFFFF);
  expect_rejected(frame(serve_list::tag, payload), errc::too_many_serves);

  // A plausible count the payload does not hold is merely truncated.
  bytes short_payload;
  writer(short_payload).u32(1);
  writer(short_payload).u32(3);
  expect_rejected(frame(serve_list::tag, short_payload), errc::truncated);
}

// A join or leave of a vnet without serves costs each member of its group
// this much: the header and three counts.
TEST(Codec, CountOnlyServeListUpdateIsEighteenBytes) {
  EXPECT_EQ(encode(serve_list_update{2000, {}, {}}).size(), header_size + 12);
}

TEST(Codec, AbsurdServeListUpdateCountsAreRejected) {
  bytes removed;
  writer w(removed);
  w.u32(1);
  w.u32(0xFFFFFFFF);
  expect_rejected(frame(serve_list_update::tag, removed), errc::too_many_serves);

  bytes changed;
  writer w2(changed);
  w2.u32(1);
  w2.u32(1);
  w2.u16(5);
  w2.u32(1000);
  expect_rejected(frame(serve_list_update::tag, changed), errc::too_many_serves);

  // Counts the payload does not hold: truncated, in either list.
  bytes short_removed;
  writer w3(short_removed);
  w3.u32(1);
  w3.u32(2);
  w3.u16(5);
  expect_rejected(frame(serve_list_update::tag, short_removed), errc::truncated);
  bytes short_changed;
  writer w4(short_changed);
  w4.u32(1);
  w4.u32(0);
  w4.u32(1);
  expect_rejected(frame(serve_list_update::tag, short_changed), errc::truncated);
}

TEST(Codec, OtherVersionDecodesWithoutErrorForTheCallerToReport) {
  // A future version may lay out the rest of the payload differently: only
  // magic and version are read, so the caller can answer "version mismatch".
  bytes payload = text("VNET");
  writer w(payload);
  w.u16(version + 1);
  w.u32(0xDEADBEEF);
  w.u8(7);
  for (type t : {control_hello::tag, link_open::tag, link_join::tag, link_pool::tag}) {
    auto wire = frame(t, payload);
    auto r = decode(wire, max_opening_payload);
    ASSERT_TRUE(r.msg) << name_of(t) << ": " << r.ec.message();
    EXPECT_FALSE(r.ec);
    EXPECT_EQ(r.consumed, wire.size());
    std::uint16_t v = std::visit(
        [](const auto& m) -> std::uint16_t {
          if constexpr (requires { m.version; }) return m.version;
          return 0;
        },
        *r.msg);
    EXPECT_EQ(v, version + 1) << name_of(t);
  }
  // Even with nothing after the version.
  auto r = decode(frame(link_join::tag, {'V', 'N', 'E', 'T', 0, 9}));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(std::get<link_join>(*r.msg).version, 9);
}

TEST(Codec, GarbageFromOtherProtocolsIsRejected) {
  using namespace std::literals;
  // HTTP, SSH, and a TLS ClientHello record (embedded NULs kept by ""sv).
  for (std::string_view g : {"GET / HTTP/1.1\r\n"sv, "SSH-2.0-OpenSSH_9.2p1\r\n"sv,
                             "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"sv}) {
    expect_rejected(text(g), errc::oversized, max_opening_payload);
  }
  // Small enough to pass the length check, but not a vnet peer.
  expect_rejected(frame(control_hello::tag, text("HTTP/1.1")), errc::bad_magic,
                  max_opening_payload);
}

TEST(Codec, OpeningTypes) {
  std::set<std::uint16_t> opening;
  for (const auto& m : samples()) {
    auto t = static_cast<std::uint16_t>(type_of(m));
    if (is_opening(t)) opening.insert(t);
    EXPECT_STRNE(name_of(type_of(m)), "unknown");
  }
  EXPECT_EQ(opening, (std::set<std::uint16_t>{0x01, 0x02, 0x03, 0x04}));
  EXPECT_FALSE(is_opening(0));
  EXPECT_FALSE(is_opening(0x4242));
}

TEST(ProtocolError, CategoryNameAndMessages) {
  EXPECT_STREQ(category().name(), "vnet.protocol");
  std::set<std::string> seen;
  for (int e = static_cast<int>(errc::truncated); e <= static_cast<int>(errc::unexpected_message);
       ++e) {
    auto ec = make_error_code(static_cast<errc>(e));
    EXPECT_EQ(&ec.category(), &category());
    EXPECT_FALSE(ec.message().empty());
    EXPECT_NE(ec.message(), "unknown protocol error") << e;
    seen.insert(ec.message());
  }
  EXPECT_EQ(seen.size(), 8u);  // every code says something different
  EXPECT_FALSE(category().message(1000).empty());
  boost::system::error_code ec = errc::oversized;  // implicit, thanks to is_error_code_enum
  EXPECT_EQ(ec, make_error_code(errc::oversized));
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace protocol
