#include "fake_vnet.hpp"

#include "crypto/group_proof.hpp"
#include "crypto/secret.hpp"
#include "harness.hpp"
#include "net/tls/tls.hpp"

namespace e2e {

fake_vnet::fake_vnet(std::uint16_t route_port, const std::string& name, const std::string& group,
                     const hello_proofs& with)
    : route_port_(route_port) {
  if (!control_.connect(route_port_) || !control_.start_tls()) return;
  const std::string auth = net::tls::admission_proof(with.token, control_.tls());
  protocol::group_proof proof = with.proof;
  if (with.member) {
    auto exported = net::tls::exported(control_.tls(), crypto::group_exporter_label);
    if (!exported) return;
    proof = crypto::prove_group(*with.member, *exported);
  }
  if (!send(protocol::control_hello{protocol::version, name, group, auth, published_key(), proof})) return;
  auto m = control_.recv_message();
  if (m && std::holds_alternative<protocol::welcome>(*m)) welcome_ = std::get<protocol::welcome>(*m);
  if (m && std::holds_alternative<protocol::error>(*m)) refusal_ = std::get<protocol::error>(*m).message;
}

fake_vnet::~fake_vnet() { fall_silent(); }

bool fake_vnet::send(const protocol::message& m) {
  std::lock_guard lock(send_mutex_);
  return control_.send_message(m);
}

bool fake_vnet::serve(std::uint16_t serveid, const std::string& name) {
  auto r = register_serve(serveid, name);
  return r && r->ok && r->serveid == serveid;
}

std::optional<protocol::serve_result> fake_vnet::register_serve(std::uint16_t serveid,
                                                                const std::string& name) {
  if (!send(protocol::serve_register{1, {serveid, name, "tcp", "127.0.0.1", 9, ""}})) return std::nullopt;
  return next<protocol::serve_result>();
}

protocol::link_key fake_vnet::published_key() {
  protocol::key32 pub{};
  pub.fill(0x42);
  return crypto::sign_link_key(protocol::key32{}, 1, pub);
}

std::optional<protocol::ticket> fake_vnet::take_ticket() {
  if (tickets_.empty()) {
    if (!send(protocol::ticket_request{16})) return std::nullopt;
    auto t = next<protocol::tickets>();
    if (!t) return std::nullopt;
    tickets_.assign(t->granted.begin(), t->granted.end());
  }
  if (tickets_.empty()) return std::nullopt;
  auto t = tickets_.front();
  tickets_.pop_front();
  return t;
}

client_socket fake_vnet::open_link(std::uint16_t serveid) {
  auto t = take_ticket();
  if (!t) return client_socket{};
  return open_link(serveid, *t);
}

client_socket fake_vnet::open_link(std::uint16_t serveid, const protocol::ticket& t) {
  client_socket s;
  if (s.connect(route_port_))
    s.send_message(protocol::link_open{protocol::version, serveid, t.id,
                                       crypto::open_proof(t.secret, t.id, serveid)});
  return s;
}

void fake_vnet::start_heartbeat(std::chrono::milliseconds every) {
  beating_ = true;
  heartbeat_ = std::thread([this, every] {
    for (std::uint32_t n = 1; beating_; ++n) {
      send(protocol::ping{n, 0});
      std::this_thread::sleep_for(every);  // the heartbeat's period, not a wait for a state
    }
  });
}

void fake_vnet::fall_silent() {
  beating_ = false;
  if (heartbeat_.joinable()) heartbeat_.join();
}

std::optional<protocol::link_request> fake_vnet::next_link_request(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = control_.recv_message(left);
    if (!m) return std::nullopt;
    if (auto* r = std::get_if<protocol::link_request>(&*m)) return *r;
  }
}

client_socket fake_vnet::join(std::uint64_t link_id, const protocol::key32& link_secret, bool answer) {
  client_socket s;
  if (s.connect(route_port_))
    s.send_message(protocol::link_join{protocol::version, link_id, crypto::join_proof(link_secret, link_id)});
  // Protocol 5: the serving vnet answers every link (its service is "reached").
  if (answer && s.valid()) s.send_message(protocol::link_result{true, {}});
  return s;
}

}  // namespace e2e
