#pragma once
// One UDP flow's end of its stream pair (net/stream_pair.hpp): datagrams
// towards the flow's encrypted link are framed (protocol/datagram_frame.hpp)
// and written to the pair; the link's bytes read back from it are cut into
// datagrams again and handed to on_datagram. Both the use side (a client's
// flow) and the serving side (the flow's socket towards the service) own one.
//
// The flow ends once: idle for `idle` (no datagram either way; sooner for a
// flow of one datagram each way, if close_answered_after says), the link's
// side closed (the link ended, or the peer vnet closed the flow), a broken
// stream, or close(). On the end this side shuts its sending half, so the
// link sends its final record and ends cleanly, and closes the pair after a
// short grace, or at once when the link's side is gone.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "net/socket_set.hpp"
#include "net/time.hpp"
#include "protocol/datagram_frame.hpp"

namespace net {

class datagram_channel : public std::enable_shared_from_this<datagram_channel> {
 public:
  // Framed bytes held for a link that does not keep up; datagrams beyond
  // are dropped, as a full UDP buffer drops them.
  static constexpr std::size_t max_queued = 4u << 20;

  // `totals`: the use's or serve's, whose traffic counts the datagrams too.
  datagram_channel(tcp::socket inner, duration idle, std::shared_ptr<socket_set> totals = nullptr);
  datagram_channel(const datagram_channel&) = delete;
  datagram_channel& operator=(const datagram_channel&) = delete;

  // A datagram from the link (valid only during the call); not after the end.
  std::function<void(std::span<const std::uint8_t>)> on_datagram;
  // Called once, when the flow ends, with why ("idle for 60 s").
  std::function<void(const std::string& why)> on_end;

  // A flow that carried exactly one datagram each way (a DNS query and its
  // answer) ends after `after` idle, if that is shorter than `idle`.
  void close_answered_after(duration after) { answered_idle_ = after; }

  void start();  // set the callbacks first
  // A datagram towards the link: false when dropped (ended, over the UDP
  // limit, or the queue full).
  bool send(std::span<const std::uint8_t> datagram);
  void close(const std::string& why) { end(why); }
  bool ended() const { return ended_; }

  struct counts {
    std::uint64_t to_link = 0, from_link = 0, dropped = 0;  // datagrams
  };
  const counts& totals() const { return counts_; }

 private:
  void wait_read();
  void read_ready();
  void write_more();
  void arm_idle();
  bool answered_once() const { return counts_.to_link == 1 && counts_.from_link == 1; }
  duration idle_limit() const;
  void end(const std::string& why);
  void close_now();

  tcp::socket inner_;
  asio::steady_timer idle_timer_;
  asio::steady_timer grace_timer_;
  duration idle_;
  duration answered_idle_ = duration::zero();  // zero: no shorter rule
  std::shared_ptr<socket_set> totals_;
  std::chrono::steady_clock::time_point last_;
  protocol::datagram_reader reader_;
  std::vector<std::uint8_t> pending_;  // framed, not yet handed to a write
  std::vector<std::uint8_t> writing_;  // framed, in the write under way
  bool ended_ = false, closed_ = false;
  counts counts_;
};

}  // namespace net
