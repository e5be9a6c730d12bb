// The codec's refusals: every malformed frame is rejected with its reason,
// consuming nothing, before any of it is trusted.
#include "protocol/codec.hpp"

#include <gtest/gtest.h>

#include "codec_samples.hpp"

namespace protocol {
namespace {

using namespace codec_testing;

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
    // A trailing field left out (field::trailing) takes the stray byte as
    // its start, and the frame ends inside it.
    const auto* u = std::get_if<unserve_request>(&m);
    expect_rejected(frame(type_of(m), payload), u && u->serve_type.empty() ? errc::truncated : errc::trailing_bytes);
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

}  // namespace
}  // namespace protocol
