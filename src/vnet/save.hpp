#pragma once
// `save [FILE]`: the serves and uses as they are now, written back to a
// configuration file. The file is edited, not regenerated: every line that
// does not need to change stays as it was, comments included; a changed key
// is rewritten on its own line, a missing one added at the end of its
// section, a section of a deleted entry removed, a new entry appended.
// A UTF-8 byte order mark and CRLF line ends stay, new lines included.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace vnet {

// The new text of a file whose text is `old_text` (empty: a new file) so that
// it holds exactly `now.serves` and `now.uses`. [route] and [vnet] are kept
// as they are; a file without them gets them from `now`. Throws
// config::error when a value cannot be written (a ` ;` in info would read
// back as a comment).
std::string rewrite_config(const std::string& old_text, const config::vnet_config& now);

// Writes rewrite_config() of `path` atomically, keeping the previous file as
// `path.bak`. A `path` that does not exist yet starts from the text of
// `based_on` (the file loaded last, if any: "save as" keeps its comments and
// settings). Checks that the result loads back to the same serves and uses
// before replacing anything. Returns a one-line summary for the user.
std::string save_config(const std::string& path, const config::vnet_config& now,
                        const std::string& based_on = {});

}  // namespace vnet
