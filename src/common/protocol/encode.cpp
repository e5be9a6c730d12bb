// Encoding: messages to frames. Decoding lives in codec.cpp.
#include <algorithm>
#include <type_traits>

#include "protocol/codec.hpp"
#include "protocol/wire.hpp"

namespace protocol {
namespace {

// ---- encoding ----------------------------------------------------------

void put_opening(writer& w, std::uint16_t v) {
  w.raw(std::string_view(magic, 4));
  w.u16(v);
}

void put_serve(writer& w, const serve_info& s) {
  w.u16(s.serveid);
  w.str(s.name);
  w.str(s.type);
  w.str(s.ip);
  w.u16(s.port);
  w.str(s.info);
}

void put_key(writer& w, const link_key& k) {
  w.u32(k.key_id);
  w.bytes(k.pub);
  w.bytes(k.mac);
}

void put(writer& w, const control_hello& m) {
  put_opening(w, m.version);
  w.str(m.name);
  w.str(m.group);
  w.str(m.auth);
  put_key(w, m.key);
}
void put(writer& w, const link_open& m) {
  put_opening(w, m.version);
  w.u16(m.serveid);
  w.u64(m.ticket_id);
  w.bytes(m.proof);
}
void put(writer& w, const link_join& m) {
  put_opening(w, m.version);
  w.u64(m.link_id);
  w.bytes(m.proof);
}
void put(writer& w, const welcome& m) {
  w.u16(m.version);
  w.u32(m.vnetid);
  w.u32(m.heartbeat_ms);
  w.u32(m.timeout_ms);
}
void put(writer& w, const error& m) {
  w.u16(m.code);
  w.str(m.message);
}
void put(writer& w, const ping& m) {
  w.u32(m.request_id);
  w.u64(m.timestamp);
}
void put(writer& w, const pong& m) {
  w.u32(m.request_id);
  w.u64(m.timestamp);
}
void put(writer& w, const serve_register& m) {
  w.u32(m.request_id);
  put_serve(w, m.serve);
}
void put(writer& w, const serve_result& m) {
  w.u32(m.request_id);
  w.u8(m.ok ? 1 : 0);
  w.u16(m.serveid);
  w.str(m.reason);
}
void put(writer& w, const serve_unregister& m) { w.u16(m.serveid); }
void put(writer& w, const serve_list& m) {
  w.u32(m.vnets);
  w.u32(static_cast<std::uint32_t>(m.serves.size()));
  for (const auto& s : m.serves) {
    put_serve(w, s.serve);
    w.u32(s.vnetid);
    w.str(s.vnet_name);
    put_key(w, s.key);
  }
}
void put(writer& w, const serve_list_update& m) {
  w.u32(m.vnets);
  w.u32(static_cast<std::uint32_t>(m.removed.size()));
  for (auto id : m.removed) w.u16(id);
  w.u32(static_cast<std::uint32_t>(m.changed.size()));
  for (const auto& s : m.changed) {
    put_serve(w, s.serve);
    w.u32(s.vnetid);
    w.str(s.vnet_name);
    put_key(w, s.key);
  }
}
void put(writer& w, const link_request& m) {
  w.u64(m.link_id);
  w.u16(m.serveid);
  w.bytes(m.link_secret);
}
void put(writer& w, const link_failed& m) {
  w.u64(m.link_id);
  w.str(m.reason);
}
void put(writer& w, const link_result& m) {
  w.u8(m.ok ? 1 : 0);
  w.str(m.reason);
}

void put(writer& w, const serve_query& m) { w.u32(m.request_id); }
void put(writer& w, const serve_query_result& m) {
  w.u32(m.request_id);
  put(w, m.list);
}
void put(writer& w, const vnet_query& m) { w.u32(m.request_id); }
void put(writer& w, const vnet_query_result& m) {
  w.u32(m.request_id);
  w.u32(static_cast<std::uint32_t>(m.vnets.size()));
  for (const auto& v : m.vnets) {
    w.u32(v.vnetid);
    w.str(v.name);
    w.u32(v.links);
  }
}
void put(writer& w, const vnet_rename& m) { w.str(m.name); }
void put(writer& w, const unserve_request& m) {
  w.u32(m.request_id);
  w.u32(m.vnetid);
  w.str(m.ip);
  w.u16(m.port);
}
void put(writer& w, const unserve_result& m) {
  w.u32(m.request_id);
  w.u8(m.ok ? 1 : 0);
  w.u16(m.serveid);
  w.str(m.reason);
}
void put(writer& w, const ticket_request& m) { w.u16(m.count); }
void put(writer& w, const tickets& m) {
  w.u32(static_cast<std::uint32_t>(m.granted.size()));
  for (const auto& t : m.granted) {
    w.u64(t.id);
    w.bytes(t.secret);
  }
}
void put(writer& w, const link_key_update& m) { put_key(w, m.key); }

}  // namespace

type type_of(const message& m) {
  return std::visit(
      [](const auto& v) -> type {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, control_hello>) return type::control_hello;
        else if constexpr (std::is_same_v<T, link_open>) return type::link_open;
        else if constexpr (std::is_same_v<T, link_join>) return type::link_join;
        else if constexpr (std::is_same_v<T, welcome>) return type::welcome;
        else if constexpr (std::is_same_v<T, error>) return type::error;
        else if constexpr (std::is_same_v<T, ping>) return type::ping;
        else if constexpr (std::is_same_v<T, pong>) return type::pong;
        else if constexpr (std::is_same_v<T, serve_register>) return type::serve_register;
        else if constexpr (std::is_same_v<T, serve_result>) return type::serve_result;
        else if constexpr (std::is_same_v<T, serve_unregister>) return type::serve_unregister;
        else if constexpr (std::is_same_v<T, serve_list>) return type::serve_list;
        else if constexpr (std::is_same_v<T, link_request>) return type::link_request;
        else if constexpr (std::is_same_v<T, link_failed>) return type::link_failed;
        else if constexpr (std::is_same_v<T, link_result>) return type::link_result;
        else if constexpr (std::is_same_v<T, serve_query>) return type::serve_query;
        else if constexpr (std::is_same_v<T, serve_query_result>) return type::serve_query_result;
        else if constexpr (std::is_same_v<T, vnet_query>) return type::vnet_query;
        else if constexpr (std::is_same_v<T, vnet_query_result>) return type::vnet_query_result;
        else if constexpr (std::is_same_v<T, vnet_rename>) return type::vnet_rename;
        else if constexpr (std::is_same_v<T, unserve_request>) return type::unserve_request;
        else if constexpr (std::is_same_v<T, serve_list_update>) return type::serve_list_update;
        else if constexpr (std::is_same_v<T, ticket_request>) return type::ticket_request;
        else if constexpr (std::is_same_v<T, tickets>) return type::tickets;
        else if constexpr (std::is_same_v<T, link_key_update>) return type::link_key_update;
        else {
          static_assert(std::is_same_v<T, unserve_result>);
          return type::unserve_result;
        }
      },
      m);
}

std::vector<std::uint8_t> encode(const message& m) {
  std::vector<std::uint8_t> out(header_size, 0);
  writer w(out);
  std::visit([&](const auto& v) { put(w, v); }, m);
  auto len = static_cast<std::uint32_t>(out.size() - header_size);
  auto t = static_cast<std::uint16_t>(type_of(m));
  std::uint8_t hdr[header_size] = {
      static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
      static_cast<std::uint8_t>(len >> 8),  static_cast<std::uint8_t>(len),
      static_cast<std::uint8_t>(t >> 8),    static_cast<std::uint8_t>(t)};
  std::copy(std::begin(hdr), std::end(hdr), out.begin());
  return out;
}

}  // namespace protocol
