// Encoding: messages to frames, by walking each message's field list
// (messages.hpp). Decoding walks the same lists in codec.cpp.
#include <algorithm>
#include <string>
#include <type_traits>
#include <variant>

#include "protocol/codec.hpp"
#include "protocol/wire.hpp"

namespace protocol {
namespace {

class encoder {
 public:
  explicit encoder(writer& w) : w_(w) {}

  template <class T>
  void operator()(const T& v) {
    if constexpr (std::is_same_v<T, bool>)
      w_.u8(v ? 1 : 0);
    else if constexpr (std::is_same_v<T, std::uint8_t>)
      w_.u8(v);
    else if constexpr (std::is_same_v<T, std::uint16_t>)
      w_.u16(v);
    else if constexpr (std::is_same_v<T, std::uint32_t>)
      w_.u32(v);
    else if constexpr (std::is_same_v<T, std::uint64_t>)
      w_.u64(v);
    else if constexpr (field::is_byte_array<T>)
      w_.bytes(v);
    else {
      static_assert(field::has_fields<T>, "a string or a list needs its limit");
      T::fields(*this, v);
    }
  }
  // Limits are the receiver's to check (check_limits): the encoder writes
  // what it is given, so a test can build a message over them.
  void operator()(const std::string& s, const auto& /*limit*/) { w_.str(s); }
  void operator()(const std::string& s, const auto& limit, field::trailing_t) {
    if (!s.empty()) (*this)(s, limit);
  }
  template <class T>
  void operator()(const std::vector<T>& list, field::at_most /*limit*/) {
    w_.u32(static_cast<std::uint32_t>(list.size()));
    for (const auto& e : list) (*this)(e);
  }
  template <field::plain_number T>
  void operator()(const std::vector<T>& list, field::at_most limit, field::at_most /*each*/) {
    (*this)(list, limit);
  }
  template <field::plain_number T>
  void operator()(const T& v, field::at_most /*limit*/) {
    (*this)(v);
  }
  void operator()(std::uint16_t v, field::opening) {
    w_.raw(std::string_view(magic, 4));
    w_.u16(v);
  }

 private:
  writer& w_;
};

}  // namespace

type type_of(const message& m) {
  return std::visit([](const auto& v) { return std::decay_t<decltype(v)>::tag; }, m);
}

std::vector<std::uint8_t> encode(const message& m) {
  std::vector<std::uint8_t> out(header_size, 0);
  writer w(out);
  encoder e(w);
  std::visit([&e](const auto& v) { e(v); }, m);
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
