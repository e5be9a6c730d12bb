// The session hub's control messages: everything a connected vnet may ask
// or tell once it is welcomed (heartbeats, serves, queries, renames, tickets)
// and the relaying of unserve requests between two vnets of a group.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/group_proof.hpp"
#include "net/endpoint.hpp"
#include "protocol/serve_list_update.hpp"
#include "route/peer_log.hpp"
#include "route/serve_shown.hpp"
#include "route/sessions/session_hub.hpp"
#include "text/printable.hpp"

namespace route {

void session_hub::on_control(session& s, const protocol::message& m) {
  if (auto* p = std::get_if<protocol::ping>(&m)) {
    s.send(protocol::pong{p->request_id, p->timestamp});
  } else if (auto* reg = std::get_if<protocol::serve_register>(&m)) {
    on_register(s, *reg);
  } else if (auto* unreg = std::get_if<protocol::serve_unregister>(&m)) {
    if (registry_.unregister_serve(s.vnetid(), unreg->serveid)) {
      if (peer_log_.allow(peer_subject(s.vnetid()), "registration"))
        spdlog::info("vnet {:02}: serve {:03} unregistered", s.vnetid(), unreg->serveid);
      updates_.push(vnet_of(s).group, {0, {unreg->serveid}, {}});
    }
  } else if (auto* failed = std::get_if<protocol::link_failed>(&m)) {
    links_.serving_failed(failed->link_id, s.vnetid(), failed->reason);
  } else if (auto* q = std::get_if<protocol::serve_query>(&m)) {
    s.send(protocol::serve_query_result{q->request_id, registry_.list_for_group(vnet_of(s).group)});
  } else if (auto* vq = std::get_if<protocol::vnet_query>(&m)) {
    protocol::vnet_query_result out{vq->request_id, {}};
    for (const auto& v : registry_.vnets_of_group(vnet_of(s).group))
      out.vnets.push_back({v.vnetid, v.name, static_cast<std::uint32_t>(links_.links().live_links(v.vnetid))});
    s.send(out);
  } else if (auto* rn = std::get_if<protocol::vnet_rename>(&m)) {
    on_rename(s, *rn);
  } else if (auto* ureq = std::get_if<protocol::unserve_request>(&m)) {
    on_unserve_request(s, *ureq);
  } else if (auto* ures = std::get_if<protocol::unserve_result>(&m)) {
    on_unserve_result(s, *ures);
  } else if (auto* tr = std::get_if<protocol::ticket_request>(&m)) {
    on_ticket_request(s, *tr);
  } else if (auto* ku = std::get_if<protocol::link_key_update>(&m)) {
    on_link_key(s, *ku);
  } else if (!std::holds_alternative<protocol::pong>(m)) {
    spdlog::warn("vnet {:02}: protocol error: unexpected {} on a control session", s.vnetid(),
                 protocol::name_of(protocol::type_of(m)));
    s.fail(fmt::format("unexpected {} on a control session",
                       protocol::name_of(protocol::type_of(m))));
  }
}

void session_hub::on_register(session& s, const protocol::serve_register& reg) {
  auto wanted = reg.serve.serveid;
  // A keyed group's serves come sealed: the route keeps serveids and blobs.
  const std::string mismatch = sealing_mismatch(crypto::looks_keyed(vnet_of(s).group), reg.serve);
  if (!mismatch.empty()) {
    s.send(protocol::serve_result{reg.request_id, false, 0, mismatch});
    if (peer_log_.allow(peer_subject(s.vnetid()), "refusal"))
      spdlog::info("vnet {:02}: serve {:03} refused: {}", s.vnetid(), wanted, mismatch);
    return;
  }
  // The quota is read now, not kept: a reload applies to the next register.
  auto out = registry_.register_serve(s.vnetid(), reg.serve, cfg_.limits.max_serves_per_vnet);
  s.send(protocol::serve_result{reg.request_id, out.ok, out.serveid, out.reason});
  if (!out.ok) {
    if (out.refused_by) stats_.limit_refused(*out.refused_by);
    if (peer_log_.allow(peer_subject(s.vnetid()), "refusal"))
      spdlog::info("vnet {:02}: serve{} ({:03}) refused: {}", s.vnetid(), quoted_name(reg.serve), wanted,
                   text::printable(out.reason));
    return;
  }
  if (peer_log_.allow(peer_subject(s.vnetid()), "registration"))
    spdlog::info("vnet {:02}: serve{} registered as serveid {:03}{}", s.vnetid(), quoted_name(reg.serve),
                 out.serveid,
                 out.reason.empty() ? "" : " (" + text::printable(out.reason) + ")");
  const auto& v = vnet_of(s);
  const auto* added = registry_.find_serve(v.group, out.serveid);
  updates_.push(v.group, {0, {}, {{added->serve, s.vnetid(), v.name, v.key}}});
}

void session_hub::on_ticket_request(session& s, const protocol::ticket_request& r) {
  // Fewer than asked when the vnet holds many unused ones: what it may hold
  // is bounded, whatever it asks for (the decoder bounds one request).
  const std::size_t count = std::min<std::size_t>(r.count, protocol::max_tickets_per_request);
  s.send(protocol::tickets{links_.grant_tickets(s.vnetid(), count)});
}

void session_hub::on_link_key(session& s, const protocol::link_key_update& u) {
  if (vnet_of(s).key == u.key) return;
  registry_.set_key(s.vnetid(), u.key);
  // Like a rename: the vnet's serves are listed anew, with the new key.
  auto changed = registry_.listed_serves_of(s.vnetid());
  if (!changed.empty()) updates_.push(vnet_of(s).group, {0, {}, std::move(changed)});
}

void session_hub::on_rename(session& s, const protocol::vnet_rename& r) {
  const auto& v = vnet_of(s);
  if (r.name == v.name) return;
  if (peer_log_.allow(peer_subject(s.vnetid()), "registration"))
    spdlog::info("vnet {:02} renamed: {} -> {}", s.vnetid(), text::printable(v.name), text::printable(r.name));
  registry_.rename_vnet(s.vnetid(), r.name);
  // The serve list names the vnets: its serves are listed anew. A vnet
  // without serves is in no list, and its rename changes none.
  auto renamed = registry_.listed_serves_of(s.vnetid());
  if (!renamed.empty()) updates_.push(vnet_of(s).group, {0, {}, std::move(renamed)});
}

void session_hub::on_unserve_request(session& s, const protocol::unserve_request& req) {
  // Counted before anything else: a probe of a vnet that does not exist is a
  // probe too. The quota is read now, so a reload applies at once.
  // Per vnet, per group and per network: parallel sessions share the
  // group's and the network's minute.
  const auto now = unserve_book::clock::now();
  const auto& group = vnet_of(s).group;
  const unserve_book::asker who{s.vnetid(), group, s.network()};
  auto admitted = unserves_.admit(who, cfg_.limits.max_unserves_per_minute,
                                  cfg_.limits.max_group_unserves_per_minute, now);
  if (!admitted) {
    const limit_refusal& refusal = admitted.error();
    stats_.limit_refused(refusal.key);
    if (peer_log_.allow(peer_subject(s.vnetid()), "refusal"))
      spdlog::warn("vnet {:02}: unserve request refused: {}", s.vnetid(), refusal.text);
    s.send(protocol::unserve_result{req.request_id, false, 0, refusal.text});
    return;
  }
  session* target = sessions_.find(req.vnetid);
  if (!target || vnet_of(*target).group != group) {
    s.send(protocol::unserve_result{req.request_id, false, 0,
                                    fmt::format("no vnet {:02} in group '{}'", req.vnetid, group)});
    return;
  }
  auto id = unserves_.add({s.vnetid(), req.request_id, req.vnetid}, now);
  spdlog::info("vnet {:02} asks vnet {:02} to unserve {}", s.vnetid(), req.vnetid,
               text::printable(net::host_port(req.ip, req.port)));
  target->send(protocol::unserve_request{id, s.vnetid(), req.ip, req.port, req.serve_type});
}

void session_hub::on_unserve_result(session& s, const protocol::unserve_result& res) {
  auto p = unserves_.answer(res.request_id, s.vnetid());
  if (!p) return;  // the requester left, or gave up a minute ago
  if (auto* r = sessions_.find(p->requester))
    r->send(protocol::unserve_result{p->request_id, res.ok, res.serveid, res.reason});
}

void session_hub::drop_unserves(std::uint32_t vnetid) {
  for (const auto& p : unserves_.drop_vnet(vnetid))
    if (auto* r = sessions_.find(p.requester))
      r->send(protocol::unserve_result{
          p.request_id, false, 0, fmt::format("vnet {:02} left before answering", vnetid)});
}

}  // namespace route
