#pragma once
// The Windows console's key events as line_editor's keys (Windows only,
// used by line_input_windows.cpp).
#include <windows.h>

#include <optional>

#include "vnet/terminal/line_editor.hpp"

namespace vnet {

// The editor's key for a console key, if it has one. A character outside
// the Basic Multilingual Plane comes as two events: the first (its high
// surrogate) is kept in `high_surrogate` and gives no key.
std::optional<key_press> editor_key(const KEY_EVENT_RECORD& k, wchar_t& high_surrogate);

}  // namespace vnet
