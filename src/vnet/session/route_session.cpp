#include "vnet/session/route_session.hpp"

#include "protocol/serve_list_update.hpp"

namespace vnet {

void route_context::send(const protocol::message& m) const {
  if (session_) session_->send(m);
}

route_session::route_session(net::asio::any_io_executor ex, route_context& ctx, std::uint32_t vnetid,
                             net::frame::outbox_limits limits, pool_hooks hooks)
    : ex_(ex),
      vnetid_(vnetid),
      outbox_(ex, limits),
      tickets_(ex, [this](std::uint16_t n) { send(protocol::ticket_request{n}); }, ctx.ticket_use_window),
      use_pool_(ex, ctx, *this, protocol::pool_role::use, std::move(hooks.use_wanted)),
      serve_pool_(ex, ctx, *this, protocol::pool_role::serve, std::move(hooks.serve_wanted),
                  std::move(hooks.on_assign)) {}

route_session::~route_session() {
  // The pools and the stock end with their members; what waits for an
  // answer is told why.
  fail_requests("lost the route");
}

void route_session::start() {
  tickets_.start();  // the first batch, before the first link needs one
  // Idle links wait for a serve registered or a use listening (wanted), and
  // each for a ticket of that first batch.
  adjust_pools();
}

void route_session::adjust_pools() {
  use_pool_.adjust();
  serve_pool_.adjust();
}

bool route_session::apply(const protocol::serve_list_update& u) {
  if (!serve_list_) return false;
  protocol::apply(*serve_list_, u);
  return true;
}

std::shared_ptr<pending_request> route_session::expect(std::uint32_t request_id) {
  auto p = std::make_shared<pending_request>(ex_);
  pending_[request_id] = p;
  return p;
}

bool route_session::answer(std::uint32_t request_id, const protocol::message& m) {
  auto it = pending_.find(request_id);
  if (it == pending_.end()) return false;
  it->second->answer = m;
  it->second->done.cancel();
  return true;
}

void route_session::fail_requests(const std::string& why) {
  for (auto& [id, p] : pending_) {
    if (p->answer || !p->error.empty()) continue;
    p->error = why;
    p->done.cancel();
  }
}

}  // namespace vnet
