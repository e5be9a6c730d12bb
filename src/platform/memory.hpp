#pragma once
// Giving freed heap memory back to the system after a burst (malloc_trim on
// glibc; nothing to do where the allocator has no such call).
namespace platform {

void trim_heap();

}  // namespace platform
