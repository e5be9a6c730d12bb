#pragma once
// What each fuzz target does with one input. Shared by the libFuzzer mains
// (fuzz_*.cpp, built with -DVNET_FUZZ=ON) and the corpus replay test that
// the normal build runs, so a corpus file that once crashed stays a test.
// A broken property aborts: libFuzzer reports that as a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "config/config.hpp"
#include "config/ini_file.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"

namespace fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// Decodes `in` as a stream of frames, as a connection reads them: first as
// an opening frame (small limit), then as control frames from the start.
// Every decoded message must pass the limits and survive a round trip.
inline void frames(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  std::size_t consumed = 0;
  boost::system::error_code ec;
  if (auto m = protocol::try_decode(in, consumed, ec, protocol::max_opening_payload)) {
    check(!ec && consumed >= protocol::header_size && consumed <= size);
  } else {
    check(consumed == 0);
  }
  while (!in.empty()) {
    auto m = protocol::try_decode(in, consumed, ec);
    if (!m) {
      check(consumed == 0);
      return;
    }
    check(!ec && consumed >= protocol::header_size && consumed <= in.size());
    check(!protocol::check_limits(*m));
    auto wire = protocol::encode(*m);
    std::size_t again = 0;
    auto back = protocol::try_decode(wire, again, ec);
    check(back && *back == *m && again == wire.size());
    in = in.subspan(consumed);
  }
}

// Parses `in` as a vnet config and as a route config, as the daemons do at
// start and on reload. A config::error is the expected answer to bad text.
inline void config_text(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)config::parse_ini(text, "fuzz.ini");
  } catch (const config::error&) {
  }
  try {
    (void)config::parse_vnet_config(text, "fuzz.ini");
  } catch (const config::error&) {
  }
  try {
    (void)config::parse_route_config(text, "fuzz.ini");
  } catch (const config::error&) {
  }
}

}  // namespace fuzz
