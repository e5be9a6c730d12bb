#include "log/setup.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace logging {

bool is_log_level(const std::string& level) {
  // from_str answers "off" for any name it does not know.
  return spdlog::level::from_str(level) != spdlog::level::off || level == "off";
}

bool setup_logging(const std::string& level) {
  if (!is_log_level(level)) return false;
  auto logger = spdlog::stderr_color_mt("vnet");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);  // daemons are read live, by people and tests
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace logging
