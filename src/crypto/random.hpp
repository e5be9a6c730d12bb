#pragma once
// The one source of random bytes in both daemons: libsodium's
// randombytes_buf (getrandom(2) on Linux, the system's CSPRNG on Windows).
// Ticket ids and secrets, link secrets and key ids, nonces and the route's
// certificate serial all come from here. Checked: when libsodium cannot
// start (no entropy source), each function throws std::runtime_error and
// nothing is drawn; once started, randombytes_buf cannot fail.
#include <cstdint>
#include <span>

#include "protocol/types.hpp"

namespace crypto {

void random_bytes(std::span<std::uint8_t> out);
protocol::key32 random_key();
std::uint64_t random_u64();
std::uint32_t random_u32();

}  // namespace crypto
