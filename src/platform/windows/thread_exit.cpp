#include "platform/thread_exit.hpp"

#include <pthread.h>

#include <utility>
#include <vector>

namespace platform {
namespace {

using exit_calls = std::vector<std::pair<void (*)(void*), void*>>;

// A key's destructor gets the value itself, not a thread_local's storage
// (which emulated TLS may already have freed).
void run(void* p) {
  auto* calls = static_cast<exit_calls*>(p);
  for (auto it = calls->rbegin(); it != calls->rend(); ++it) it->first(it->second);
  delete calls;
}

pthread_key_t key() {
  static const pthread_key_t k = [] {
    pthread_key_t made{};
    pthread_key_create(&made, run);
    return made;
  }();
  return k;
}

}  // namespace

void at_thread_exit(void (*fn)(void*), void* arg) {
  auto* calls = static_cast<exit_calls*>(pthread_getspecific(key()));
  if (!calls) {
    calls = new exit_calls;
    pthread_setspecific(key(), calls);
  }
  calls->emplace_back(fn, arg);
}

}  // namespace platform
