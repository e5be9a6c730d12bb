#include "platform/memory.hpp"

#include <malloc.h>

namespace platform {

void trim_heap() { ::malloc_trim(0); }

}  // namespace platform
