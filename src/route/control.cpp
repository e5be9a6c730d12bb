// The route's side of a control session: everything a connected vnet may ask
// or tell once it is welcomed (heartbeats, serves, queries, renames) and the
// relaying of unserve requests between two vnets of a group.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "route/server.hpp"
#include "text/printable.hpp"

namespace route {

void server::on_control(session& s, const protocol::message& m) {
  if (auto* p = std::get_if<protocol::ping>(&m)) {
    s.send(protocol::pong{p->request_id, p->timestamp});
  } else if (auto* reg = std::get_if<protocol::serve_register>(&m)) {
    on_register(s, *reg);
  } else if (auto* unreg = std::get_if<protocol::serve_unregister>(&m)) {
    if (registry_.unregister_serve(s.vnetid(), unreg->serveid)) {
      spdlog::info("vnet {:02}: serve {:03} unregistered", s.vnetid(), unreg->serveid);
      push_group(vnet_of(s).group);
    }
  } else if (auto* failed = std::get_if<protocol::link_failed>(&m)) {
    links_.fail(failed->link_id, s.vnetid(), failed->reason);
  } else if (auto* q = std::get_if<protocol::serve_query>(&m)) {
    s.send(protocol::serve_query_result{q->request_id, registry_.list_for_group(vnet_of(s).group)});
  } else if (auto* vq = std::get_if<protocol::vnet_query>(&m)) {
    protocol::vnet_query_result out{vq->request_id, {}};
    for (const auto& v : registry_.vnets_of_group(vnet_of(s).group))
      out.vnets.push_back({v.vnetid, v.name, static_cast<std::uint32_t>(links_.live_links(v.vnetid))});
    s.send(out);
  } else if (auto* rn = std::get_if<protocol::vnet_rename>(&m)) {
    on_rename(s, *rn);
  } else if (auto* ureq = std::get_if<protocol::unserve_request>(&m)) {
    on_unserve_request(s, *ureq);
  } else if (auto* ures = std::get_if<protocol::unserve_result>(&m)) {
    on_unserve_result(s, *ures);
  } else if (!std::holds_alternative<protocol::pong>(m)) {
    spdlog::warn("vnet {:02}: protocol error: unexpected {} on a control session", s.vnetid(),
                 protocol::name_of(protocol::type_of(m)));
    s.fail(fmt::format("unexpected {} on a control session",
                       protocol::name_of(protocol::type_of(m))));
  }
}

void server::push_group(const std::string& group) {
  auto list = registry_.list_for_group(group);
  for (const auto& v : registry_.vnets_of_group(group))
    if (auto it = sessions_.find(v.vnetid); it != sessions_.end()) it->second->send(list);
}

void server::on_register(session& s, const protocol::serve_register& reg) {
  auto wanted = reg.serve.serveid;
  // The quota is read now, not kept: a reload applies to the next register.
  auto out = registry_.register_serve(s.vnetid(), reg.serve, cfg_.limits.max_serves_per_vnet);
  s.send(protocol::serve_result{reg.request_id, out.ok, out.serveid, out.reason});
  if (!out.ok) {
    spdlog::info("vnet {:02}: serve '{}' ({:03}) refused: {}", s.vnetid(), text::printable(reg.serve.name),
                 wanted, text::printable(out.reason));
    return;
  }
  spdlog::info("vnet {:02}: serve '{}' registered as serveid {:03}{}", s.vnetid(),
               text::printable(reg.serve.name), out.serveid,
               out.reason.empty() ? "" : " (" + text::printable(out.reason) + ")");
  push_group(vnet_of(s).group);
}

void server::on_rename(session& s, const protocol::vnet_rename& r) {
  const auto& v = vnet_of(s);
  if (r.name == v.name) return;
  spdlog::info("vnet {:02} renamed: {} -> {}", s.vnetid(), text::printable(v.name), text::printable(r.name));
  registry_.rename_vnet(s.vnetid(), r.name);
  push_group(vnet_of(s).group);  // the serve list names the vnets
}

void server::on_unserve_request(session& s, const protocol::unserve_request& req) {
  // Counted before anything else: a probe of a vnet that does not exist is a
  // probe too. The quota is read now, so a reload applies at once.
  const auto now = unserve_book::clock::now();
  if (auto why = unserves_.admit(s.vnetid(), cfg_.limits.max_unserves_per_minute, now); !why.empty()) {
    spdlog::warn("vnet {:02}: unserve request refused: {}", s.vnetid(), why);
    s.send(protocol::unserve_result{req.request_id, false, 0, why});
    return;
  }
  auto it = sessions_.find(req.vnetid);
  const auto& group = vnet_of(s).group;
  if (it == sessions_.end() || vnet_of(*it->second).group != group) {
    s.send(protocol::unserve_result{req.request_id, false, 0,
                                    fmt::format("no vnet {:02} in group '{}'", req.vnetid, group)});
    return;
  }
  auto id = unserves_.add({s.vnetid(), req.request_id, req.vnetid}, now);
  spdlog::info("vnet {:02} asks vnet {:02} to unserve {}", s.vnetid(), req.vnetid,
               text::printable(net::host_port(req.ip, req.port)));
  it->second->send(protocol::unserve_request{id, s.vnetid(), req.ip, req.port});
}

void server::on_unserve_result(session& s, const protocol::unserve_result& res) {
  auto p = unserves_.answer(res.request_id, s.vnetid());
  if (!p) return;  // the requester left, or gave up a minute ago
  if (auto r = sessions_.find(p->requester); r != sessions_.end())
    r->second->send(protocol::unserve_result{p->request_id, res.ok, res.serveid, res.reason});
}

void server::drop_unserves(std::uint32_t vnetid) {
  for (const auto& p : unserves_.drop_vnet(vnetid))
    if (auto r = sessions_.find(p.requester); r != sessions_.end())
      r->second->send(protocol::unserve_result{
          p.request_id, false, 0, fmt::format("vnet {:02} left before answering", vnetid)});
}

}  // namespace route
