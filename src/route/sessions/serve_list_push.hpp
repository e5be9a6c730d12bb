#pragma once
// Pushes a group's serve-list changes to each vnet of the group (each got the
// whole list once, after its welcome). A change goes out at once, or, when
// the group's last push is more recent than push_interval(members), merged
// with the group's other changes until then: a storm of joins costs each
// member a few small updates per second instead of one per join.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "net/asio.hpp"
#include "protocol/messages.hpp"
#include "route/registry.hpp"
#include "route/sessions/session_table.hpp"

namespace route {

class serve_list_pusher {
 public:
  serve_list_pusher(net::asio::any_io_executor ex, const registry& reg, session_table& sessions)
      : ex_(std::move(ex)), registry_(reg), sessions_(sessions) {}

  void push(const std::string& group, const protocol::serve_list_update& u);
  // The route stops: no more pushes, no timer left.
  void stop();

 private:
  void flush(const std::string& group);

  net::asio::any_io_executor ex_;
  const registry& registry_;
  session_table& sessions_;
  // Changes not yet pushed, by group. An entry lives while its group has
  // vnets or changes to push.
  struct group_updates {
    protocol::serve_list_update pending;
    std::chrono::steady_clock::time_point last_push{};
    std::unique_ptr<net::asio::steady_timer> timer;  // set while a push is due
  };
  std::map<std::string, group_updates> updates_;
  bool stopping_ = false;
};

}  // namespace route
