#include "log_capture.hpp"

#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace e2e {
namespace {

// Keeps the message text only (no time or level): tests match on words.
class recording_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines_since(std::size_t from) {
    std::lock_guard lock(lines_mutex_);
    if (from >= lines_.size()) return {};
    return {lines_.begin() + static_cast<std::ptrdiff_t>(from), lines_.end()};
  }
  std::size_t size() {
    std::lock_guard lock(lines_mutex_);
    return lines_.size();
  }

 protected:
  // Called with base_sink's mutex held; lines_ has its own for the readers.
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::lock_guard lock(lines_mutex_);
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
  std::mutex lines_mutex_;
};

const std::shared_ptr<recording_sink>& sink_ptr() {
  static const auto s = std::make_shared<recording_sink>();
  return s;
}
recording_sink& sink() { return *sink_ptr(); }

}  // namespace

log_capture::log_capture() {
  // Before any io thread runs: the logger's sink list is not thread-safe.
  spdlog::default_logger()->sinks().push_back(sink_ptr());
}

log_capture& log_capture::instance() {
  static log_capture c;
  return c;
}

std::size_t log_capture::mark() const { return sink().size(); }

bool log_capture::wait_for(const std::string& pattern, std::size_t from,
                           std::chrono::milliseconds timeout) const {
  const std::regex re(pattern);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const auto& line : sink().lines_since(from))
      if (std::regex_search(line, re)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval
  }
}

std::string log_capture::dump(std::size_t from) const {
  std::string out;
  for (const auto& line : sink().lines_since(from)) out += "  " + line + "\n";
  return out;
}

}  // namespace e2e
