#include "log/setup.hpp"

#include <cstdio>
#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "config/values.hpp"
#include "platform/files.hpp"

namespace logging {
namespace {

// `%*`: the syslog priority of the line as journald reads it ("<6>" for info),
// so that `journalctl -p warning` finds the warnings.
class journal_priority : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr const char* prio[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    auto i = static_cast<std::size_t>(msg.level);
    std::string_view p = prio[i < 7 ? i : 6];
    dest.append(p.data(), p.data() + p.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<journal_priority>();
  }
};

}  // namespace

bool is_log_level(const std::string& level) {
  // from_str answers "off" for any name it does not know.
  return spdlog::level::from_str(level) != spdlog::level::off || level == "off";
}

std::optional<std::uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t unit = 1;
  std::string digits = s;
  switch (s.back()) {
    case 'K': case 'k': unit = 1ull << 10; break;
    case 'M': case 'm': unit = 1ull << 20; break;
    case 'G': case 'g': unit = 1ull << 30; break;
    default: break;
  }
  if (unit != 1) digits.pop_back();
  auto v = config::parse_digits(digits);
  if (!v || *v > (1ull << 40) / unit || *v * unit < 1024) return std::nullopt;
  return *v * unit;
}

bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  const auto id = platform::stderr_identity();
  if (!js || !id) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == id->first && ino == id->second;
}

bool setup_logging(const log_options& o) {
  if (!is_log_level(o.level)) return false;
  std::shared_ptr<spdlog::logger> logger;
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (!o.file.empty()) {
    try {
      auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          o.file, static_cast<std::size_t>(o.file_size), o.file_count);
      logger = std::make_shared<spdlog::logger>("vnet", sink);
    } catch (const spdlog::spdlog_ex& e) {
      std::fprintf(stderr, "cannot write the log file %s: %s\n", o.file.c_str(), e.what());
      return false;
    }
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l %v");
  } else if (stderr_is_journal()) {
    logger = spdlog::stderr_logger_mt("vnet");
    formatter->add_flag<journal_priority>('*').set_pattern("%*%-5l %v");
  } else {
    logger = spdlog::stderr_color_mt("vnet");
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(o.level));
  logger->flush_on(spdlog::level::trace);  // daemons are read live, by people and tests
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace logging
