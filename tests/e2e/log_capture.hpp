#pragma once
// What the route and the vnets log, recorded for tests: an spdlog sink on the
// default logger (the console sink stays), installed once per process.
// Tests assert that bad input "gets a log line" by waiting for it.
#include <chrono>
#include <cstddef>
#include <string>

namespace e2e {

class log_capture {
 public:
  // The process-wide capture, installed on first use.
  static log_capture& instance();

  // Number of lines recorded so far: a test's lines start there.
  std::size_t mark() const;
  // Polls until a line recorded at or after `from` matches `pattern`
  // (ECMAScript regex, searched anywhere in the line) or the timeout passes.
  bool wait_for(const std::string& pattern, std::size_t from, std::chrono::milliseconds timeout) const;
  // The lines since `from`, one per line, for failure messages.
  std::string dump(std::size_t from) const;

 private:
  log_capture();
};

}  // namespace e2e
