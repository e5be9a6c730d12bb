#include "platform/memory.hpp"

#include <malloc.h>

namespace platform {

void trim_heap() { ::_heapmin(); }

}  // namespace platform
