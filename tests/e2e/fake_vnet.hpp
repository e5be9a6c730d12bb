#pragma once
// A vnet played by hand from the test thread: its control session and the
// links it joins are raw sockets, so a test can make it misbehave on purpose
// (never join a link, join with a wrong proof, fall silent).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "client_socket.hpp"
#include "crypto/secret.hpp"
#include "protocol/messages.hpp"

namespace e2e {

// What a fake vnet's hello proves besides its name and group: the route's
// token (none when empty), and the group key: signed on its session with
// `member`'s keys when given, else `proof` as it is.
struct hello_proofs {
  std::string token;
  protocol::group_proof proof;
  const crypto::group_keys* member = nullptr;
};

class fake_vnet {
 public:
  // Connects and says hello; ok() tells whether the route welcomed it,
  // refusal() what it answered instead.
  fake_vnet(std::uint16_t route_port, const std::string& name, const std::string& group = "default",
            const hello_proofs& with = {});
  ~fake_vnet();
  fake_vnet(const fake_vnet&) = delete;
  fake_vnet& operator=(const fake_vnet&) = delete;

  bool ok() const { return welcome_.vnetid != 0; }
  std::uint32_t vnetid() const { return welcome_.vnetid; }
  const std::string& refusal() const { return refusal_; }

  // Registers a serve (its ip:port is never dialled: the test plays it).
  // True once the route confirms `serveid`.
  bool serve(std::uint16_t serveid, const std::string& name);
  // The route's answer to registering `serveid`, whatever it is.
  std::optional<protocol::serve_result> register_serve(std::uint16_t serveid, const std::string& name);
  bool unregister(std::uint16_t serveid) { return send(protocol::serve_unregister{serveid}); }
  // The using side of a link: a new connection to the route with link_open
  // (a ticket of the stock, asked for when empty); the route answers on it
  // with link_result.
  client_socket open_link(std::uint16_t serveid);
  // The same with a given ticket (spent or not: a test of the route).
  client_socket open_link(std::uint16_t serveid, const protocol::ticket& t);
  // A ticket from the route (asked over the control session when the stock
  // is empty; other control messages meanwhile are skipped).
  std::optional<protocol::ticket> take_ticket();
  // Asks vnet `vnetid` for an unserve of 127.0.0.1:`port`, with `request_id`.
  bool ask_unserve(std::uint32_t request_id, std::uint32_t vnetid, std::uint16_t port) {
    return send(protocol::unserve_request{request_id, vnetid, "127.0.0.1", port});
  }
  bool answer_unserve(std::uint32_t request_id, bool ok, const std::string& reason) {
    return send(protocol::unserve_result{request_id, ok, 0, reason});
  }
  // The next control message of type T; others are skipped.
  template <typename T>
  std::optional<T> next(std::chrono::milliseconds timeout = 5s);
  // Pings the route from a background thread, so that a short route timeout
  // does not drop it, until fall_silent(): then not one byte more.
  void start_heartbeat(std::chrono::milliseconds every = 100ms);
  void fall_silent();
  // The route's next link request; other control messages are skipped.
  std::optional<protocol::link_request> next_link_request(std::chrono::milliseconds timeout = 5s);
  // The serving side of a link: a new connection to the route with link_join,
  // its proof made with `link_secret` (from the link_request), and (unless
  // `answer` is false) link_result{true} after it, as a serving vnet answers.
  client_socket join(std::uint64_t link_id, const protocol::key32& link_secret, bool answer = true);
  // The link key this vnet publishes: signed without a group key, never
  // used (a hand-played serve carries plaintext).
  static protocol::link_key published_key();
  client_socket& control() { return control_; }

 private:
  bool send(const protocol::message& m);

  std::uint16_t route_port_;
  client_socket control_;
  protocol::welcome welcome_;
  std::string refusal_;
  std::deque<protocol::ticket> tickets_;
  std::mutex send_mutex_;  // the heartbeat thread and the test thread both send
  std::atomic<bool> beating_{false};
  std::thread heartbeat_;
};

template <typename T>
std::optional<T> fake_vnet::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = control_.recv_message(left);
    if (!m) return std::nullopt;
    if (auto* t = std::get_if<T>(&*m)) return *t;
  }
}

}  // namespace e2e
