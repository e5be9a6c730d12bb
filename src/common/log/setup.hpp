#pragma once
// Logging of both daemons: one line per event on stderr, so stdout stays
// free for the vnet terminal and for --check-config's summary.
#include <string>

namespace logging {

// Installs the stderr logger at the given level; false if the level is unknown.
bool setup_logging(const std::string& level);

// True for the names setup_logging accepts: trace, debug, info, warn, error, off.
bool is_log_level(const std::string& level);

}  // namespace logging
