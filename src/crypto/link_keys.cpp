#include "crypto/link_keys.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include "crypto/random.hpp"

namespace crypto {

link_keys::link_keys(const key32& mac_key, clock::time_point now) : mac_key_(mac_key) {
  init();
  next_id_ = random_u32();
  current_ = make(now);
}

link_keys::~link_keys() { wipe(mac_key_); }

std::unique_ptr<link_keys::pair> link_keys::make(clock::time_point now) {
  auto p = std::make_unique<pair>();
  if (next_id_ == 0) next_id_ = 1;  // 0 means "no key" in a listed serve
  std::uint32_t id = next_id_++;
  random_bytes(p->secret);
  key32 pub;
  crypto_scalarmult_base(pub.data(), p->secret.data());
  p->pub = sign_link_key(mac_key_, id, pub);
  p->made = now;
  return p;
}

bool link_keys::due(clock::time_point now) const {
  return now >= next_rotation() || current_->seen.size() >= max_openings;
}

const protocol::link_key& link_keys::rotate(clock::time_point now) {
  previous_ = std::move(current_);  // the old previous is destroyed here: wiped
  current_ = make(now);
  return current_->pub;
}

void link_keys::set_mac_key(const key32& mac_key) {
  mac_key_ = mac_key;
  for (auto* p : {current_.get(), previous_.get()})
    if (p) p->pub = sign_link_key(mac_key_, p->pub.key_id, p->pub.pub);
}

outcome::result<link_keys::opening> link_keys::accept(std::uint32_t key_id, const key32& e_use_pub) {
  pair* p = nullptr;
  for (auto* c : {current_.get(), previous_.get()})
    if (c && c->pub.key_id == key_id) p = c;
  if (!p) return outcome::fail(fmt::format("unknown link key {}", key_id));
  if (p->seen.size() >= max_openings)
    return outcome::fail(
        fmt::format("link key {} has opened too many links; waiting for its replacement", key_id));
  if (!p->seen.insert(e_use_pub).second) return outcome::fail("replayed link opening");
  opening o;
  o.secret = p->secret;
  o.pub = p->pub.pub;
  return o;
}

}  // namespace crypto
