#pragma once
// Who may read a file: a file holding a secret (a token, a group key) that
// other users can read gives the secret away, as ssh says of a key file
// whose mode is too open.
#include <optional>
#include <string>

namespace files {

// The file's permission bits (e.g. 0644) when its group or others may read
// it; nullopt when only its owner may (or it cannot be examined: the
// caller's read reports that).
std::optional<unsigned> readable_by_others(const std::string& path);

}  // namespace files
