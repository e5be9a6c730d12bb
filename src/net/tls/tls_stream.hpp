#pragma once
// The stream of a control session: TLS over TCP. Declared here without
// OpenSSL's headers, so that code which only passes such a stream along
// (frame_io.hpp) does not pull them in; tls.hpp has the rest of TLS.
#include "net/asio.hpp"

namespace boost::asio::ssl {
template <typename Stream>
class stream;
}  // namespace boost::asio::ssl

namespace net::tls {

using tls_stream = asio::ssl::stream<tcp::socket>;

}  // namespace net::tls
