#pragma once
// What the route shows of a serve. A keyed group's serves come sealed
// (crypto/serve_seal.hpp): the route has only their serveid and an opaque
// blob, and its log, ctl and status page say "sealed" where a name or an
// address would be.
#include <string>

#include "protocol/messages.hpp"
#include "text/printable.hpp"

namespace route {

inline bool is_sealed(const protocol::serve_info& s) { return !s.sealed.empty(); }

// " 'web'" (escaped) to follow "serve" in a log line, or "" for a sealed serve.
inline std::string quoted_name(const protocol::serve_info& s) {
  return is_sealed(s) ? std::string() : " '" + text::printable(s.name) + "'";
}

// Whether a serve's form fits its group: sealed in a keyed group, plain in
// a group without a key; the refusal's words otherwise ("" when it fits).
inline std::string sealing_mismatch(bool keyed_group, const protocol::serve_info& s) {
  if (keyed_group && !is_sealed(s))
    return "in a group with a group_key a serve's name, address and info travel sealed, and this one came in "
           "plain";
  if (!keyed_group && is_sealed(s)) return "a group without a group_key has no key to open a sealed serve with";
  return {};
}

}  // namespace route
