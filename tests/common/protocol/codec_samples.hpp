#pragma once
// What the codec tests share: one sample of every message, raw frames built
// by hand, and decoding with the checks every rejection must pass.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/error.hpp"
#include "protocol/wire.hpp"

namespace protocol::codec_testing {

using bytes = std::vector<std::uint8_t>;

inline serve_info sample_serve(std::uint16_t id, std::string name) {
  return serve_info{id, std::move(name), "tcp", "127.0.0.1", 22, "home ssh, 中文"};
}

inline key32 sample_secret() {
  key32 k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(0xA0 + i);
  return k;
}
inline proof16 sample_proof() {
  proof16 p{};
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(0x50 + i);
  return p;
}
inline sealed48 sample_sealed() {
  sealed48 s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(0x10 + i);
  return s;
}
inline link_key sample_key(std::uint32_t id) {
  link_key k{id, sample_secret(), sample_secret()};
  k.mac[0] = static_cast<std::uint8_t>(id);
  return k;
}

// One message of every type, with every field away from its default so a
// field the codec forgets shows up as a mismatch.
inline std::vector<message> samples() {
  return {
      control_hello{version, "xiao", "default-ssh", "secret", sample_key(3)},
      link_open{version, 700, 0x1112131415161718ull, sample_proof()},
      link_join{version, 0xFFFFFFFFFFFFFFFFull, sample_proof()},
      welcome{version, 1, 6000, 15000},
      error{static_cast<std::uint16_t>(errc::version_mismatch), "speak version 1"},
      ping{3, 1234567890123ull},
      pong{3, 1234567890123ull},
      serve_register{5, sample_serve(0, "ssh")},
      serve_result{5, true, 17, "replaced: 700 is taken"},
      serve_unregister{999},
      serve_list{2,
                 {{sample_serve(700, "ssh"), 1, "remote-ssh", sample_key(1)},
                  {sample_serve(999, "xrdp"), 2, "", sample_key(2)}}},
      link_request{11, 700, sample_secret()},
      link_failed{11, "connection refused"},
      link_result{true, ""},
      serve_query{21},
      serve_query_result{21, serve_list{1, {{sample_serve(5, "web"), 3, "office", sample_key(4)}}}},
      vnet_query{22},
      vnet_query_result{22, {{1, "home", 4}, {2, "办公室", 0}}},
      vnet_rename{"new name"},
      unserve_request{23, 1, "127.0.0.1", 8888},
      unserve_request{24, 1, "127.0.0.1", 53, "udp"},
      unserve_result{23, false, 0, "allow_unserve=false on that vnet"},
      serve_list_update{3, {17, 999}, {{sample_serve(700, "ssh"), 4, "renamed", sample_key(5)}}},
      ticket_request{16},
      tickets{{{0x0102030405060708ull, sample_secret()}, {9, sample_secret()}}},
      link_key_update{sample_key(6)},
      link_pool{version, 2, 0x2122232425262728ull, sample_proof()},
      link_bind{998},
      link_assign{0x3132333435363738ull, 801, sample_sealed()},
  };
}

inline bytes frame(std::uint16_t t, const bytes& payload) {
  bytes out;
  writer w(out);
  w.u32(static_cast<std::uint32_t>(payload.size()));
  w.u16(t);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline bytes frame(type t, const bytes& payload) { return frame(static_cast<std::uint16_t>(t), payload); }

inline bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

struct result {
  std::optional<message> msg;
  std::size_t consumed = 99;  // a value try_decode must overwrite
  boost::system::error_code ec;
};

inline result decode(const bytes& in, std::uint32_t max = max_payload) {
  result r;
  r.ec = make_error_code(errc::unexpected_message);  // must be cleared on success
  r.msg = try_decode(in, r.consumed, r.ec, max);
  return r;
}

inline void expect_rejected(const bytes& in, errc why, std::uint32_t max = max_payload) {
  auto r = decode(in, max);
  EXPECT_FALSE(r.msg);
  EXPECT_EQ(r.ec, make_error_code(why)) << r.ec.message();
  EXPECT_EQ(r.consumed, 0u);
}

}  // namespace protocol::codec_testing
