#pragma once
// One link of a use for its whole life (use_table::carry sets it up): the
// client, its link to the route, their place in the use's socket_set (closed
// with the use) and its counts. The setup coroutine ends once the link runs;
// this object stays, held by the link's pending waits, and logs the end.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "net/secure_relay.hpp"
#include "net/socket_set.hpp"
#include "vnet/route_context.hpp"

namespace vnet {

class use_link final : public net::encrypted_link {
 public:
  use_link(const net::asio::any_io_executor& ex, std::shared_ptr<net::socket_set> links, route_context& ctx,
           std::string name, std::uint16_t serveid)
      : encrypted_link(ex),
        links_(std::move(links)),
        plain_guard_(*links_, plain),
        link_guard_(*links_, link),
        counted_(*links_),
        ctx_(ctx),
        name_(std::move(name)),
        serveid_(serveid) {}

  // The relay starts: counted in the use's traffic from here on.
  void opening() {
    started_ = std::chrono::steady_clock::now();
    ++links_->traffic.links;
    meter = {&links_->traffic.bytes_out, &links_->traffic.bytes_in};
  }

 private:
  void ended(const net::secure_stats& st) override {
    if (!st.failure.empty()) {
      spdlog::warn("use {}: link to serveid {:03} failed: {}", name_, serveid_, st.failure);
      return;
    }
    spdlog::log(ctx_.cfg->log_links ? spdlog::level::info : spdlog::level::debug,
                "use {}: link to serveid {:03} closed {}", name_, serveid_,
                net::link_summary(st.stats, std::chrono::steady_clock::now() - started_, "out", "in"));
  }

  std::shared_ptr<net::socket_set> links_;
  net::socket_set::guard plain_guard_, link_guard_;
  net::socket_set::link counted_;
  route_context& ctx_;
  std::string name_;
  std::uint16_t serveid_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace vnet
