#include "protocol/codec.hpp"

// Decoding: header checks, payload parsing by each message's field list
// (messages.hpp), the streaming form, and the lookups from a tag to a message.

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/wire.hpp"

namespace protocol {
namespace {

// Reads one message's fields in the order of its field list. Counts are
// checked as they are read (before a list is allocated); every other limit
// is check_limits' job once the whole payload has parsed.
class decoder {
 public:
  explicit decoder(reader& r) : r_(r) {}

  // An opening frame of another version: the rest of its payload may be laid
  // out differently, so decoding stopped after the version.
  bool other_version() const { return other_version_; }

  template <class T>
  void operator()(T& v) {
    if (stopped()) return;
    if constexpr (std::is_same_v<T, bool>) {
      auto b = r_.u8();
      if (b > 1) r_.fail(errc::bad_value);
      v = b == 1;
    } else if constexpr (std::is_same_v<T, std::uint8_t>) {
      v = r_.u8();
    } else if constexpr (std::is_same_v<T, std::uint16_t>) {
      v = r_.u16();
    } else if constexpr (std::is_same_v<T, std::uint32_t>) {
      v = r_.u32();
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      v = r_.u64();
    } else if constexpr (field::is_byte_array<T>) {
      v = r_.bytes<std::tuple_size_v<T>>();
    } else {
      static_assert(field::has_fields<T>, "a string or a list needs its limit");
      T::fields(*this, v);
    }
  }
  void operator()(std::string& s, const auto& /*limit*/) {
    if (!stopped()) s = r_.str();
  }
  void operator()(std::string& s, const auto& limit, field::trailing_t) {
    if (!stopped() && !r_.at_end()) (*this)(s, limit);
  }
  template <class T>
  void operator()(std::vector<T>& list, field::at_most limit) {
    if (stopped()) return;
    auto n = r_.u32();
    if (n > limit.max) return r_.fail(limit.too_big);
    for (std::uint32_t i = 0; i < n && r_.ok(); ++i) (*this)(list.emplace_back());
  }
  template <field::plain_number T>
  void operator()(std::vector<T>& list, field::at_most limit, field::at_most /*each*/) {
    (*this)(list, limit);
  }
  template <field::plain_number T>
  void operator()(T& v, field::at_most /*limit*/) {
    (*this)(v);
  }
  void operator()(std::uint16_t& v, field::opening) {
    if (stopped()) return;
    if (!r_.raw_equals(std::string_view(magic, 4))) return r_.fail(errc::bad_magic);
    v = r_.u16();
    other_version_ = r_.ok() && v != version;
  }

 private:
  bool stopped() const { return !r_.ok() || other_version_; }

  reader& r_;
  bool other_version_ = false;
};

template <class M>
message decode_as(std::span<const std::uint8_t> payload, boost::system::error_code& ec) {
  reader r(payload);
  decoder d(r);
  M m;
  d(m);
  if (r.ok() && !d.other_version() && !r.at_end()) r.fail(errc::trailing_bytes);
  ec = r.error();
  // Another version's hello is reported as a mismatch, not judged by our limits.
  if (!ec && !d.other_version()) {
    message out = std::move(m);
    ec = check_limits(out);
    return out;
  }
  return m;
}

// Calls f.template operator()<M>() for the message M whose tag is t, the one
// place that maps tags to messages; false when no message has that tag.
template <class F, std::size_t... I>
bool with_message(type t, F&& f, std::index_sequence<I...>) {
  auto one = [&]<class M>() {
    if (M::tag != t) return false;
    f.template operator()<M>();
    return true;
  };
  return (one.template operator()<std::variant_alternative_t<I, message>>() || ...);
}
template <class F>
bool with_message(std::uint16_t t, F&& f) {
  return with_message(static_cast<type>(t), f,
                      std::make_index_sequence<std::variant_size_v<message>>{});
}

template <std::size_t... I>
constexpr bool tags_are_distinct(std::index_sequence<I...>) {
  constexpr type tags[] = {std::variant_alternative_t<I, message>::tag...};
  for (std::size_t i = 0; i < sizeof...(I); ++i)
    for (std::size_t j = i + 1; j < sizeof...(I); ++j)
      if (tags[i] == tags[j]) return false;
  return true;
}
static_assert(tags_are_distinct(std::make_index_sequence<std::variant_size_v<message>>{}),
              "two messages share a type tag");

// Finds the opening version field in a field list without reading anything.
struct opening_probe {
  bool found = false;
  void operator()(auto&...) {}
  void operator()(std::uint16_t&, field::opening) { found = true; }
};

}  // namespace

const char* name_of(type t) {
  const char* name = "unknown";
  with_message(static_cast<std::uint16_t>(t), [&]<class M>() { name = M::type_name; });
  return name;
}

bool is_opening(std::uint16_t t) {
  opening_probe probe;
  with_message(t, [&]<class M>() {
    M m;
    M::fields(probe, m);
  });
  return probe.found;
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
  else if (!with_message(h.type, []<class M>() {}))
    ec = errc::unknown_type;
  return h;
}

message decode_payload(std::uint16_t t, std::span<const std::uint8_t> p,
                       boost::system::error_code& ec) {
  message out = error{};
  if (!with_message(t, [&]<class M>() { out = decode_as<M>(p, ec); })) ec = errc::unknown_type;
  return out;
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
