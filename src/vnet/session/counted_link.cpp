#include "vnet/session/counted_link.hpp"

#include <spdlog/spdlog.h>

namespace vnet {

counted_link::counted_link(const net::asio::any_io_executor& ex, std::shared_ptr<net::socket_set> set,
                           const route_context& ctx, std::string label, const char* up, const char* down)
    : encrypted_link(ex),
      set_(std::move(set)),
      plain_guard_(*set_, plain),
      link_guard_(*set_, link),
      live_(std::in_place, *set_),
      ctx_(ctx),
      label_(std::move(label)),
      up_(up),
      down_(down) {}

void counted_link::opening() {
  started_ = std::chrono::steady_clock::now();
  ++set_->traffic.links;
  meter = {&set_->traffic.bytes_out, &set_->traffic.bytes_in};
  live_changed(set_->links());
}

void counted_link::ended(const net::secure::secure_stats& st) {
  live_.reset();
  live_changed(set_->links());
  if (st.cipher) spdlog::debug("{} ran on {}", label_, st.cipher);
  if (!st.failure.empty()) {
    if (ctx_.may_log("link failure")) spdlog::warn("{} failed: {}", label_, st.failure);
    return;
  }
  spdlog::log(ctx_.cfg.log_links ? spdlog::level::info : spdlog::level::debug, "{} closed {}", label_,
              net::relay::link_summary(st.stats, std::chrono::steady_clock::now() - started_, up_, down_));
}

}  // namespace vnet
