#pragma once
// Logging of both daemons: one line per event, on stderr by default (stdout
// stays free for the vnet terminal and for --check-config's summary), or in a
// file that rotates by size (--log-file). Under systemd (stderr connected to
// the journal, $JOURNAL_STREAM) lines carry no timestamp of their own, since
// journald adds one, but a <N> priority prefix that journald files them by.
#include <cstdint>
#include <optional>
#include <string>

namespace logging {

struct log_options {
  std::string level = "info";
  std::string file;                          // empty: stderr
  std::uint64_t file_size = 10ull << 20;     // rotate when the file reaches this
  std::size_t file_count = 3;                // rotated files kept beside it
};

// Installs the logger; false if the level is unknown. A file that cannot be
// opened is reported on stderr and makes it return false too.
bool setup_logging(const log_options& o);
inline bool setup_logging(const std::string& level) {
  log_options o;
  o.level = level;
  return setup_logging(o);
}

// True for the names setup_logging accepts: trace, debug, info, warn, error, off.
bool is_log_level(const std::string& level);

// "10M", "512K", "4096": a size in bytes, K/M/G in powers of 1024; nullopt
// when it is not one or is below 1 KiB (rotation would thrash).
std::optional<std::uint64_t> parse_size(const std::string& s);

// True when stderr is the systemd journal's stream ($JOURNAL_STREAM names it).
bool stderr_is_journal();

}  // namespace logging
