#include "protocol/limits.hpp"

// Field checks after a payload is parsed: one rule per kind of field.

#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "protocol/error.hpp"
#include "text/printable.hpp"

namespace protocol {
namespace {

// First failure wins, so the error names the first bad field.
class checker {
 public:
  void length(std::string_view s, std::size_t max, errc e) {
    if (!ec_ && s.size() > max) ec_ = e;
  }
  // Names, groups, info, ip and type end up in logs, tables and dial calls:
  // they must be bounded and clean text.
  void text(std::string_view s, std::size_t max, errc too_long, errc not_text) {
    length(s, max, too_long);
    if (!ec_ && !text::is_clean_text(s)) ec_ = not_text;
  }
  void count(std::size_t n, std::size_t max, errc e) {
    if (!ec_ && n > max) ec_ = e;
  }
  void serve(const serve_info& s) {
    text(s.name, max_name_bytes, errc::name_too_long, errc::name_not_text);
    text(s.type, max_type_bytes, errc::type_too_long, errc::type_not_text);
    text(s.ip, max_ip_bytes, errc::ip_too_long, errc::ip_not_text);
    text(s.info, max_info_bytes, errc::info_too_long, errc::info_not_text);
  }
  void listed(const std::vector<listed_serve>& serves) {
    count(serves.size(), max_serves_listed, errc::too_many_serves);
    for (const auto& s : serves) {
      serve(s.serve);
      text(s.vnet_name, max_name_bytes, errc::name_too_long, errc::name_not_text);
    }
  }
  boost::system::error_code result() const {
    return ec_ ? make_error_code(*ec_) : boost::system::error_code{};
  }

 private:
  std::optional<errc> ec_;
};

}  // namespace

boost::system::error_code check_limits(const message& m) {
  checker c;
  std::visit(
      [&c](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, control_hello>) {
          c.text(v.name, max_name_bytes, errc::name_too_long, errc::name_not_text);
          c.text(v.group, max_group_bytes, errc::group_too_long, errc::group_not_text);
          c.length(v.auth, max_auth_bytes, errc::auth_too_long);
        } else if constexpr (std::is_same_v<T, error>) {
          c.length(v.message, max_reason_bytes, errc::reason_too_long);
        } else if constexpr (std::is_same_v<T, serve_register>) {
          c.serve(v.serve);
        } else if constexpr (std::is_same_v<T, serve_result> || std::is_same_v<T, link_failed> ||
                             std::is_same_v<T, link_result> ||
                             std::is_same_v<T, unserve_result>) {
          c.length(v.reason, max_reason_bytes, errc::reason_too_long);
        } else if constexpr (std::is_same_v<T, serve_list>) {
          c.listed(v.serves);
        } else if constexpr (std::is_same_v<T, serve_query_result>) {
          c.listed(v.list.serves);
        } else if constexpr (std::is_same_v<T, serve_list_update>) {
          c.count(v.removed.size(), max_serves_listed, errc::too_many_serves);
          c.listed(v.changed);
        } else if constexpr (std::is_same_v<T, vnet_query_result>) {
          c.count(v.vnets.size(), max_vnets_listed, errc::too_many_vnets);
          for (const auto& n : v.vnets)
            c.text(n.name, max_name_bytes, errc::name_too_long, errc::name_not_text);
        } else if constexpr (std::is_same_v<T, vnet_rename>) {
          c.text(v.name, max_name_bytes, errc::name_too_long, errc::name_not_text);
        } else if constexpr (std::is_same_v<T, ticket_request>) {
          c.count(v.count, max_tickets_per_request, errc::too_many_tickets);
        } else if constexpr (std::is_same_v<T, tickets>) {
          c.count(v.granted.size(), max_tickets_per_request, errc::too_many_tickets);
        } else if constexpr (std::is_same_v<T, unserve_request>) {
          c.text(v.ip, max_ip_bytes, errc::ip_too_long, errc::ip_not_text);
        }
      },
      m);
  return c.result();
}

}  // namespace protocol
