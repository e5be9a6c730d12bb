#include "route/serve_shown.hpp"
#include "route/sessions/session_hub.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/time.hpp"
#include "platform/memory.hpp"
#include "route/error_frame.hpp"
#include "route/peer_log.hpp"
#include "text/printable.hpp"

namespace route {

session_hub::session_hub(net::asio::any_io_executor ex, const config::route_config& cfg, registry& reg,
                         session_table& sessions, link_broker& links, route::stats& stats,
                         logging::budget& peer_log)
    : ex_(ex),
      cfg_(cfg),
      registry_(reg),
      sessions_(sessions),
      links_(links),
      stats_(stats),
      peer_log_(peer_log),
      updates_(ex, reg, sessions) {}

net::awaitable<void> session_hub::run_session(net::tls::tls_stream s, protocol::control_hello hello) {
  if (stopping_) co_return;
  if (registry_.group_full(hello.group)) {
    // Bounded so that no list of the group's vnets can outgrow a frame.
    stats_.connection_dropped(connection_drop::group_full);
    auto why = fmt::format("group '{}' is full: one group may hold at most {} vnets",
                           text::printable(hello.group), registry_.max_group_vnets());
    net::error_code ec;
    auto ep = s.next_layer().remote_endpoint(ec);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("vnet '{}' from {} refused: {}", text::printable(hello.name),
                   ec ? "?" : net::to_string(ep), why);
    auto frame = error_frame(protocol::errc::too_many_vnets, why);
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  auto id = registry_.add_vnet(hello.name, hello.group, hello.key);
  auto sess = std::make_shared<session>(std::move(s), id, net::to_duration(cfg_.timeout));
  sessions_.add(sess);
  spdlog::info("vnet {:02} ({}) connected from {}, group '{}'", id, text::printable(hello.name),
               sess->remote(), text::printable(hello.group));
  sess->send(protocol::welcome{protocol::version, id,
                               static_cast<std::uint32_t>(net::to_ms(cfg_.heartbeat).count()),
                               static_cast<std::uint32_t>(net::to_ms(cfg_.timeout).count())});
  // The newcomer gets the whole list once; the others only the new count.
  sess->send(registry_.list_for_group(hello.group));
  updates_.push(hello.group, {});

  std::function<void(const protocol::message&)> on_message = [this, &sess](const protocol::message& m) {
    on_control(*sess, m);
  };
  auto reason = co_await sess->run(std::move(on_message));
  end_session(id, hello.group, hello.name, reason);
}

void session_hub::end_session(std::uint32_t id, const std::string& group, const std::string& name,
                              const std::string& reason) {
  sessions_.remove(id);
  links_.vnet_left(id);
  trim_soon();
  drop_unserves(id);
  auto serves = registry_.serves_of_group(group);
  auto gone = registry_.remove_vnet(id);
  protocol::serve_list_update left;
  for (const auto& e : serves)
    if (e.vnetid == id) {
      spdlog::info("serve {:03}{} of vnet {:02} unregistered", e.serve.serveid, quoted_name(e.serve), id);
      left.removed.push_back(e.serve.serveid);
    }
  peer_log_.forget(peer_subject(id));
  spdlog::info("vnet {:02} ({}) disconnected: {}", id, text::printable(gone ? gone->name : name),
               text::printable(reason));
  if (!stopping_) updates_.push(group, left);
}

void session_hub::set_timeouts() {
  for (const auto& [id, s] : sessions_.all()) s->set_timeout(net::to_duration(cfg_.timeout));
}

void session_hub::stop() {
  stopping_ = true;
  updates_.stop();
  for (const auto& [id, s] : sessions_.all()) s->fail("the route is shutting down");
  if (trim_timer_) trim_timer_->cancel();
}

void session_hub::trim_soon() {
  if (trim_timer_ || stopping_) return;  // one trim per second at most: it walks the heap
  trim_timer_ = std::make_unique<net::asio::steady_timer>(ex_, std::chrono::seconds(1));
  trim_timer_->async_wait([this](net::error_code ec) {
    if (ec) return;  // stop(): the route is going away
    trim_timer_.reset();
    platform::trim_heap();
  });
}

}  // namespace route
