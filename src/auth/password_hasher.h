#pragma once
// Password hashing with argon2id (libsodium's crypto_pwhash_str family).
//
// The stored string is the self-describing PHC form ("$argon2id$v=19$m=32768,t=3,p=1$salt$hash"),
// so verification needs no parameters and old hashes keep verifying after the defaults change;
// needs_rehash() tells the login path when to re-hash with the current parameters.
//
// Cost: the defaults (opslimit 3, memlimit 32 MiB) were measured on the 2-core build machine at
// about 85 ms per hash (best of 5; 2/32 MiB gave ~58 ms, 2/64 MiB ~134 ms, 3/64 MiB ~200 ms),
// inside the 50–100 ms the login budget allows: slow for an offline guesser, quick for a person.
// 32 MiB per concurrent login is also what the server can afford on a small machine.
// (The machine is shared: with load average ~8 on its 2 cores the same hash took ~270 ms, and
// every combination scaled alike, so the choice holds; re-measure on the deployment host.)
// Unit tests use PasswordHashParams::minimum() so they stay fast.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"

namespace kwb::auth {

struct PasswordHashParams {
  std::uint64_t opslimit = 3;               // argon2 passes (t)
  std::size_t memlimit = 32u * 1024 * 1024;  // bytes (m)

  // The production defaults above.
  static PasswordHashParams interactive() { return {}; }
  // libsodium's minimum for argon2id: for tests only.
  static PasswordHashParams minimum();
};

// Purpose: hashes and verifies passwords. Holds only its parameters; cheap to copy.
// Thread safety: all methods are const and safe to call concurrently.
// Note: each call blocks its thread for the configured cost; call it off any event loop.
class PasswordHasher {
 public:
  // kInvalidInput when the parameters are below libsodium's argon2id minimum.
  [[nodiscard]] static Result<PasswordHasher> create(PasswordHashParams params = PasswordHashParams::interactive());

  // A new random salt every call, so hashing the same password twice gives different strings.
  [[nodiscard]] Result<std::string> hash(const Secret& password) const;
  // False for a wrong password and for a string that is not an argon2id hash (never an error:
  // to the login path both mean "denied").
  [[nodiscard]] bool verify(std::string_view stored_hash, const Secret& password) const;
  // True when stored_hash was made with other parameters (or is not one of ours).
  [[nodiscard]] bool needs_rehash(std::string_view stored_hash) const;
  // Spends the time of one verify() and returns false. Used when the user does not exist, so
  // "no such user" and "wrong password" take the same time and cannot be told apart.
  [[nodiscard]] bool verify_dummy(const Secret& password) const;

  [[nodiscard]] const PasswordHashParams& params() const { return params_; }

 private:
  PasswordHasher(PasswordHashParams params, std::string dummy_hash)
      : params_(params), dummy_hash_(std::move(dummy_hash)) {}
  PasswordHashParams params_;
  std::string dummy_hash_;  // a hash of random bytes made with params_, for verify_dummy()
};

// sodium_init() once per process; safe to call from any thread, any number of times.
[[nodiscard]] Status ensure_sodium_initialized();

}  // namespace kwb::auth
