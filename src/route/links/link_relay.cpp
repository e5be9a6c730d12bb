// A paired link's relay. The serving vnet answers each link with one
// link_result, which the broker reads while the use side's first bytes
// already flow to it, and passes on to the use side; then the relay runs on
// by itself until both directions end.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/frame/frame_io.hpp"
#include "net/relay/relay.hpp"
#include "protocol/error.hpp"
#include "route/links/link_broker.hpp"

namespace route {
namespace {

// A link_result with the longest reason; nothing else may come first.
constexpr std::uint32_t max_result_payload = 1 + 2 + protocol::max_reason_bytes;

}  // namespace

// A paired link for its whole life: both sockets, and its one record in the
// link table (which closes them when a vnet leaves or the route stops, and
// holds its traffic, counted as the bytes move).
class link_broker::paired_link final : public net::relay::relayed_pair {
 public:
  paired_link(const net::asio::any_io_executor& ex, link_broker& broker, const link_ends& ends,
              const std::string& group, net::tcp::socket use, net::tcp::socket serve)
      : relayed_pair(ex),
        broker_(broker),
        ends_(ends),
        active_(broker.links_, ends.link_id, ends.use_vnet, ends.serve_vnet, ends.serveid, a, b,
                broker.stats_.traffic_of(group, ends.serveid)) {
    a = std::move(use);
    b = std::move(serve);
    meter = {&active_.traffic().a_to_b, &active_.traffic().b_to_a};
  }
  // Its bytes join the totals as its record leaves the table.
  ~paired_link() override { broker_.stats_.link_ended(active_.traffic()); }

  const link_ends& ends() const { return ends_; }
  bool answered = false;  // the serving vnet's link_result said yes and went to the use side

 private:
  void ended(const net::relay::relay_stats& st) override {
    if (!answered) return;  // read_answer logged why
    // Read when the link ends: a reload may have switched it.
    spdlog::log(broker_.cfg_.log_links ? spdlog::level::info : spdlog::level::debug,
                "link {} (vnet {:02} -> serveid {:03} on vnet {:02}) closed {}", ends_.link_id, ends_.use_vnet,
                ends_.serveid, ends_.serve_vnet, net::relay::link_summary(st, std::chrono::steady_clock::now() - started_));
  }

  link_broker& broker_;
  link_ends ends_;
  link_table::active_scope active_;  // from here the link table is the one owner that reaches both sockets
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

net::awaitable<void> link_broker::relay_link(net::tcp::socket use, net::tcp::socket serve, link_ends ends,
                                             std::chrono::steady_clock::time_point opened) {
  // Spawned: a vnet may have left, or the route begun to stop, before this
  // ran; the link table did not reach these sockets then.
  const auto* user = registry_.find_vnet(ends.use_vnet);
  if (stopping_ || !user || !sessions_.contains(ends.serve_vnet)) co_return;
  auto link = std::make_shared<paired_link>(ex_, *this, ends, user->group, std::move(use), std::move(serve));
  spdlog::debug("link {} paired by {}: vnet {:02} -> serveid {:03} on vnet {:02}", ends.link_id,
                ends.path, ends.use_vnet, ends.serveid, ends.serve_vnet);
  // Runs while start_relay holds the link, so a plain pointer is safe.
  paired_link* l = link.get();
  net::relay::relay_prelude answer = [this, l, opened] { return answer_use_side(*l, opened); };
  // Returns once the answer is passed on; the relay runs on by itself.
  co_await net::relay::start_relay(std::move(link), std::move(answer));
}

net::awaitable<bool> link_broker::answer_use_side(paired_link& link, std::chrono::steady_clock::time_point opened) {
  outcome::status answer = co_await read_answer(link.b, link.ends(), opened);
  link.answered = answer.ok();
  auto frame = protocol::encode(answer ? protocol::link_result{true, {}} : protocol::link_result{false, answer.why()});
  auto ec = co_await net::frame::write_frame(link.a, std::move(frame));
  co_return answer.ok() && !ec;
}

net::awaitable<outcome::status> link_broker::read_answer(net::tcp::socket& serve, const link_ends& ends,
                                                         std::chrono::steady_clock::time_point opened) {
  net::frame::frame_result r =
      co_await net::frame::read_frame(serve, max_result_payload, net::to_duration(cfg_.link_timeout));
  std::optional<link_failure> failure;
  std::string why;
  if (auto* got = r.ec ? nullptr : std::get_if<protocol::link_result>(&r.msg)) {
    if (!got->ok) {
      failure = link_failure::refused;
      why = got->reason.empty() ? "the serving vnet refused the link" : std::move(got->reason);
    }
  } else if (stopping_) {
    failure = link_failure::shutdown;
    why = "the route is shutting down";
  } else if (r.ec == net::asio::error::timed_out) {
    failure = link_failure::timeout;
    why = fmt::format("vnet {:02} did not answer within {} ms", ends.serve_vnet,
                      net::to_ms(cfg_.link_timeout).count());
  } else if (r.ec && r.ec.category() != protocol::category()) {
    failure = link_failure::closed;
    why = fmt::format("vnet {:02} closed the link before answering", ends.serve_vnet);
  } else {
    failure = link_failure::closed;
    why = fmt::format("vnet {:02} broke the protocol: {}", ends.serve_vnet,
                      r.ec ? r.ec.message()
                           : fmt::format("{} instead of link_result", protocol::name_of(protocol::type_of(r.msg))));
  }
  if (failure) {
    stats_.link_failed(*failure, ends.group);
    log_failed(ends, why);
    co_return outcome::fail(std::move(why));
  }
  stats_.link_opened(ends.path, ends.group);
  stats_.setup_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count());
  co_return outcome::status{};
}

}  // namespace route
