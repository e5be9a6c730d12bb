#pragma once
// The byte work of an encrypted link's directions (net/secure/secure_relay.cpp),
// one step per readiness: the directions are callbacks that only wait, and
// every step that touches bytes is a plain function whose locals live on the
// stack while it runs. A step borrows this thread's pooled buffer
// (net/secure/link_buffers.hpp), reads, seals or opens in place, writes at once
// (non-blocking) and gives the buffer back: what the peer did not take is
// left in `rest` (exactly the unsent bytes) for the direction to write once
// the peer drains. Both sockets must be in non-blocking mode.
#include <cstddef>

#include "crypto/link_cipher.hpp"
#include "net/asio.hpp"
#include "net/secure/link_buffers.hpp"

namespace net::secure {

struct step {
  error_code read;        // eof, or an I/O error of the read
  error_code write;       // an I/O error of the write
  std::size_t plain = 0;  // plaintext bytes moved
  bool again = false;     // nothing was read (a spurious wake-up): wait again
  bool final = false;     // open: the FINAL record came
  const char* failure = nullptr;  // open: a bad record
};

// plain -> records: reads straight into the records' places in the pooled
// buffer (readv, room left for prefix, flag and tag) and seals in place. EOF
// (read_some reports it alone, with no bytes) becomes a FINAL record.
step seal_step(tcp::socket& from, tcp::socket& to, crypto::record_sealer& sealer, held_bytes& rest);

// records -> plain: every complete record in the buffer is opened in place
// before any plaintext is written. A record whose rest has not come stays in
// `partial` (only its own bytes). After FINAL nothing more is read.
step open_step(tcp::socket& from, tcp::socket& to, crypto::record_opener& opener, held_bytes& partial,
               held_bytes& rest);

}  // namespace net::secure
