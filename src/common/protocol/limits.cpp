#include "protocol/limits.hpp"

// Field checks after a payload is parsed, by walking the message's field
// list (messages.hpp) with the limit each field names.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/error.hpp"
#include "text/printable.hpp"

namespace protocol {
namespace {

// First failure wins, so the error names the first bad field in wire order.
class checker {
 public:
  template <class T>
  void operator()(const T& v) {
    if constexpr (field::has_fields<T>) T::fields(*this, v);
  }
  // Plain or sealed, never both: a serve list's bound counts one of them.
  void operator()(const serve_info& s) {
    serve_info::fields(*this, s);
    if (!ec_ && !s.sealed.empty() && (!s.name.empty() || !s.ip.empty() || s.port != 0 || !s.info.empty()))
      ec_ = errc::sealed_and_plain;
  }
  void operator()(const std::string& s, field::at_most limit) { at_most(s.size(), limit); }
  void operator()(const std::string& s, const auto& limit, field::trailing_t) { (*this)(s, limit); }
  // Names, groups, info, ip and type end up in logs, tables and dial calls:
  // they must be bounded and clean text.
  void operator()(const std::string& s, field::text limit) {
    if (!ec_ && s.size() > limit.max) ec_ = limit.too_long;
    if (!ec_ && !text::is_clean_text(s)) ec_ = limit.not_text;
  }
  template <class T>
  void operator()(const std::vector<T>& list, field::at_most limit) {
    at_most(list.size(), limit);
    for (const auto& e : list) (*this)(e);
  }
  template <field::plain_number T>
  void operator()(const std::vector<T>& list, field::at_most limit, field::at_most each) {
    at_most(list.size(), limit);
    for (const auto& e : list) at_most(e, each);
  }
  template <field::plain_number T>
  void operator()(const T& v, field::at_most limit) {
    at_most(v, limit);
  }
  void operator()(std::uint16_t /*version*/, field::opening) {}

  boost::system::error_code result() const {
    return ec_ ? make_error_code(*ec_) : boost::system::error_code{};
  }

 private:
  void at_most(std::size_t n, field::at_most limit) {
    if (!ec_ && n > limit.max) ec_ = limit.too_big;
  }
  std::optional<errc> ec_;
};

}  // namespace

boost::system::error_code check_limits(const message& m) {
  checker c;
  std::visit([&c](const auto& v) { c(v); }, m);
  return c.result();
}

}  // namespace protocol
