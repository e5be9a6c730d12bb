// The route's session assembles frames from its own reads (frame_reader)
// and queues its frames in a send_queue: the same limits as read_frame and
// the outbox, without a socket.
#include <gtest/gtest.h>

#include <cstring>

#include "net/frame/frame_reader.hpp"
#include "net/frame/send_queue.hpp"
#include "protocol/codec.hpp"
#include "protocol/error.hpp"

namespace {

using net::frame::frame_reader;

// Feeds `bytes` through the reader, at most `step` at a time; returns the
// frames it gave back.
std::vector<net::frame::frame_result> feed(frame_reader& r, const std::vector<std::uint8_t>& bytes,
                                           std::size_t step) {
  std::vector<net::frame::frame_result> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto buf = r.buffer();
    EXPECT_GT(buf.size(), 0u);
    std::size_t n = std::min({buf.size(), step, bytes.size() - at});
    std::memcpy(buf.data(), bytes.data() + at, n);
    at += n;
    if (auto fr = r.commit(n)) out.push_back(std::move(*fr));
  }
  return out;
}

TEST(FrameReader, FramesInPiecesComeWholeAndInOrder) {
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 3; ++i) {
    auto f = protocol::encode(protocol::message{protocol::error{static_cast<std::uint16_t>(i), std::string(1000, 'a' + i)}});
    bytes.insert(bytes.end(), f.begin(), f.end());
  }
  for (std::size_t step : {1u, 7u, 512u, 100000u}) {
    frame_reader r(protocol::max_payload);
    auto frames = feed(r, bytes, step);
    ASSERT_EQ(frames.size(), 3u) << step;
    for (int i = 0; i < 3; ++i) {
      ASSERT_FALSE(frames[i].ec) << frames[i].ec.message();
      const auto& e = std::get<protocol::error>(frames[i].msg);
      EXPECT_EQ(e.code, i);
      EXPECT_EQ(e.message, std::string(1000, 'a' + i));
    }
  }
}

TEST(FrameReader, AnAnnouncedLengthCostsNothingUntilItsBytesCome) {
  auto f = protocol::encode(protocol::message{protocol::error{1, std::string(200000, 'x')}});
  frame_reader r(protocol::max_payload);
  std::vector<std::uint8_t> head(f.begin(), f.begin() + protocol::header_size);
  EXPECT_TRUE(feed(r, head, head.size()).empty());
  // The header promises 200 KB: the first read offers 512 bytes, and each
  // next one at most what already came.
  EXPECT_EQ(r.buffer().size(), 512u);
  EXPECT_FALSE(r.commit(512));
  EXPECT_EQ(r.buffer().size(), 512u);
  EXPECT_FALSE(r.commit(1));
  EXPECT_EQ(r.buffer().size(), 513u);
}

TEST(FrameReader, ABadHeaderAndATruncatedPayloadAreProtocolErrors) {
  auto f = protocol::encode(protocol::message{protocol::error{1, std::string(1000, 'x')}});
  frame_reader small(500);  // the frame is over this reader's bound: its header says so
  std::vector<std::uint8_t> head(f.begin(), f.begin() + protocol::header_size);
  auto frames = feed(small, head, head.size());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].ec.category(), protocol::category());

  frame_reader r(protocol::max_payload);
  EXPECT_EQ(r.failed(boost::asio::error::eof), boost::asio::error::eof) << "between frames: the peer's close";
  std::vector<std::uint8_t> part(f.begin(), f.begin() + 100);
  EXPECT_TRUE(feed(r, part, part.size()).empty());
  EXPECT_EQ(r.failed(boost::asio::error::eof), net::error_code(protocol::errc::truncated));
}

TEST(SendQueue, OverTheBoundItIsDroppedAtOnceAndSaysWhy) {
  net::frame::send_queue q(net::frame::outbox_limits{.max_bytes = 10000});
  protocol::message m = protocol::error{0, std::string(1000, 'q')};
  int pushed = 0;
  while (q.push(m)) ++pushed;
  EXPECT_EQ(pushed, 9);
  EXPECT_TRUE(q.over());
  EXPECT_EQ(q.queued(), 0u) << "dropped at once";
  EXPECT_FALSE(q.push(m));
  EXPECT_EQ(q.stall(), "more than 9.8 KiB queued");
}

TEST(SendQueue, WritesWhatFilledMeanwhileInOrder) {
  net::frame::send_queue q;
  auto a = protocol::encode(protocol::message{protocol::ping{1}});
  auto b = protocol::encode(protocol::message{protocol::ping{2}});
  q.push(protocol::ping{1});
  auto first = q.next();
  ASSERT_EQ(first.size(), a.size());
  q.push(protocol::ping{2});  // while the first is being written
  q.written(2);
  EXPECT_EQ(q.next().size(), a.size() - 2) << "the rest of the buffer being written first";
  q.written(a.size() - 2);
  auto second = q.next();
  ASSERT_EQ(second.size(), b.size());
  EXPECT_EQ(std::memcmp(second.data(), b.data(), b.size()), 0);
  q.written(b.size());
  EXPECT_EQ(q.next().size(), 0u);
  EXPECT_EQ(q.queued(), 0u);
}

}  // namespace
