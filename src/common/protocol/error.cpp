#include "protocol/error.hpp"

#include <string>

namespace protocol {
namespace {

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
    }
    return "unknown protocol error";
  }
};

}  // namespace

const boost::system::error_category& category() noexcept {
  static const category_impl instance;
  return instance;
}

}  // namespace protocol
