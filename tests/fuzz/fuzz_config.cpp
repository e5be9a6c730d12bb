// libFuzzer entry point; the work is in targets.hpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::config_text(data, size);
  return 0;
}
