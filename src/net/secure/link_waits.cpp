#include "net/secure/link_waits.hpp"

#include <cstdlib>
#include <string_view>

namespace net::secure {

bool completion_writes() {
  static const bool chosen = [] {
    const char* v = std::getenv("VNET_TEST_LINK_WRITES");
    return v && std::string_view(v) == "completion";
  }();
  return chosen;
}

}  // namespace net::secure
