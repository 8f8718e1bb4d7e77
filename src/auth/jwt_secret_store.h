#pragma once
// Where the JWT signing key comes from.
//
// A configured key (KWB_JWT_SECRET or the config file) wins. Otherwise the key is generated once
// (32 random bytes from libsodium) and kept in <data_dir>/jwt_secret with mode 0600, so tokens
// survive a restart and every instance sharing the data dir signs with the same key.

#include <filesystem>

#include "core/result.h"
#include "core/secret.h"

namespace kwb::auth {

inline constexpr const char* kJwtSecretFileName = "jwt_secret";

// Returns `configured` when it is non-empty (kConfig if shorter than 32 bytes). Otherwise reads
// <data_dir>/jwt_secret, creating data_dir and the file if missing.
// Errors: kConfig when the existing file is readable or writable by group or others (it is a
// credential: fix it with chmod 600, we do not silently widen or narrow what the operator set),
// or does not hold a base64 key of at least 32 bytes; kIo when the file cannot be read or written.
// Safe against concurrent first starts: the file appears atomically (written to a temporary
// name, then hard-linked into place), and the loser of a race reads the winner's key.
[[nodiscard]] Result<Secret> load_or_create_jwt_secret(const std::filesystem::path& data_dir,
                                                       const Secret& configured = Secret());

}  // namespace kwb::auth
