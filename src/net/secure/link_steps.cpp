#include "net/secure/link_steps.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <span>

namespace net::secure {
namespace {

// At most this many pieces go to one sendmsg; more records' plaintexts are
// moved behind the last piece (small records: interactive traffic).
inline constexpr std::size_t max_pieces = 16;
using pieces = std::array<asio::const_buffer, max_pieces>;

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Writes the pieces at once; copies what the socket did not take to `rest`.
error_code write_now(tcp::socket& to, const pieces& out, std::size_t count, held_bytes& rest) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += out[i].size();
  error_code ec;
  std::size_t sent = to.write_some(std::span<const asio::const_buffer>(out.data(), count), ec);
  if (would_block(ec)) {
    ec = {};
    sent = 0;
  }
  if (ec || sent == total) return ec;
  auto* at = rest.allocate(total - sent);
  for (std::size_t i = 0; i < count; ++i) {
    auto n = out[i].size();
    if (sent >= n) {
      sent -= n;
      continue;
    }
    auto* p = static_cast<const std::uint8_t*>(out[i].data()) + sent;
    at = std::copy(p, p + (n - sent), at);
    sent = 0;
  }
  return {};
}

}  // namespace

step seal_step(tcp::socket& from, tcp::socket& to, crypto::record_sealer& sealer, held_bytes& rest) {
  constexpr std::size_t slot = crypto::record_prefix + crypto::max_ciphertext;
  constexpr std::size_t slots = pooled_buffer_size / slot;
  constexpr std::size_t head = crypto::record_prefix + crypto::record_flag;
  pooled_buffer buf;
  std::array<asio::mutable_buffer, slots> in;
  for (std::size_t k = 0; k < slots; ++k) in[k] = asio::buffer(buf.data() + k * slot + head, crypto::max_record);
  step s;
  std::size_t n = from.read_some(in, s.read);
  if (would_block(s.read)) {
    s.again = true;
    return s;
  }
  // Full slots are contiguous records (a full record is exactly one slot,
  // padded or not); only the last may be shorter, padded inside its slot.
  std::size_t bytes = 0;
  for (std::size_t k = 0, left = n; left > 0; ++k) {
    auto len = std::min(left, crypto::max_record);
    bytes += sealer.seal_in_place(std::span<std::uint8_t>(buf.data() + k * slot, slot), len, false);
    left -= len;
  }
  if (s.read == asio::error::eof) bytes = sealer.seal_in_place(std::span<std::uint8_t>(buf.data(), slot), 0, true);
  if (bytes == 0) return s;
  pieces out;
  out[0] = asio::buffer(buf.data(), bytes);
  s.write = write_now(to, out, 1, rest);
  s.plain = n;
  return s;
}

step open_step(tcp::socket& from, tcp::socket& to, crypto::record_opener& opener, held_bytes& partial,
               held_bytes& rest) {
  pooled_buffer buf;
  std::size_t have = partial.size();
  std::copy(partial.data(), partial.data() + have, buf.data());
  step s;
  std::size_t n = from.read_some(asio::buffer(buf.data() + have, buf.size() - have), s.read);
  if (would_block(s.read)) {
    s.again = true;
    return s;
  }
  partial.clear();
  have += n;
  std::size_t at = 0;
  pieces out;
  std::size_t count = 0;
  while (!s.final && have - at >= crypto::record_prefix) {
    std::span<const std::uint8_t, crypto::record_prefix> prefix(buf.data() + at, crypto::record_prefix);
    auto len = crypto::record_opener::record_length(prefix);
    if (len == 0) {
      s.failure = "a record's length is out of bounds";
      return s;
    }
    if (have - at < crypto::record_prefix + len) break;
    std::span<std::uint8_t> ct(buf.data() + at + crypto::record_prefix, len);
    auto r = opener.open_in_place(prefix, ct);
    if (r.kind == crypto::record_opener::result::bad) {
      s.failure = "a record failed authentication";
      return s;
    }
    s.final = r.kind == crypto::record_opener::result::final;
    at += crypto::record_prefix + len;
    auto* p = r.plain.data();
    auto plen = r.plain.size();
    if (plen == 0) continue;
    s.plain += plen;
    if (count < max_pieces) {
      out[count++] = asio::buffer(p, plen);
    } else {  // many small records: their plaintexts follow the last piece
      auto& last = out[max_pieces - 1];
      auto* end = static_cast<std::uint8_t*>(const_cast<void*>(last.data())) + last.size();
      std::memmove(end, p, plen);
      last = asio::buffer(last.data(), last.size() + plen);
    }
  }
  if (!s.final) partial.allocate_from(buf.data() + at, have - at);
  if (count > 0) s.write = write_now(to, out, count, rest);
  return s;
}

}  // namespace net::secure
