#include "vnet/serves.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/frame_io.hpp"
#include "net/relay.hpp"

namespace vnet {

const char* to_string(serve_state s) {
  switch (s) {
    case serve_state::inactive: return "inactive";
    case serve_state::unregistered: return "unregistered";
    case serve_state::pending: return "registering";
    case serve_state::registered: return "registered";
    case serve_state::refused: return "refused";
  }
  return "?";
}

serve_table::serve_table(net::asio::any_io_executor ex, route_context& ctx) : ex_(ex), ctx_(ctx) {}

void serve_table::load(const std::vector<config::serve_config>& serves) {
  entries_.clear();
  for (const auto& s : serves) {
    serve_entry e;
    e.cfg = s;
    e.state = s.active ? serve_state::unregistered : serve_state::inactive;
    entries_.push_back(std::move(e));
  }
}

void serve_table::request_registration(serve_entry& e) {
  e.request_id = next_request_++;
  e.state = serve_state::pending;
  protocol::serve_info info{e.cfg.serveid, e.cfg.name, e.cfg.type, e.cfg.ip, e.cfg.port, e.cfg.info};
  ctx_.send(protocol::serve_register{e.request_id, std::move(info)});
}

void serve_table::on_connected() {
  for (auto& e : entries_)
    if (e.state != serve_state::inactive) request_registration(e);
}

void serve_table::on_disconnected() {
  for (auto& e : entries_) {
    if (e.state == serve_state::inactive) continue;
    e.state = serve_state::unregistered;
    e.serveid = 0;
  }
}

void serve_table::on_result(const protocol::serve_result& r) {
  for (auto& e : entries_) {
    if (e.state != serve_state::pending || e.request_id != r.request_id) continue;
    e.reason = r.reason;
    if (r.ok) {
      e.state = serve_state::registered;
      e.serveid = r.serveid;
      spdlog::info("serve {} registered as serveid {:03}{}", e.cfg.name, r.serveid,
                   r.reason.empty() ? "" : " (" + r.reason + ")");
    } else {
      // Not a repeat: a refused id is only retried once it left the group's
      // list, so a second refusal means another vnet took it meanwhile.
      spdlog::warn("serve {} refused: {}", e.cfg.name, r.reason);
      e.state = serve_state::refused;
    }
    return;
  }
}

void serve_table::retry_refused(const protocol::serve_list& list) {
  for (auto& e : entries_) {
    if (e.state != serve_state::refused) continue;
    bool taken = std::any_of(list.serves.begin(), list.serves.end(),
                             [&](const auto& s) { return s.serve.serveid == e.cfg.serveid; });
    if (!taken) request_registration(e);
  }
}

const serve_entry* serve_table::find_by_serveid(std::uint16_t serveid) const {
  for (const auto& e : entries_)
    if (e.state == serve_state::registered && e.serveid == serveid) return &e;
  return nullptr;
}

void serve_table::close_all_links() {
  for (auto& e : entries_) e.links->close_all();
}

void serve_table::on_link_request(const protocol::link_request& r) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].state == serve_state::registered && entries_[i].serveid == r.serveid) {
      net::asio::co_spawn(ex_, carry(i, r), net::log_exception{"serve link"});
      return;
    }
  }
  ctx_.send(protocol::link_failed{r.link_id, fmt::format("serveid {:03} is not served here", r.serveid)});
}

net::awaitable<void> serve_table::carry(std::size_t index, protocol::link_request r) {
  // Copy what we need: the table may be reloaded while we wait.
  auto cfg = entries_[index].cfg;
  net::tcp::socket service(ex_);
  if (auto ec = co_await net::dial(service, cfg.ip, cfg.port, ctx_.dial_timeout)) {
    auto why = fmt::format("cannot reach {}: {}", net::host_port(cfg.ip, cfg.port), ec.message());
    spdlog::warn("serve {}: link {} failed: {}", cfg.name, r.link_id, why);
    if (ctx_.session) ctx_.send(protocol::link_failed{r.link_id, why});
    co_return;
  }
  net::tcp::socket link(ex_);
  if (auto ec = co_await net::dial(link, ctx_.route.ip, ctx_.route.port, ctx_.dial_timeout)) {
    auto why = "cannot open a link to the route: " + ec.message();
    spdlog::warn("serve {}: link {} failed: {}", cfg.name, r.link_id, why);
    // Tell the waiting side now rather than let it time out.
    if (ctx_.session) ctx_.send(protocol::link_failed{r.link_id, why});
    co_return;
  }
  auto join = protocol::encode(protocol::link_join{protocol::version, r.link_id, r.link_token});
  if (auto ec = co_await net::write_frame(link, std::move(join))) {
    spdlog::warn("serve {}: link {} failed: {}", cfg.name, r.link_id, ec.message());
    co_return;
  }
  if (index >= entries_.size() || entries_[index].cfg.name != cfg.name) co_return;
  auto links = entries_[index].links;
  net::socket_set::guard g1(*links, service), g2(*links, link);
  auto st = co_await net::relay(link, service);
  spdlog::debug("serve {}: link {} closed: {} bytes in, {} bytes out", cfg.name, r.link_id,
                st.a_to_b, st.b_to_a);
}

}  // namespace vnet
