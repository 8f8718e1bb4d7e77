#pragma once
// Hashes and MACs on OpenSSL's EVP API. Returned digests are raw bytes; hex_encode them for text.

#include <string>
#include <string_view>

namespace kwb {

std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string md5(std::string_view data);  // Kinesis hash-key routing, not security
// Constant-time comparison for signatures and MACs.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace kwb
