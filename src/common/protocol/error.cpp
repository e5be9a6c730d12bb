#include "protocol/error.hpp"

#include <string>

#include "protocol/limits.hpp"

namespace protocol {
namespace {

std::string too_long(const char* field, std::size_t limit, const char* constant) {
  return std::string(field) + " longer than " + std::to_string(limit) + " bytes (protocol::" +
         constant + ")";
}

std::string not_text(const char* field) {
  return std::string(field) + " holds control characters or is not UTF-8";
}

class category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "vnet.protocol"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::truncated: return "truncated frame";
      case errc::oversized: return "frame too large";
      case errc::unknown_type: return "unknown frame type";
      case errc::bad_magic: return "not a vnet peer (bad magic)";
      case errc::version_mismatch: return "protocol version mismatch";
      case errc::trailing_bytes: return "trailing bytes in frame";
      case errc::bad_value: return "field value out of range";
      case errc::unexpected_message: return "unexpected message";
      case errc::name_too_long: return too_long("name", max_name_bytes, "max_name_bytes");
      case errc::group_too_long: return too_long("group", max_group_bytes, "max_group_bytes");
      case errc::info_too_long: return too_long("info", max_info_bytes, "max_info_bytes");
      case errc::ip_too_long: return too_long("ip", max_ip_bytes, "max_ip_bytes");
      case errc::type_too_long: return too_long("type", max_type_bytes, "max_type_bytes");
      case errc::auth_too_long: return too_long("auth", max_auth_bytes, "max_auth_bytes");
      case errc::reason_too_long:
        return too_long("reason", max_reason_bytes, "max_reason_bytes");
      case errc::too_many_serves:
        return "serve list longer than " + std::to_string(max_serves_listed) +
               " entries (protocol::max_serves_listed)";
      case errc::too_many_vnets:
        return "vnet list longer than " + std::to_string(max_vnets_listed) +
               " entries (protocol::max_vnets_listed)";
      case errc::too_many_tickets:
        return "more than " + std::to_string(max_tickets_per_request) +
               " tickets (protocol::max_tickets_per_request)";
      case errc::serveid_too_big:
        return "serveid over " + std::to_string(max_serveid) + " (protocol::max_serveid)";
      case errc::name_not_text: return not_text("name");
      case errc::group_not_text: return not_text("group");
      case errc::info_not_text: return not_text("info");
      case errc::ip_not_text: return not_text("ip");
      case errc::type_not_text: return not_text("type");
      case errc::sealed_too_long: return too_long("sealed", max_sealed_bytes, "max_sealed_bytes");
      case errc::sealed_and_plain: return "a sealed serve names its name, ip, port or info in plain too";
    }
    return "unknown protocol error";
  }
};

}  // namespace

const boost::system::error_category& category() noexcept {
  static const category_impl instance;
  return instance;
}

bool is_limit_error(const boost::system::error_code& ec) noexcept {
  return &ec.category() == &category() && ec.value() >= static_cast<int>(errc::name_too_long) &&
         ec.value() <= static_cast<int>(errc::sealed_and_plain);
}

}  // namespace protocol
