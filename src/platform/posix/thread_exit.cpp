#include "platform/thread_exit.hpp"

#include <utility>
#include <vector>

namespace platform {
namespace {

// glibc runs a thread_local's destructor while its storage is still there.
struct exit_calls {
  std::vector<std::pair<void (*)(void*), void*>> calls;
  ~exit_calls() {
    for (auto it = calls.rbegin(); it != calls.rend(); ++it) it->first(it->second);
  }
};

}  // namespace

void at_thread_exit(void (*fn)(void*), void* arg) {
  thread_local exit_calls mine;
  mine.calls.emplace_back(fn, arg);
}

}  // namespace platform
