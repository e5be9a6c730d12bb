#pragma once
// Big-endian field encoding for frame payloads. The reader never reads past
// the span it was given and records the first error instead of throwing.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

namespace protocol {

class writer {
 public:
  explicit writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v);
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void str(std::string_view s);  // u16 length + bytes; longer strings are cut
  void raw(std::string_view s);
  template <std::size_t N>
  void bytes(const std::array<std::uint8_t, N>& a) {
    out_.insert(out_.end(), a.begin(), a.end());
  }

 private:
  std::vector<std::uint8_t>& out_;
};

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> in) : in_(in) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  std::string str();
  bool raw_equals(std::string_view expected);
  template <std::size_t N>
  std::array<std::uint8_t, N> bytes() {
    std::array<std::uint8_t, N> a{};
    if (!take(N)) return a;
    for (std::size_t i = 0; i < N; ++i) a[i] = in_[pos_ + i];
    pos_ += N;
    return a;
  }

  bool ok() const { return !ec_; }
  bool at_end() const { return pos_ == in_.size(); }
  boost::system::error_code error() const { return ec_; }
  void fail(boost::system::error_code ec) {
    if (!ec_) ec_ = ec;
  }

 private:
  bool take(std::size_t n);
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  boost::system::error_code ec_;
};

}  // namespace protocol
