#pragma once
// Loading the configuration at start-up, the same way for both daemons.
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "config/config.hpp"

namespace cli {

// Loads the configuration with `load`. On error logs every problem of the
// file (config::error::problems), one per line, and returns nullopt
// (the caller exits 1, before touching the network); otherwise logs the
// warnings and returns the configuration. With `check_only`
// (--check-config) unknown keys and sections are errors too: a typo is
// reported by the check, not found later as a silently ignored setting.
template <typename Config>
std::optional<Config> load_config(const std::string& path, Config (*load)(const std::string&),
                                  bool check_only) {
  try {
    Config cfg = load(path);
    for (const auto& w : cfg.warnings) spdlog::warn("{}", w);
    if (check_only && cfg.unknown > 0) {
      spdlog::error("{}: not valid: {} unknown key(s) or section(s), listed above", path,
                    cfg.unknown);
      return std::nullopt;
    }
    return cfg;
  } catch (const config::error& e) {
    // Every problem of the file in one run: the warnings found meanwhile
    // (unknown keys, errors to --check-config), then each problem.
    for (const auto& w : e.warnings()) spdlog::warn("{}", w);
    for (const auto& p : e.problems()) spdlog::error("{}", p);
    const std::size_t unknown = check_only ? e.unknown() : 0;
    if (e.problems().size() > 1 || unknown > 0)
      spdlog::error("{}: not valid: {} problem(s){}, listed above", path, e.problems().size(),
                    unknown > 0 ? " and " + std::to_string(unknown) + " unknown key(s) or section(s)" : "");
    return std::nullopt;
  }
}

}  // namespace cli
