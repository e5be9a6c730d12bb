#include "protocol/codec.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "codec_samples.hpp"

namespace protocol {
namespace {

using namespace codec_testing;

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

// unserve_request's serve_type came after protocol 7 froze (field::trailing):
// a tcp request is the older message byte for byte, and the older message
// reads as tcp ("").
TEST(Codec, ATrailingFieldIsLeftOutWhenEmptyAndReadWhenThere) {
  const auto old = encode(unserve_request{1, 2, "127.0.0.1", 53});
  EXPECT_EQ(old.size(), header_size + 4 + 4 + (2 + 9) + 2);
  auto r = decode(old);
  ASSERT_TRUE(r.msg) << r.ec.message();
  EXPECT_EQ(std::get<unserve_request>(*r.msg).serve_type, "");
  const auto udp = encode(unserve_request{1, 2, "127.0.0.1", 53, "udp"});
  EXPECT_EQ(udp.size(), old.size() + 2 + 3);
  r = decode(udp);
  ASSERT_TRUE(r.msg) << r.ec.message();
  EXPECT_EQ(std::get<unserve_request>(*r.msg).serve_type, "udp");
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
