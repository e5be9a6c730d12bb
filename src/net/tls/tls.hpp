#pragma once
// TLS of control sessions (OpenSSL, tls_stream.hpp) and the few
// OpenSSL pieces around it: key fingerprints, the admission proof, tokens.
// Links stay plain TCP (they are encrypted end to end inside).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "net/asio.hpp"
#include "outcome/result.hpp"
#include "net/tls/tls_stream.hpp"

namespace net::tls {

namespace ssl = asio::ssl;

// The first byte of a TLS handshake record: how the route tells a control
// session (TLS) from a link's plaintext opening frame.
inline constexpr std::uint8_t tls_handshake_byte = 0x16;

// The TLS 1.3 cipher suites of control sessions, the route's preference
// first (it decides): ChaCha20-Poly1305 holds the least per idle session.
inline constexpr char control_ciphersuites[] =
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";

// A context for either end: TLS 1.3 only, no session tickets (sessions are
// long-lived and never resumed, and tickets would be post-handshake bytes
// every raw test client has to skip); record buffers released while idle
// (SSL_MODE_RELEASE_BUFFERS).
ssl::context make_tls_context(ssl::context::method method);

// "SHA256:" and the unpadded base64 of the SHA-256 of the key's DER
// SubjectPublicKeyInfo, as ssh prints key fingerprints; a problem without a
// key (or certificate) or when the key cannot be encoded, never an empty
// fingerprint that could equal an empty "nothing remembered".
outcome::result<std::string> key_fingerprint(EVP_PKEY* key);
outcome::result<std::string> cert_fingerprint(X509* cert);
// The certificate the peer presented on `ssl` (client side: the route's).
outcome::result<std::string> peer_fingerprint(SSL* ssl);

// The admission proof a vnet sends in control_hello.auth: HMAC-SHA256 under
// the token of 32 bytes exported from this TLS session (label
// "EXPORTER-vnet-admission"). Bound to the session, so a proof seen or
// relayed elsewhere is worthless. Empty when the token is empty.
std::string admission_proof(const std::string& token, SSL* ssl);
// Route side: `auth` is the proof for `token` on this session (constant time).
bool admission_ok(const std::string& token, const std::string& auth, SSL* ssl);

// 32 bytes exported from this TLS session under `label` (RFC 8446 7.5):
// both ends get the same, and no other session does. Nullopt on failure.
std::optional<std::array<std::uint8_t, 32>> exported(SSL* ssl, const char* label);

// Unpadded base64 (url: the URL-safe alphabet).
std::string base64(std::span<const std::uint8_t> bytes, bool url = false);
// OpenSSL's most recent error, in words, and the queue cleared.
std::string openssl_error();

}  // namespace net::tls
