#pragma once
// Completion for co_spawn: an exception here is a bug; log it, never lose it.
// (Implemented in run.cpp, next to the main loop that uses it.)
#include <exception>

namespace net {

struct log_exception {
  const char* what;
  void operator()(std::exception_ptr e) const;
};

}  // namespace net
