#pragma once
// What a use's link and a serve's link share for their whole life (use_link
// and serve_table::served_link derive from it): the plain socket (client or
// service) and the link to the route registered in the entry's socket_set,
// so that closing the use or serve closes them; the link counted live there
// until it ends; its traffic counted once the relay starts; and the one line
// that logs its end. The setup coroutine ends once the link runs; this
// object stays, held by the link's pending waits.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/secure/secure_relay.hpp"
#include "net/socket_set.hpp"
#include "vnet/session/route_context.hpp"

namespace vnet {

class counted_link : public net::secure::encrypted_link {
 public:
  // The relay starts: counted in the entry's traffic from here on.
  void opening();

 protected:
  // `label` starts its log lines ("use ssh: link to serveid 022"); `in` and
  // `out` name the directions of the summary (net::relay::link_summary's up and
  // down: up is plain -> link). `ctx` is the client's: its settings are read
  // at the end, so that a reload of log_links applies to links running
  // already, and a failure's line goes through its log budget.
  counted_link(const net::asio::any_io_executor& ex, std::shared_ptr<net::socket_set> set,
               const route_context& ctx, std::string label, const char* up, const char* down);

  // After the live count changed (opening, end): the serve side tells
  // whoever watches its serve (unserve_host).
  virtual void live_changed(std::size_t /*live*/) {}

 private:
  void ended(const net::secure::secure_stats& st) final;

  std::shared_ptr<net::socket_set> set_;
  net::socket_set::guard plain_guard_, link_guard_;
  std::optional<net::socket_set::link> live_;  // dropped at the end, before the log line
  const route_context& ctx_;
  std::string label_;
  const char* up_;
  const char* down_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace vnet
