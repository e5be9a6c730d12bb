#include "protocol/codec.hpp"

// Decoding: header checks, payload parsing, the streaming form.

#include <type_traits>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/wire.hpp"

namespace protocol {
namespace {

// ---- decoding ----------------------------------------------------------

bool get_bool(reader& r) {
  auto v = r.u8();
  if (v > 1) r.fail(errc::bad_value);
  return v == 1;
}

// Returns false when the rest of the payload is in another version's layout.
bool get_opening(reader& r, std::uint16_t& v) {
  if (!r.raw_equals(std::string_view(magic, 4))) {
    r.fail(errc::bad_magic);
    return false;
  }
  v = r.u16();
  return r.ok() && v == version;
}

serve_info get_serve(reader& r) {
  serve_info s;
  s.serveid = r.u16();
  s.name = r.str();
  s.type = r.str();
  s.ip = r.str();
  s.port = r.u16();
  s.info = r.str();
  return s;
}

link_key get_key(reader& r) {
  link_key k;
  k.key_id = r.u32();
  k.pub = r.bytes<32>();
  k.mac = r.bytes<32>();
  return k;
}

template <typename T>
T get(reader& r);

template <>
control_hello get(reader& r) {
  control_hello m;
  if (!get_opening(r, m.version)) return m;
  m.name = r.str();
  m.group = r.str();
  m.auth = r.str();
  m.key = get_key(r);
  return m;
}
template <>
link_open get(reader& r) {
  link_open m;
  if (!get_opening(r, m.version)) return m;
  m.serveid = r.u16();
  m.ticket_id = r.u64();
  m.proof = r.bytes<16>();
  return m;
}
template <>
link_join get(reader& r) {
  link_join m;
  if (!get_opening(r, m.version)) return m;
  m.link_id = r.u64();
  m.proof = r.bytes<16>();
  return m;
}
template <>
welcome get(reader& r) {
  welcome m;
  m.version = r.u16();
  m.vnetid = r.u32();
  m.heartbeat_ms = r.u32();
  m.timeout_ms = r.u32();
  return m;
}
template <>
error get(reader& r) {
  error m;
  m.code = r.u16();
  m.message = r.str();
  return m;
}
template <>
ping get(reader& r) {
  ping m;
  m.request_id = r.u32();
  m.timestamp = r.u64();
  return m;
}
template <>
pong get(reader& r) {
  pong m;
  m.request_id = r.u32();
  m.timestamp = r.u64();
  return m;
}
template <>
serve_register get(reader& r) {
  serve_register m;
  m.request_id = r.u32();
  m.serve = get_serve(r);
  return m;
}
template <>
serve_result get(reader& r) {
  serve_result m;
  m.request_id = r.u32();
  m.ok = get_bool(r);
  m.serveid = r.u16();
  m.reason = r.str();
  return m;
}
template <>
serve_unregister get(reader& r) {
  return serve_unregister{r.u16()};
}
// A count of entries, refused over its limit before any entry is decoded.
std::uint32_t get_count(reader& r, std::size_t max, errc too_many) {
  auto n = r.u32();
  if (n > max) {
    r.fail(too_many);
    return 0;
  }
  return n;
}

std::vector<listed_serve> get_listed_serves(reader& r) {
  std::vector<listed_serve> out;
  auto n = get_count(r, max_serves_listed, errc::too_many_serves);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    listed_serve s;
    s.serve = get_serve(r);
    s.vnetid = r.u32();
    s.vnet_name = r.str();
    s.key = get_key(r);
    out.push_back(std::move(s));
  }
  return out;
}

template <>
serve_list get(reader& r) {
  serve_list m;
  m.vnets = r.u32();
  m.serves = get_listed_serves(r);
  return m;
}
template <>
serve_list_update get(reader& r) {
  serve_list_update m;
  m.vnets = r.u32();
  auto n = get_count(r, max_serves_listed, errc::too_many_serves);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) m.removed.push_back(r.u16());
  if (r.ok()) m.changed = get_listed_serves(r);
  return m;
}
template <>
link_request get(reader& r) {
  link_request m;
  m.link_id = r.u64();
  m.serveid = r.u16();
  m.link_secret = r.bytes<32>();
  return m;
}
template <>
link_failed get(reader& r) {
  link_failed m;
  m.link_id = r.u64();
  m.reason = r.str();
  return m;
}
template <>
link_result get(reader& r) {
  link_result m;
  m.ok = get_bool(r);
  m.reason = r.str();
  return m;
}

template <>
serve_query get(reader& r) {
  return serve_query{r.u32()};
}
template <>
serve_query_result get(reader& r) {
  serve_query_result m;
  m.request_id = r.u32();
  m.list = get<serve_list>(r);
  return m;
}
template <>
vnet_query get(reader& r) {
  return vnet_query{r.u32()};
}
template <>
vnet_query_result get(reader& r) {
  vnet_query_result m;
  m.request_id = r.u32();
  auto n = get_count(r, max_vnets_listed, errc::too_many_vnets);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    listed_vnet v;
    v.vnetid = r.u32();
    v.name = r.str();
    v.links = r.u32();
    m.vnets.push_back(std::move(v));
  }
  return m;
}
template <>
vnet_rename get(reader& r) {
  return vnet_rename{r.str()};
}
template <>
unserve_request get(reader& r) {
  unserve_request m;
  m.request_id = r.u32();
  m.vnetid = r.u32();
  m.ip = r.str();
  m.port = r.u16();
  return m;
}
template <>
unserve_result get(reader& r) {
  unserve_result m;
  m.request_id = r.u32();
  m.ok = get_bool(r);
  m.serveid = r.u16();
  m.reason = r.str();
  return m;
}

template <>
ticket_request get(reader& r) {
  return ticket_request{r.u16()};
}
template <>
tickets get(reader& r) {
  tickets m;
  auto n = get_count(r, max_tickets_per_request, errc::too_many_tickets);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    ticket t;
    t.id = r.u64();
    t.secret = r.bytes<32>();
    m.granted.push_back(t);
  }
  return m;
}
template <>
link_key_update get(reader& r) {
  return link_key_update{get_key(r)};
}

template <typename T>
message decode_as(std::span<const std::uint8_t> payload, boost::system::error_code& ec) {
  reader r(payload);
  T m = get<T>(r);
  bool other_version = false;
  if constexpr (std::is_same_v<T, control_hello> || std::is_same_v<T, link_open> ||
                std::is_same_v<T, link_join>) {
    other_version = r.ok() && m.version != version;
  }
  if (r.ok() && !other_version && !r.at_end()) r.fail(errc::trailing_bytes);
  ec = r.error();
  // Another version's hello is reported as a mismatch, not judged by our limits.
  if (!ec && !other_version) {
    message out = std::move(m);
    ec = check_limits(out);
    return out;
  }
  return m;
}

bool known_type(std::uint16_t t) {
  switch (static_cast<type>(t)) {
    case type::control_hello: case type::link_open: case type::link_join:
    case type::welcome: case type::error: case type::ping: case type::pong:
    case type::serve_register: case type::serve_result: case type::serve_unregister:
    case type::serve_list: case type::link_request: case type::link_failed:
    case type::link_result: case type::serve_query: case type::serve_query_result:
    case type::vnet_query: case type::vnet_query_result: case type::vnet_rename:
    case type::unserve_request: case type::unserve_result: case type::serve_list_update:
    case type::ticket_request: case type::tickets: case type::link_key_update:
      return true;
  }
  return false;
}

}  // namespace

const char* name_of(type t) {
  switch (t) {
    case type::control_hello: return "control_hello";
    case type::link_open: return "link_open";
    case type::link_join: return "link_join";
    case type::welcome: return "welcome";
    case type::error: return "error";
    case type::ping: return "ping";
    case type::pong: return "pong";
    case type::serve_register: return "serve_register";
    case type::serve_result: return "serve_result";
    case type::serve_unregister: return "serve_unregister";
    case type::serve_list: return "serve_list";
    case type::link_request: return "link_request";
    case type::link_failed: return "link_failed";
    case type::link_result: return "link_result";
    case type::serve_query: return "serve_query";
    case type::serve_query_result: return "serve_query_result";
    case type::vnet_query: return "vnet_query";
    case type::vnet_query_result: return "vnet_query_result";
    case type::vnet_rename: return "vnet_rename";
    case type::unserve_request: return "unserve_request";
    case type::unserve_result: return "unserve_result";
    case type::serve_list_update: return "serve_list_update";
    case type::ticket_request: return "ticket_request";
    case type::tickets: return "tickets";
    case type::link_key_update: return "link_key_update";
  }
  return "unknown";
}

bool is_opening(std::uint16_t t) {
  return t == static_cast<std::uint16_t>(type::control_hello) ||
         t == static_cast<std::uint16_t>(type::link_open) ||
         t == static_cast<std::uint16_t>(type::link_join);
}

header parse_header(std::span<const std::uint8_t, header_size> bytes, std::uint32_t max_length,
                    boost::system::error_code& ec) {
  reader r(bytes);
  header h;
  h.length = r.u32();
  h.type = r.u16();
  ec = {};
  if (h.length > max_length)
    ec = errc::oversized;
  else if (!known_type(h.type))
    ec = errc::unknown_type;
  return h;
}

message decode_payload(std::uint16_t t, std::span<const std::uint8_t> p,
                       boost::system::error_code& ec) {
  switch (static_cast<type>(t)) {
    case type::control_hello: return decode_as<control_hello>(p, ec);
    case type::link_open: return decode_as<link_open>(p, ec);
    case type::link_join: return decode_as<link_join>(p, ec);
    case type::welcome: return decode_as<welcome>(p, ec);
    case type::error: return decode_as<error>(p, ec);
    case type::ping: return decode_as<ping>(p, ec);
    case type::pong: return decode_as<pong>(p, ec);
    case type::serve_register: return decode_as<serve_register>(p, ec);
    case type::serve_result: return decode_as<serve_result>(p, ec);
    case type::serve_unregister: return decode_as<serve_unregister>(p, ec);
    case type::serve_list: return decode_as<serve_list>(p, ec);
    case type::link_request: return decode_as<link_request>(p, ec);
    case type::link_failed: return decode_as<link_failed>(p, ec);
    case type::link_result: return decode_as<link_result>(p, ec);
    case type::serve_query: return decode_as<serve_query>(p, ec);
    case type::serve_query_result: return decode_as<serve_query_result>(p, ec);
    case type::vnet_query: return decode_as<vnet_query>(p, ec);
    case type::vnet_query_result: return decode_as<vnet_query_result>(p, ec);
    case type::vnet_rename: return decode_as<vnet_rename>(p, ec);
    case type::unserve_request: return decode_as<unserve_request>(p, ec);
    case type::unserve_result: return decode_as<unserve_result>(p, ec);
    case type::serve_list_update: return decode_as<serve_list_update>(p, ec);
    case type::ticket_request: return decode_as<ticket_request>(p, ec);
    case type::tickets: return decode_as<tickets>(p, ec);
    case type::link_key_update: return decode_as<link_key_update>(p, ec);
  }
  ec = errc::unknown_type;
  return error{};
}

std::optional<message> try_decode(std::span<const std::uint8_t> in, std::size_t& consumed,
                                  boost::system::error_code& ec, std::uint32_t max_length) {
  consumed = 0;
  ec = {};
  if (in.size() < header_size) return std::nullopt;
  header h = parse_header(in.first<header_size>(), max_length, ec);
  if (ec) return std::nullopt;
  if (in.size() - header_size < h.length) return std::nullopt;
  message m = decode_payload(h.type, in.subspan(header_size, h.length), ec);
  if (ec) return std::nullopt;
  consumed = header_size + h.length;
  return m;
}

}  // namespace protocol
