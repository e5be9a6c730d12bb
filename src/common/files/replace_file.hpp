#pragma once
// Replacing a file so that a crash never leaves half of it: the text goes to
// a temporary file beside it, which is flushed to disk and renamed over the
// old one, and the folder is flushed so that the rename itself survives a
// power cut. A reader sees the old file or the new one, never a mix.
#include <string>
#include <string_view>

#include "outcome/result.hpp"

namespace files {

// Writes `text` to `path`, replacing it atomically. The new file gets
// `mode` (less the process's umask): the caller says who may read it, e.g.
// the replaced file's own mode, or owner-only (0600) where it holds a
// secret. The temporary file (`path`.PID.tmp, so that two processes sharing
// the file never write the same one) is removed when anything fails; the
// problem says what failed, naming the file.
outcome::status replace_file(const std::string& path, std::string_view text, unsigned mode);

}  // namespace files
