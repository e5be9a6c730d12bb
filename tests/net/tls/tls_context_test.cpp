// What an idle control session keeps (docs/performance.md, "Memory"): the
// TLS context releases OpenSSL's record buffers between records, and the
// route's preference (ChaCha20-Poly1305, the smallest record contexts)
// decides the cipher suite even when the vnet prefers AES-GCM.
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/tls/tls.hpp"

namespace {

using ssl_ptr = std::unique_ptr<SSL, decltype(&SSL_free)>;

// A throwaway Ed25519 key and self-signed certificate for the server side.
void give_identity(SSL_CTX* ctx) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
                                                           &EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  ASSERT_TRUE(cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("test route"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  ASSERT_GT(X509_sign(cert.get(), key.get(), nullptr), 0);
  ASSERT_EQ(SSL_CTX_use_certificate(ctx, cert.get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(ctx, key.get()), 1);
}

// Runs both ends' handshakes over a BIO pair until both are done.
bool shake_hands(SSL* client, SSL* server) {
  BIO* client_side = nullptr;
  BIO* server_side = nullptr;
  if (BIO_new_bio_pair(&client_side, 0, &server_side, 0) != 1) return false;
  SSL_set_bio(client, client_side, client_side);
  SSL_set_bio(server, server_side, server_side);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  for (int round = 0; round < 20; ++round) {
    const int c = SSL_do_handshake(client);
    const int s = SSL_do_handshake(server);
    if (c == 1 && s == 1) return true;
  }
  return false;
}

TEST(TlsContext, BothEndsReleaseRecordBuffersWhileIdle) {
  for (auto method : {net::tls::ssl::context::tls_client, net::tls::ssl::context::tls_server}) {
    auto ctx = net::tls::make_tls_context(method);
    EXPECT_TRUE(SSL_CTX_get_mode(ctx.native_handle()) & SSL_MODE_RELEASE_BUFFERS);
    ssl_ptr ssl(SSL_new(ctx.native_handle()), &SSL_free);
    ASSERT_TRUE(ssl);
    EXPECT_TRUE(SSL_get_mode(ssl.get()) & SSL_MODE_RELEASE_BUFFERS);
  }
}

TEST(TlsContext, TheRoutesChaChaPreferenceWinsOverAVnetPreferringAes) {
  auto server_ctx = net::tls::make_tls_context(net::tls::ssl::context::tls_server);
  give_identity(server_ctx.native_handle());
  auto client_ctx = net::tls::make_tls_context(net::tls::ssl::context::tls_client);
  // A vnet of another build, or OpenSSL's own order on a CPU with AES.
  ASSERT_EQ(SSL_CTX_set_ciphersuites(client_ctx.native_handle(),
                                     "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"),
            1);
  ssl_ptr client(SSL_new(client_ctx.native_handle()), &SSL_free);
  ssl_ptr server(SSL_new(server_ctx.native_handle()), &SSL_free);
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(shake_hands(client.get(), server.get()));
  EXPECT_EQ(std::string(SSL_CIPHER_get_name(SSL_get_current_cipher(server.get()))), "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(SSL_version(server.get()), TLS1_3_VERSION);
}

}  // namespace
