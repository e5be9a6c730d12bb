#pragma once
// The unserve requests the route passes between vnets, and the rate at which
// each vnet may make them ([route] max_unserves_per_minute). Pure: the server
// sends the messages. Every request counts, whatever its fate (a target that
// answers "connection refused" is still a probe), so one vnet cannot scan
// ports through another. A requester's outstanding requests are forgotten a
// minute after they were made (its terminal gave up long before), so they
// never number more than its rate allows, even against a target that never
// answers. Parallel sessions must not multiply the rate: requests are also
// counted per group (the vnets that can be asked are the group's) and per
// network of the requesters' addresses (/24, /64), each against
// [route] max_group_unserves_per_minute; and all three windows outlive the
// sessions that filled them (a new session, with a reused vnetid or none,
// starts from what its group and network spent).
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outcome/result.hpp"
#include "route/limit.hpp"

namespace route {

class unserve_book {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr auto window = std::chrono::seconds(60);

  struct request {
    std::uint32_t requester = 0;   // vnetid that asked
    std::uint32_t request_id = 0;  // its id for the request
    std::uint32_t target = 0;      // vnetid asked to unserve
    bool operator==(const request&) const = default;
  };

  // Counts a request of `requester` made at `now` when it may go on; else
  // the refusal of max_unserves_per_minute, naming the key (it made
  // `per_minute` in the last minute already; refused ones are not counted, so
  // waiting a minute always helps).
  outcome::status admit(std::uint32_t requester, unsigned per_minute, clock::time_point now);
  // Who asks, for the shared windows: its group (the wire group) and the
  // network its session comes from (route::address_prefix).
  struct asker {
    std::uint32_t vnetid = 0;
    std::string group;
    std::string network;
  };
  // The same, counted for the vnet (`per_vnet`), its group and its network
  // (`per_group` each); nothing is counted when one of them refuses, and the
  // refusal names the limit that did.
  outcome::result<void, limit_refusal> admit(const asker& who, unsigned per_vnet, unsigned per_group,
                                             clock::time_point now);
  // An admitted request passed on to its target; returns the route's id for it.
  std::uint32_t add(const request& r, clock::time_point now);
  // The target's answer to the route's id `id`: the request, if it is still
  // waited for and `target` is the vnet that was asked.
  std::optional<request> answer(std::uint32_t id, std::uint32_t target);
  // A vnet left: returns the requests it owed as a target (to be answered as
  // failed) and forgets those it made. Its rate window stays until it
  // expires: a vnet that reconnects (and gets its vnetid back) has not gained
  // a fresh minute.
  std::vector<request> drop_vnet(std::uint32_t vnetid);

  std::size_t waiting(std::uint32_t requester) const;  // passed on, not answered
  std::size_t size() const { return outstanding_.size(); }

 private:
  struct requester_state {
    std::deque<clock::time_point> made;  // admitted in the last minute
    // Outstanding route ids with when they were made, oldest first.
    std::deque<std::pair<std::uint32_t, clock::time_point>> waiting;
  };
  void expire(requester_state& r, clock::time_point now);
  using times = std::deque<clock::time_point>;
  // A shared window with its requests of the last minute dropped; the
  // books are swept when they grow (many networks asking once each).
  static times& window_of(std::map<std::string, times>& book, const std::string& key, clock::time_point now);

  std::map<std::uint32_t, requester_state> requesters_;
  std::map<std::string, times> groups_, networks_;  // admitted in the last minute
  std::map<std::uint32_t, request> outstanding_;  // by the route's id
  std::uint32_t next_id_ = 1;
};

}  // namespace route
