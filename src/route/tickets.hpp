#pragma once
// One-time link tickets. The route hands each vnet tickets over its TLS
// session; a link opens with a ticket id and a proof made with its secret,
// so a link opening sniffed on the path is worthless: the ticket is spent
// (take() erases it) and the secret never crossed the wire in plaintext.
// A vnet holds at most max_unused_tickets at a time, and its tickets die
// with its session, or protocol::ticket_lifetime after their grant when
// unspent (a spent ticket the route never read must not count against the
// vnet for ever). Pure bookkeeping, no I/O.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/messages.hpp"
#include "protocol/ticket_lifetime.hpp"

namespace route {

// A vnet asks for 16 when it holds fewer than 8 (design note): 64 leave room
// for bursts while bounding what one session can make the route remember.
inline constexpr std::size_t max_unused_tickets = 64;

class ticket_book {
 public:
  struct redeemed {
    std::uint32_t vnetid = 0;  // whose session the ticket was granted to
    protocol::key32 secret{};
  };

  using clock = std::chrono::steady_clock;
  // `lifetime`: how long an unspent ticket stays good after its grant; only
  // an in-process test gives a shorter one (tests/e2e/ticket_lifetime_test.cpp).
  explicit ticket_book(clock::duration lifetime = protocol::ticket_lifetime) : lifetime_(lifetime) {}

  // New tickets for `vnetid`: `count`, or fewer so that it holds at most
  // max_unused_tickets unused ones; its tickets granted ticket_lifetime ago
  // or more are forgotten first. Ids and secrets are random
  // (crypto/random.hpp), ids never 0, never in use.
  std::vector<protocol::ticket> grant(std::uint32_t vnetid, std::size_t count, clock::time_point now = clock::now());
  // Spends the ticket, whatever happens next (a bad proof spends it too: a
  // guesser gets one try per ticket id, and ids are 64 random bits). A
  // ticket granted `lifetime` ago or more is forgotten, not taken, even if
  // no grant to its vnet has swept it out yet.
  std::optional<redeemed> take(std::uint64_t id, clock::time_point now = clock::now());
  // The vnet's session ended: its tickets are no good any more.
  void forget(std::uint32_t vnetid);

  std::size_t unused(std::uint32_t vnetid) const;
  // Tickets granted to `vnetid`'s session so far (for tests: more than
  // max_unused_tickets to a vnet that spent few means the rest were forgotten).
  std::uint64_t granted(std::uint32_t vnetid) const;
  std::size_t size() const { return tickets_.size(); }

 private:
  struct entry {
    std::uint32_t vnetid;
    protocol::key32 secret;
    clock::time_point granted;
  };
  // Forgets the tickets of `mine` (one vnet's) granted lifetime_ ago.
  void expire(std::unordered_set<std::uint64_t>& mine, clock::time_point now);
  clock::duration lifetime_;
  std::unordered_map<std::uint64_t, entry> tickets_;
  std::unordered_map<std::uint32_t, std::unordered_set<std::uint64_t>> by_vnet_;
  std::unordered_map<std::uint32_t, std::uint64_t> granted_;  // by vnet, while its session lasts
};

}  // namespace route
