#pragma once
// line_input's log sink, shared by the readline (line_input.cpp) and the
// Windows console (line_input_windows.cpp) editors: every log line is
// printed above the prompt. Delegates to the original sink (format,
// colours), with the prompt and typed text hidden meanwhile.
#include <spdlog/sinks/sink.h>

#include "vnet/terminal/line_input.hpp"

namespace vnet {

class line_input::above_prompt_sink : public spdlog::sinks::sink {
 public:
  above_prompt_sink(std::shared_ptr<spdlog::sinks::sink> inner, line_input* owner)
      : inner_(std::move(inner)), owner_(owner) {
    set_level(inner_->level());
  }
  void log(const spdlog::details::log_msg& msg) override {
    bool hidden = owner_->hide_prompt();
    inner_->log(msg);
    inner_->flush();
    if (hidden) owner_->show_prompt();
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override { inner_->set_formatter(std::move(f)); }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
  line_input* owner_;
};

}  // namespace vnet
