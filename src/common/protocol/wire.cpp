#include "protocol/wire.hpp"

#include <algorithm>
#include <limits>

#include "protocol/error.hpp"

namespace protocol {

void writer::u8(std::uint8_t v) { out_.push_back(v); }
void writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}
void writer::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  u16(static_cast<std::uint16_t>(v));
}
void writer::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  u32(static_cast<std::uint32_t>(v));
}
void writer::str(std::string_view s) {
  auto n = std::min<std::size_t>(s.size(), std::numeric_limits<std::uint16_t>::max());
  u16(static_cast<std::uint16_t>(n));
  raw(s.substr(0, n));
}
void writer::raw(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }

bool reader::take(std::size_t n) {
  if (ec_) return false;
  if (in_.size() - pos_ < n) {
    ec_ = errc::truncated;
    return false;
  }
  return true;
}

std::uint8_t reader::u8() {
  if (!take(1)) return 0;
  return in_[pos_++];
}
std::uint16_t reader::u16() {
  if (!take(2)) return 0;
  std::uint16_t v = static_cast<std::uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
  pos_ += 2;
  return v;
}
std::uint32_t reader::u32() {
  std::uint32_t hi = u16();
  std::uint32_t lo = u16();
  return (hi << 16) | lo;
}
std::uint64_t reader::u64() {
  std::uint64_t hi = u32();
  std::uint64_t lo = u32();
  return (hi << 32) | lo;
}
std::string reader::str() {
  std::size_t n = u16();
  if (!take(n)) return {};
  std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
  return s;
}
bool reader::raw_equals(std::string_view expected) {
  if (!take(expected.size())) return false;
  bool same = std::equal(expected.begin(), expected.end(), in_.begin() + pos_,
                         [](char c, std::uint8_t b) { return static_cast<std::uint8_t>(c) == b; });
  pos_ += expected.size();
  return same;
}

}  // namespace protocol
