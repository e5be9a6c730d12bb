// The start of a control session with the route, apart from its running
// (client.cpp): the TLS handshake and the check of the route's key
// (route_trust.hpp), then this vnet's hello and the route's welcome.
#include "vnet/session/client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/group_proof.hpp"
#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/time.hpp"
#include "text/printable.hpp"
#include "vnet/route_trust.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

using namespace boost::asio::experimental::awaitable_operators;

namespace vnet {

// What answered the hello when it was not a welcome: the address is wrong
// (an echo service, a web server, ...) rather than the route lost.
static std::string not_a_route(const config::endpoint& route, const std::string& why) {
  return fmt::format("{} answered, but not as a vnet route ({})", net::host_port(route.ip, route.port), why);
}

net::awaitable<outcome::status> client::start_tls(net::tls::tls_stream& s, const config::endpoint& route) {
  const auto where = net::host_port(route.ip, route.port);
  SSL* ssl = s.native_handle();
  net::error_code aec;
  net::asio::ip::make_address(route.ip, aec);
  if (aec) {
    // A name: sent as SNI, and what a CA-signed certificate must name.
    SSL_set_tlsext_host_name(ssl, route.ip.c_str());
    SSL_set1_host(ssl, route.ip.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), route.ip.c_str());
  }
  net::asio::steady_timer timer(ex_, ctx_.dial_timeout());
  auto hs = co_await (s.async_handshake(net::tls::ssl::stream_base::client, net::use_nothrow) ||
                      timer.async_wait(net::use_nothrow));
  if (hs.index() == 1)
    co_return outcome::fail(fmt::format("the route at {} did not finish the TLS handshake within {} ms", where,
                                        net::to_ms(ctx_.dial_timeout()).count()));
  net::error_code ec = std::get<0>(std::get<0>(hs));
  if (ec == net::tls::ssl::error::stream_truncated || ec == net::asio::error::eof ||
      ec == net::asio::error::connection_reset)
    co_return outcome::fail(fmt::format("the route at {} closed the connection during the TLS handshake (a "
                                        "route closes an address for 60 s after 5 failed admissions, and "
                                        "new connections while it starts too many handshakes at once)",
                                        where));
  // What speaks no TLS is mostly another program on that port (a web
  // server, an echo service); a route of protocol 3 or before is the rare case.
  if (ec.category() == net::asio::error::get_ssl_category())
    co_return outcome::fail(not_a_route(
        route, fmt::format("no TLS: another program, or a route of protocol 3 or before; {}", ec.message())));
  if (ec) co_return outcome::fail(fmt::format("TLS handshake with route {} failed: {}", where, ec.message()));
  auto fp = net::tls::peer_fingerprint(ssl);
  if (!fp) {
    refused_ = true;
    co_return outcome::fail(fmt::format("route {} presented no key we can check ({})", where, fp.why()));
  }
  const bool ca_verified = SSL_get_verify_result(ssl) == X509_V_OK;
  auto trusted = check_route_key(cfg_, *fp, ca_verified);
  refused_ = !trusted;  // run() logs it, as an error
  co_return trusted;
}

net::awaitable<outcome::result<protocol::welcome>> client::greet(net::tls::tls_stream& s) {
  const auto route = cfg_.route;
  // The route sees the wire group (with a group_key, an opaque id), never
  // the key; the link key is signed with the group's mac key, and a keyed
  // group is joined by signing this session (crypto/group_proof.hpp).
  auto auth = net::tls::admission_proof(cfg_.token, s.native_handle());
  protocol::group_proof proof;
  if (group_.keyed) {
    auto exported = net::tls::exported(s.native_handle(), crypto::group_exporter_label);
    if (!exported) co_return outcome::fail("TLS: could not export keying material for the group proof");
    proof = crypto::prove_group(group_, *exported);
  }
  auto hello = protocol::encode(protocol::control_hello{protocol::version, cfg_.name,
                                                        group_.wire_group, auth,
                                                        link_keys_->current(), proof});
  auto hello_ec = co_await net::frame::write_frame(s, std::move(hello));
  if (hello_ec) co_return outcome::fail(not_a_route(route, "hello failed: " + hello_ec.message()));
  // A route welcomes at once; dial_timeout bounds the wait for a silent peer.
  const auto welcome_timeout = ctx_.dial_timeout();
  net::frame::frame_result answer = co_await net::frame::read_frame(s, protocol::max_payload, welcome_timeout);
  const auto& ec = answer.ec;
  const auto& msg = answer.msg;
  if (ec == net::asio::error::timed_out)
    co_return outcome::fail(
        not_a_route(route, fmt::format("no welcome within {} ms", net::to_ms(welcome_timeout).count())));
  if (ec == net::asio::error::eof || ec == net::tls::ssl::error::stream_truncated)
    co_return outcome::fail(not_a_route(route, "it closed the connection without a welcome"));
  if (ec) co_return outcome::fail(not_a_route(route, "its reply is not a vnet frame: " + ec.message()));
  if (auto* e = std::get_if<protocol::error>(&msg)) {
    // run() logs it at error level (a wrong token is not a network hiccup),
    // once per streak of the same refusal: the vnet retries every few seconds.
    refused_ = true;
    // Code 0 is the admission refusal (a wrong or missing token): trying
    // again soon cannot help, and renews a ban on a shared address.
    token_refused_ = e->code == 0;
    co_return outcome::fail("the route refused this vnet: " + text::printable(e->message));
  }
  auto* w = std::get_if<protocol::welcome>(&msg);
  if (!w)
    co_return outcome::fail(not_a_route(
        route, fmt::format("its reply is a {}, not a welcome", protocol::name_of(protocol::type_of(msg)))));
  welcomed_ = true;
  co_return *w;
}

}  // namespace vnet
