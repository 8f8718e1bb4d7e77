#include "core/crypto.h"

// The low-level MD5 calls are deprecated in OpenSSL 3 but much cheaper per short input; see md5().
// Defined before any OpenSSL header so their declarations carry no warning.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>

#include <cstdlib>
#include <memory>

namespace kwb {

namespace {
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// EVP_Digest(EVP_sha256()) creates a context and looks the algorithm up in OpenSSL 3's provider
// tables on every call, which cost more than hashing a short input (SigV4 hashes a few short
// strings per request, the producer one partition key per record). So: the algorithm is fetched
// once per process and the context reused per thread.
std::string digest(const EVP_MD* md, std::string_view data) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // These only fail on allocation failure; there is nothing sensible to return then.
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &length) != 1) {
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), length);
}
}  // namespace

std::string sha256(std::string_view data) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return digest(kSha256, data);
}

#ifndef OPENSSL_NO_DEPRECATED_3_0
std::string md5(std::string_view data) {
  // Once per record routed by partition key. The low-level MD5_* calls go straight to the digest
  // code; even with a cached context the EVP path costs about twice as much per short key.
  MD5_CTX ctx;
  MD5_Init(&ctx);
  MD5_Update(&ctx, data.data(), data.size());
  unsigned char out[MD5_DIGEST_LENGTH];
  MD5_Final(out, &ctx);
  return std::string(reinterpret_cast<char*>(out), MD5_DIGEST_LENGTH);
}
#else  // an OpenSSL built without the deprecated API
std::string md5(std::string_view data) {
  static EVP_MD* const kMd5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return digest(kMd5, data);
}
#endif

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &length) == nullptr) {
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), length);
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kwb
