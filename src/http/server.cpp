#include "http/server.hpp"

#include <list>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/listen.hpp"
#include "net/socket_set.hpp"
#include "net/spawn.hpp"

namespace http {
namespace beast = boost::beast;
namespace bh = boost::beast::http;

bool same_secret(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() != expected.size();
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (given.empty() ? 0 : given[i % given.size()]));
  return diff == 0;
}

namespace {

// "token=abc&x=1" -> "abc" (no percent-decoding: tokens are printable ASCII
// without spaces, and `route --gen-token` makes URL-safe ones).
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=')
      return pair.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

response plain(int status, std::string body) {
  return response{status, "text/plain; charset=utf-8", std::move(body) + "\n", {}};
}

// The Host header's host: "[::1]:9749" -> "::1", "127.0.0.1:80" -> "127.0.0.1".
std::string_view host_of(std::string_view host) {
  if (host.starts_with('[')) {
    auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(1, end - 1);
  }
  auto colon = host.find(':');
  if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos)
    return host.substr(0, colon);
  return host;
}

// Without a token, only an address or "localhost" is a Host this listener
// answers to. A page on another site can point its own name at 127.0.0.1
// (DNS rebinding) and read the answer as same-origin; its requests then say
// that name, never an address. With a token the name does not matter: the
// page cannot send what it does not know.
bool acceptable_host(std::string_view host) {
  host = host_of(host);
  if (host == "localhost") return true;
  net::error_code ec;
  (void)net::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

}  // namespace

struct server::state {
  state(net::asio::any_io_executor ex, options o, handler h)
      : ex(ex), opts(std::move(o)), on_get(std::move(h)), acceptor(ex) {}
  net::asio::any_io_executor ex;
  options opts;
  handler on_get;
  net::tcp::acceptor acceptor;
  net::socket_set connections;  // closed by stop()
  std::size_t active = 0;       // counted from accept, before the coroutine runs
  std::size_t crowded_streak = 0;

  // One connection's place under max_connections.
  struct slot {
    bool counted = true;  // false once evicted: its slot went to a newer one
    bool reading = true;  // still in `readers`
  };
  // The connections still reading their request, oldest first. When every
  // slot is taken, a new connection closes the oldest of them (the oldest of
  // its own address once that address holds half the slots), so that silent
  // or dribbling clients can never keep a scraper out: it sends its request
  // at once and is answered long before it is the oldest.
  struct reader {
    net::tcp::socket* socket;
    net::asio::ip::address peer;
    std::shared_ptr<slot> place;
  };
  std::list<reader> readers;

  // Frees a slot for a new connection from `peer`; false when no connection
  // is still reading (all are being answered: the new one waits its turn at
  // the client's retry).
  bool evict_for(const net::asio::ip::address& peer) {
    std::size_t same = 0;
    for (const auto& r : readers) same += r.peer == peer;
    auto victim = readers.begin();
    if (same * 2 >= opts.max_connections)
      while (victim != readers.end() && victim->peer != peer) ++victim;
    if (victim == readers.end()) return false;
    victim->place->counted = false;
    victim->place->reading = false;
    --active;
    net::error_code ignored;
    victim->socket->close(ignored);  // its read ends with operation_aborted
    readers.erase(victim);
    return true;
  }

  response answer(const bh::request<bh::empty_body>& req) const {
    if (req.method() != bh::verb::get && req.method() != bh::verb::head)
      return plain(405, "only GET");
    std::string_view target(req.target().data(), req.target().size());
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    if (opts.token.empty()) {
      auto host = req.find(bh::field::host);
      if (host != req.end() && !acceptable_host(std::string_view(host->value().data(), host->value().size())))
        return plain(403, "this listener answers to its address (http://IP:PORT/), not to a name: a name "
                          "needs status_token");
    } else {
      std::string_view given;
      auto auth = req.find(bh::field::authorization);
      constexpr std::string_view bearer = "Bearer ";
      if (auth != req.end() && auth->value().starts_with(bearer))
        given = std::string_view(auth->value().data(), auth->value().size()).substr(bearer.size());
      else if (auto t = query_value(query, "token"))
        given = *t;
      if (!same_secret(given, opts.token)) return plain(401, "a token is required: Authorization: Bearer TOKEN or ?token=TOKEN");
    }
    if (auto r = on_get(path)) return std::move(*r);
    return plain(404, "not found");
  }

  // Static, holding the state: a connection may outlive the server object.
  static net::awaitable<void> serve(std::shared_ptr<state> self, net::tcp::socket s) {
    net::error_code no_peer;
    const auto peer = s.remote_endpoint(no_peer).address();
    auto place = std::make_shared<slot>();
    beast::tcp_stream stream(std::move(s));
    auto me = self->readers.insert(self->readers.end(), reader{&stream.socket(), peer, place});
    struct counted {
      state& st;
      std::shared_ptr<slot> place;
      std::list<reader>::iterator me;
      void read_done() {
        if (place->reading) st.readers.erase(me);
        place->reading = false;
      }
      ~counted() {
        read_done();
        if (place->counted) --st.active;
      }
    } count{*self, place, me};
    net::socket_set::guard guard(self->connections, stream.socket());
    const options& opts = self->opts;
    beast::flat_buffer buffer(opts.max_request_bytes);
    bh::request_parser<bh::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opts.max_request_bytes));
    parser.body_limit(0);
    // One deadline for the whole request: a client dribbling a byte a
    // second is cut off like a silent one.
    stream.expires_after(opts.request_timeout);
    auto [rec, n] = co_await bh::async_read(stream, buffer, parser, net::use_nothrow);
    (void)n;
    count.read_done();
    if (!place->counted) co_return;  // evicted for a newer connection
    response r;
    if (rec == beast::error::timeout || rec == bh::error::end_of_stream ||
        rec == net::asio::error::operation_aborted || rec == net::asio::error::connection_reset)
      co_return;  // nobody to answer
    if (rec) {
      r = plain(rec == bh::error::header_limit || rec == bh::error::buffer_overflow ? 431 : 400,
                "bad request: " + rec.message());
      spdlog::debug("{}: bad request: {}", opts.name, rec.message());
    } else {
      r = self->answer(parser.get());
    }
    bh::response<bh::string_body> res{static_cast<bh::status>(r.status), 11};
    res.set(bh::field::server, "vnet");
    res.set(bh::field::content_type, r.content_type);
    res.set(bh::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy", r.content_security_policy.empty()
                                           ? "default-src 'none'; frame-ancestors 'none'"
                                           : r.content_security_policy);
    if (r.status == 405) res.set(bh::field::allow, "GET, HEAD");
    if (r.status == 401) res.set(bh::field::www_authenticate, "Bearer");
    res.keep_alive(false);
    bool head = !rec && parser.get().method() == bh::verb::head;
    res.body() = std::move(r.body);
    res.prepare_payload();
    if (head) res.body().clear();
    stream.expires_after(opts.request_timeout);
    bh::serializer<false, bh::string_body> sr(res);
    if (head) sr.split(true);
    if (head) {
      auto [wec, w] = co_await bh::async_write_header(stream, sr, net::use_nothrow);
      (void)wec, (void)w;
    } else {
      auto [wec, w] = co_await bh::async_write(stream, sr, net::use_nothrow);
      (void)wec, (void)w;
    }
    net::error_code ignored;
    stream.socket().shutdown(net::tcp::socket::shutdown_send, ignored);
  }
};

server::server(net::asio::any_io_executor ex, options o, handler h)
    : state_(std::make_shared<state>(ex, std::move(o), std::move(h))) {}

server::~server() { stop(); }

net::error_code server::open() {
  return net::listen(state_->acceptor, state_->opts.listen.ip, state_->opts.listen.port);
}

net::tcp::endpoint server::local_endpoint() const {
  net::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

net::awaitable<void> server::run() {
  auto st = state_;
  spdlog::info("{} listening on http://{}/{}", st->opts.name, net::to_string(local_endpoint()),
               st->opts.token.empty() ? "" : " (token required)");
  std::function<void(net::tcp::socket)> on_accept = [st](net::tcp::socket s) {
    if (st->active >= st->opts.max_connections) {
      // Full: the oldest connection still reading its request makes room
      // (state::evict_for), or, when all are being answered, the new one is
      // closed at once. Either way a few slow clients cannot queue up the
      // others' descriptors and memory behind them.
      net::error_code no_peer;
      const bool room = st->evict_for(s.remote_endpoint(no_peer).address());
      if (st->crowded_streak++ == 0)
        spdlog::warn("{}: {} HTTP connections at once, the most allowed: {}", st->opts.name,
                     st->opts.max_connections,
                     room ? "closing the oldest that has not sent its request" : "closing new ones");
      if (!room) return;
    } else {
      st->crowded_streak = 0;
    }
    ++st->active;
    net::asio::co_spawn(st->ex, state::serve(st, std::move(s)), net::log_exception{"http connection"});
  };
  co_await net::accept_loop(st->acceptor, st->opts.name, std::move(on_accept));
}

void server::stop() {
  net::error_code ignored;
  state_->acceptor.close(ignored);
  state_->connections.close_all();
}

bool start_listener(std::optional<server>& web, net::asio::any_io_executor ex, options o, handler h,
                    const char* key) {
  if (o.listen.ip.empty()) return true;
  const auto where = net::host_port(o.listen.ip, o.listen.port);
  web.emplace(ex, std::move(o), std::move(h));
  if (auto ec = web->open()) {
    spdlog::error("cannot listen on {} ({}): {}", where, key, ec.message());
    return false;
  }
  net::asio::co_spawn(ex, web->run(), net::log_exception{key});  // `key`: a literal, it outlives the loop
  return true;
}

}  // namespace http
