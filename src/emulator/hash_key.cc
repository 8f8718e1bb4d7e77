#include "emulator/hash_key.h"

// The low-level MD5 calls are deprecated in OpenSSL 3 but much cheaper per short key; see
// md5_hash_key. Defined before any OpenSSL header so their declarations carry no warning.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/md5.h>

#include <algorithm>
#include <memory>

namespace kwb::emulator {

std::optional<HashKey> parse_hash_key(std::string_view text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  HashKey value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<unsigned>(c - '0');
    // value * 10 + digit must not pass 2^128 - 1.
    if (value > (kMaxHashKey - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

void append_hash_key(std::string& out, HashKey key) {
  char buffer[40];
  int pos = 40;
  do {
    buffer[--pos] = static_cast<char>('0' + static_cast<int>(key % 10));
    key /= 10;
  } while (key != 0);
  out.append(buffer + pos, static_cast<std::size_t>(40 - pos));
}

std::string format_hash_key(HashKey key) {
  std::string out;
  append_hash_key(out, key);
  return out;
}

#ifndef OPENSSL_NO_DEPRECATED_3_0

HashKey md5_hash_key(std::string_view partition_key) {
  // MD5 runs once per record routed by partition key. OpenSSL's low-level MD5_* calls go straight
  // to the digest code; the EVP path costs about twice as much per key (provider dispatch, context
  // reset and cleansing), which was a fifth of the server's instructions per PutRecords record.
  // The calls are marked deprecated in OpenSSL 3 (suppressed above) but remain in its API.
  MD5_CTX ctx;
  MD5_Init(&ctx);
  MD5_Update(&ctx, partition_key.data(), partition_key.size());
  unsigned char digest[MD5_DIGEST_LENGTH];
  MD5_Final(digest, &ctx);
  HashKey key = 0;
  for (unsigned char byte : digest) key = (key << 8) | byte;
  return key;
}

#else  // an OpenSSL built without the deprecated API: the EVP interface

namespace {
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
}  // namespace

HashKey md5_hash_key(std::string_view partition_key) {
  // One context per thread: creating an EVP context per record costs more than the digest.
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  // Fetched once: OpenSSL 3 looks EVP_md5() up in its provider tables on every init.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex2(ctx.get(), md5, nullptr);
  EVP_DigestUpdate(ctx.get(), partition_key.data(), partition_key.size());
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  HashKey key = 0;
  for (unsigned i = 0; i < 16 && i < length; ++i) key = (key << 8) | digest[i];
  return key;
}

#endif

std::vector<HashRange> uniform_ranges(std::uint32_t n) {
  // 2^128 does not fit, so split it as q * n + r with q = 2^128 / n and r = 2^128 mod n.
  const HashKey r = (kMaxHashKey % n + 1) % n;
  const HashKey q = kMaxHashKey / n + (r == 0 && n > 1 ? 1 : 0);
  std::vector<HashRange> ranges(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    ranges[i].start = static_cast<HashKey>(i) * q + (static_cast<HashKey>(i) * r) / n;
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    ranges[i].end = (i + 1 < n) ? ranges[i + 1].start - 1 : kMaxHashKey;
  }
  return ranges;
}

}  // namespace kwb::emulator
