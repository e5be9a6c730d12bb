#pragma once
// Both ends of one link as bytes (crypto/link_cipher.hpp): the use hello,
// the early record, the serve hello and both directions' records, with every
// input either side takes from the route open to a test's edit.
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "crypto/link_cipher.hpp"

namespace link_ends_test {

// The problem's words, or "" when a handshake step went through.
inline std::string why_of(const outcome::status& s) { return s ? std::string() : s.why(); }


using namespace crypto;
using bytes = std::vector<std::uint8_t>;

inline key32 filled(std::uint8_t v) {
  key32 k;
  k.fill(v);
  return k;
}

inline bytes pattern(std::size_t n, std::uint8_t seed = 0) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + seed);
  return b;
}

inline group_keys keyed_group() {
  group_keys g;
  g.wire_group = "k-test";
  g.psk = filled(0x51);
  g.mac_key = filled(0x4d);
  g.keyed = true;
  return g;
}

// Splits a sealed stream into its records (prefix and ciphertext; prefixes checked).
inline std::vector<bytes> records(const bytes& stream) {
  std::vector<bytes> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    auto n = record_opener::record_length(std::span<const std::uint8_t, 4>(stream.data() + at, 4));
    EXPECT_NE(n, 0u);
    if (n == 0) break;
    out.emplace_back(stream.begin() + at, stream.begin() + at + 4 + n);
    at += 4 + n;
  }
  return out;
}

// What each side holds of the link; the route's edits go between the steps.
struct link_setup {
  key32 use_secret = filled(0x11), serve_secret = filled(0x11);
  std::uint16_t use_serveid = 700, serve_serveid = 700;
  suites offer = all_suites, local = all_suites;
  std::uint64_t link_id = 42;
  std::function<void(use_hello&)> edit_hello;    // the route on the use hello
  std::function<void(serve_hello&)> edit_reply;  // the route on the serve hello
};

// Both ends of one link, after the handshake.
struct link_ends {
  group_keys group = keyed_group();
  link_keys keys{group.mac_key};
  use_handshake use;
  serve_handshake serve;
  record_sealer up_seal;
  record_opener up_open;
  record_sealer down_seal;
  record_opener down_open;
  serve_hello reply{};
  std::string use_error, serve_error, early_error, finish_error;

  link_ends() : link_ends(link_setup{}) {}
  explicit link_ends(const link_setup& s) {
    use_error = why_of(use.start(group, s.use_secret, keys.current(), s.use_serveid, s.offer, up_seal));
    if (!use_error.empty()) return;
    bytes early;
    up_seal.seal(pattern(20), false, early);
    use_hello hello = use.hello();
    if (s.edit_hello) s.edit_hello(hello);
    serve_error = why_of(serve.start(group, s.serve_secret, s.serve_serveid, hello, keys, up_open));
    if (!serve_error.empty()) return;
    bytes plain;
    if (up_open.open(records(early).at(0), plain) != record_opener::result::data || plain != pattern(20)) {
      early_error = "the early record did not open";
      return;
    }
    serve.finish(s.link_id, s.local, up_open, down_seal, reply);
    serve_hello got = reply;
    if (s.edit_reply) s.edit_reply(got);
    finish_error = why_of(use.finish(got, up_seal, down_open));
  }
  bool ok() const { return use_error.empty() && serve_error.empty() && early_error.empty() && finish_error.empty(); }
  std::string errors() const { return use_error + serve_error + early_error + finish_error; }

  // One record each way after the handshake: both opened?
  bool both_ways_open() {
    bytes u, d, plain;
    up_seal.seal(pattern(50, 1), false, u);
    down_seal.seal(pattern(50, 2), false, d);
    bool up = up_open.open(records(u).at(0), plain) == record_opener::result::data;
    bool down = down_open.open(records(d).at(0), plain) == record_opener::result::data;
    return up && down;
  }
};

}  // namespace link_ends_test
