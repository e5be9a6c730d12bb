#include "net/tls/tls.hpp"

#include <array>
#include <cstring>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace net::tls {
namespace {

constexpr char admission_label[] = "EXPORTER-vnet-admission";
constexpr std::size_t proof_size = 32;

std::optional<std::array<std::uint8_t, proof_size>> proof_bytes(const std::string& token, SSL* ssl) {
  auto got = exported(ssl, admission_label);
  if (!got) return std::nullopt;
  std::array<std::uint8_t, 32>& ekm = *got;
  std::array<std::uint8_t, proof_size> mac{};
  unsigned len = 0;
  if (!HMAC(EVP_sha256(), token.data(), static_cast<int>(token.size()), ekm.data(), ekm.size(),
            mac.data(), &len) ||
      len != mac.size())
    return std::nullopt;
  OPENSSL_cleanse(ekm.data(), ekm.size());
  return mac;
}

}  // namespace

std::optional<std::array<std::uint8_t, 32>> exported(SSL* ssl, const char* label) {
  std::array<std::uint8_t, 32> ekm{};
  if (SSL_export_keying_material(ssl, ekm.data(), ekm.size(), label, std::strlen(label), nullptr, 0, 0) != 1)
    return std::nullopt;
  return ekm;
}

ssl::context make_tls_context(ssl::context::method method) {
  ssl::context ctx(method);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
  SSL_CTX_set_num_tickets(ctx.native_handle(), 0);
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_OFF);
  // An idle session gives its record buffers back (about 34 KiB): a route
  // holds thousands of sessions that say little.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  // ChaCha20-Poly1305 first, chosen by the route: its two record contexts
  // hold about 1 KiB less per session than AES-GCM's key schedules and
  // tables, and a control session carries a few bytes a minute.
  SSL_CTX_set_ciphersuites(ctx.native_handle(), control_ciphersuites);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  return ctx;
}

std::string base64(std::span<const std::uint8_t> bytes, bool url) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  if (url)
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

outcome::result<std::string> key_fingerprint(EVP_PKEY* key) {
  if (!key) return outcome::fail("no key");
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return outcome::fail("cannot encode the key: " + openssl_error());
  std::array<std::uint8_t, 32> digest{};
  SHA256(der, static_cast<std::size_t>(len), digest.data());
  OPENSSL_free(der);
  return "SHA256:" + base64(digest);
}

outcome::result<std::string> cert_fingerprint(X509* cert) {
  if (!cert) return outcome::fail("no certificate");
  return key_fingerprint(X509_get0_pubkey(cert));
}

outcome::result<std::string> peer_fingerprint(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  auto fp = cert_fingerprint(cert);
  X509_free(cert);
  return fp;
}

std::string admission_proof(const std::string& token, SSL* ssl) {
  if (token.empty()) return {};
  auto mac = proof_bytes(token, ssl);
  if (!mac) return {};
  return std::string(mac->begin(), mac->end());
}

bool admission_ok(const std::string& token, const std::string& auth, SSL* ssl) {
  auto mac = proof_bytes(token, ssl);
  if (!mac || auth.size() != mac->size()) return false;
  return CRYPTO_memcmp(mac->data(), auth.data(), mac->size()) == 0;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace net::tls
