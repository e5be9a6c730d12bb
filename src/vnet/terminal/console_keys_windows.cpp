#include "vnet/terminal/console_keys_windows.hpp"

namespace vnet {

std::optional<key_press> editor_key(const KEY_EVENT_RECORD& k, wchar_t& high_surrogate) {
  switch (k.wVirtualKeyCode) {
    case VK_LEFT: return key_press{edit_key::left};
    case VK_RIGHT: return key_press{edit_key::right};
    case VK_HOME: return key_press{edit_key::home};
    case VK_END: return key_press{edit_key::end};
    case VK_UP: return key_press{edit_key::up};
    case VK_DOWN: return key_press{edit_key::down};
    case VK_DELETE: return key_press{edit_key::del};
    case VK_BACK: return key_press{edit_key::backspace};
    case VK_TAB: return key_press{edit_key::tab};
    case VK_RETURN: return key_press{edit_key::enter};
    default: break;
  }
  const wchar_t c = k.uChar.UnicodeChar;
  if (c >= 0xd800 && c <= 0xdbff) {
    high_surrogate = c;
    return std::nullopt;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const char32_t cp = 0x10000 + ((static_cast<char32_t>(high_surrogate) - 0xd800) << 10) + (c - 0xdc00);
    high_surrogate = 0;
    return key_press{edit_key::text, cp};
  }
  if (c == 0x04 || c == 0x1a) return key_press{edit_key::end_of_input};  // Ctrl-D, Ctrl-Z
  if (c == '\r' || c == '\n') return key_press{edit_key::enter};
  if (c == '\t') return key_press{edit_key::tab};
  if (c == 0x08 || c == 0x7f) return key_press{edit_key::backspace};
  if (c == 0) return std::nullopt;  // Shift, Ctrl, function keys
  return key_press{edit_key::text, c};
}

}  // namespace vnet
