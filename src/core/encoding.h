#pragma once
// Byte encodings used on the wire: hex, base64, and RFC 3986 percent-encoding.
// Hand-written because each is a few lines and the packaged libraries (OpenSSL's BIO base64,
// curl_easy_escape) either need a handle or encode differently from what SigV4 requires.

#include <optional>
#include <string>
#include <string_view>

namespace kwb {

std::string hex_encode(std::string_view bytes);  // lower case
std::string base64_encode(std::string_view bytes);
// Appends the standard, padded base64 of `bytes` to `out` (one resize, no per-character growth).
void append_base64(std::string& out, std::string_view bytes);
// nullopt when the input is not valid (padded, standard alphabet) base64.
std::optional<std::string> base64_decode(std::string_view text);

// RFC 3986: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, every other byte becomes %XX (upper
// case hex). With keep_slash, '/' also stays (SigV4 canonical URIs).
std::string uri_encode(std::string_view text, bool keep_slash = false);
// Decodes %XX and, when plus_is_space, '+' as ' ' (application/x-www-form-urlencoded).
// nullopt on a malformed escape.
std::optional<std::string> uri_decode(std::string_view text, bool plus_is_space = false);

}  // namespace kwb
