#pragma once
// Per-thread caches freed when their thread ends (the link buffers' spare
// list, the AEAD contexts). Not a thread_local object with a destructor:
// MinGW's GCC 12 (emulated TLS) frees such an object's storage before it
// runs the destructor, which then reads freed memory and crashes the
// process when the thread ends (the e2e tests' io threads under Wine).
namespace platform {

// Calls fn(arg) when the calling thread ends, the last registered first.
void at_thread_exit(void (*fn)(void*), void* arg);

// The calling thread's own T, made at its first use and deleted when the
// thread ends. Each T is a separate cache: call it with a type of its own.
template <class T>
T& thread_owned() {
  thread_local T* mine = nullptr;
  if (!mine) {
    mine = new T;
    at_thread_exit([](void* p) { delete static_cast<T*>(p); }, mine);
  }
  return *mine;
}

}  // namespace platform
