#include "auth/password_hasher.h"

#include <sodium.h>

namespace kwb::auth {

Status ensure_sodium_initialized() {
  // sodium_init is itself thread-safe and idempotent (returns 1 when already done).
  if (sodium_init() < 0) return Error::internal("libsodium failed to initialise");
  return ok_status();
}

PasswordHashParams PasswordHashParams::minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Result<PasswordHasher> PasswordHasher::create(PasswordHashParams params) {
  KWB_RETURN_IF_ERROR(ensure_sodium_initialized());
  if (params.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || params.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
    return Error::invalid_input("opslimit", "argon2id opslimit " + std::to_string(params.opslimit) + " is out of range");
  }
  if (params.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || params.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return Error::invalid_input("memlimit", "argon2id memlimit " + std::to_string(params.memlimit) + " is out of range");
  }
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  char dummy[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_argon2id_str(dummy, reinterpret_cast<const char*>(random), sizeof random, params.opslimit,
                                 params.memlimit) != 0) {
    return Error::internal("argon2id: out of memory creating the dummy hash");
  }
  return PasswordHasher(params, std::string(dummy));
}

Result<std::string> PasswordHasher::hash(const Secret& password) const {
  const std::string& text = password.reveal();
  char out[crypto_pwhash_STRBYTES];
  // The argon2id-specific call, so the algorithm cannot drift with libsodium's default.
  if (crypto_pwhash_argon2id_str(out, text.data(), text.size(), params_.opslimit, params_.memlimit) != 0) {
    // The only documented failure is running out of memory for memlimit.
    return Error::internal("argon2id: hashing failed (out of memory for memlimit " + std::to_string(params_.memlimit) +
                           " bytes?)");
  }
  return std::string(out);
}

bool PasswordHasher::verify(std::string_view stored_hash, const Secret& password) const {
  // libsodium wants a NUL-terminated string no longer than crypto_pwhash_STRBYTES.
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(stored_hash);
  const std::string& text = password.reveal();
  return crypto_pwhash_argon2id_str_verify(terminated.c_str(), text.data(), text.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view stored_hash) const {
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string terminated(stored_hash);
  // 0: current parameters; 1: other parameters; -1: not an argon2id string at all.
  return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), params_.opslimit, params_.memlimit) != 0;
}

bool PasswordHasher::verify_dummy(const Secret& password) const {
  (void)verify(dummy_hash_, password);  // cannot match: the dummy is a hash of random bytes
  return false;
}

}  // namespace kwb::auth
