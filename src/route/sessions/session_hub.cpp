#include "route/serve_shown.hpp"
#include "route/sessions/session_hub.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/spawn.hpp"
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

void session_hub::start_session(net::tls::tls_stream s, protocol::control_hello hello, session_counts counts) {
  if (stopping_) return;
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
    net::asio::co_spawn(ex_, refuse(std::move(s), std::move(frame)), net::log_exception{"route session"});
    return;
  }
  auto id = registry_.add_vnet(hello.name, hello.group, hello.key);
  auto sess = std::make_shared<session>(std::move(s), id, net::to_duration(cfg_.timeout), std::move(counts));
  sessions_.add(sess);
  spdlog::info("vnet {:02} ({}) connected from {}, group '{}'", id, text::printable(hello.name),
               sess->remote(), text::printable(hello.group));
  sess->send(protocol::welcome{protocol::version, id,
                               static_cast<std::uint32_t>(net::to_ms(cfg_.heartbeat).count()),
                               static_cast<std::uint32_t>(net::to_ms(cfg_.timeout).count())});
  // The newcomer gets the whole list once; the others only the new count.
  sess->send(registry_.list_for_group(hello.group));
  updates_.push(hello.group, {});
  sess->start(*this);
}

net::awaitable<void> session_hub::refuse(net::tls::tls_stream s, std::vector<std::uint8_t> frame) {
  co_await net::frame::write_frame(s, std::move(frame));
}

void session_hub::end_session(std::uint32_t id, const std::string& reason) {
  // The registry knows the vnet's group and its name (a rename changed it
  // there); copied, as its entry goes below.
  const vnet_entry* v = registry_.find_vnet(id);
  const std::string group = v ? v->group : std::string();
  const std::string name = v ? v->name : std::string("?");
  sessions_.remove(id);
  links_.vnet_left(id);
  trim_soon();
  drop_unserves(id);
  auto serves = registry_.serves_of_group(group);
  registry_.remove_vnet(id);
  protocol::serve_list_update left;
  for (const auto& e : serves)
    if (e.vnetid == id) {
      spdlog::info("serve {:03}{} of vnet {:02} unregistered", e.serve.serveid, quoted_name(e.serve), id);
      left.removed.push_back(e.serve.serveid);
    }
  peer_log_.forget(peer_subject(id));
  spdlog::info("vnet {:02} ({}) disconnected: {}", id, text::printable(name),
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
