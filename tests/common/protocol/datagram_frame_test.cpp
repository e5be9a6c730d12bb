// protocol/datagram_frame.hpp: datagram boundaries inside a link's stream.
#include "protocol/datagram_frame.hpp"

#include <gtest/gtest.h>

#include <random>

namespace protocol {
namespace {

std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(seed + i * 7);
  return d;
}

// Every datagram read back from `stream`, fed in the pieces `cut` chooses.
std::vector<std::vector<std::uint8_t>> read_all(const std::vector<std::uint8_t>& stream, auto cut) {
  datagram_reader r;
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t n = std::min(cut(), stream.size() - at);
    r.feed(std::span(stream.data() + at, n));
    at += n;
    for (;;) {
      auto d = r.next();
      EXPECT_TRUE(d.ok());
      if (!d.ok() || !*d) break;
      out.emplace_back((*d)->begin(), (*d)->end());
    }
  }
  EXPECT_EQ(r.held(), 0u);
  return out;
}

TEST(DatagramFrame, BoundariesSurviveAnySplit) {
  std::vector<std::vector<std::uint8_t>> sent;
  for (std::size_t n : {1, 0, 2, 1200, 65507, 3, 512, 65506, 1})
    sent.push_back(bytes_of(n, static_cast<std::uint8_t>(sent.size())));
  std::vector<std::uint8_t> stream;
  for (const auto& d : sent) ASSERT_TRUE(frame_datagram(d, stream).ok());
  EXPECT_EQ(read_all(stream, [&] { return stream.size(); }), sent);  // all at once
  EXPECT_EQ(read_all(stream, [] { return std::size_t{1}; }), sent);  // a byte at a time
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::uniform_int_distribution<std::size_t> piece(1, 70000);
    EXPECT_EQ(read_all(stream, [&] { return piece(rng); }), sent) << "round " << round;
  }
}

TEST(DatagramFrame, TheLargestUdpPayloadIsFramedAndNoLarger) {
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(frame_datagram(bytes_of(max_datagram, 1), out).ok());
  EXPECT_EQ(out.size(), max_datagram + datagram_header);
  EXPECT_EQ(out[0], 0xFF);
  EXPECT_EQ(out[1], 0xE3);  // 65507
  std::vector<std::uint8_t> more;
  auto refused = frame_datagram(bytes_of(max_datagram + 1, 1), more);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.why().find("65507"), std::string::npos) << refused.why();
  EXPECT_TRUE(more.empty());
}

TEST(DatagramFrame, ALengthBeyondTheLimitBreaksTheStream) {
  datagram_reader r;
  const std::vector<std::uint8_t> good{0, 1, 'x'};
  const std::vector<std::uint8_t> bad{0xFF, 0xE4, 'y'};  // 65508
  r.feed(good);
  auto first = r.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((**first)[0], 'x');
  r.feed(bad);
  EXPECT_FALSE(r.next().ok());
  r.feed(good);  // nothing after a broken length can be trusted
  EXPECT_FALSE(r.next().ok());
}

TEST(DatagramFrame, AnIncompleteDatagramWaitsForItsRest) {
  datagram_reader r;
  const std::vector<std::uint8_t> head{0x01};
  r.feed(head);
  auto none = r.next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  const std::vector<std::uint8_t> rest{0x00};  // length 256, no bytes yet
  r.feed(rest);
  none = r.next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(r.held(), 2u);
}

}  // namespace
}  // namespace protocol
