#include "auth/jwt_secret_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "auth/password_hasher.h"
#include "core/encoding.h"
#include "core/strings.h"

namespace kwb::auth {
namespace {

constexpr std::size_t kKeyBytes = 32;

std::string errno_text() { return std::strerror(errno); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

enum class ReadOutcome { kRead, kMissing };

Result<ReadOutcome> read_key(const std::filesystem::path& path, Secret& out) {
  // O_NOFOLLOW: a symlink planted in the data dir must not redirect us to another file.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return ReadOutcome::kMissing;
    return Error::io("cannot open " + path.string() + ": " + errno_text());
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return Error::io("cannot stat " + path.string() + ": " + errno_text());
  if (!S_ISREG(info.st_mode)) return Error::config(path.string() + " is not a regular file");
  if ((info.st_mode & 077) != 0) {
    return Error::config(path.string() + " holds the JWT signing key but is accessible by other users; run: chmod 600 " +
                         path.string());
  }
  std::string text;
  char buffer[256];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::io("cannot read " + path.string() + ": " + errno_text());
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > 4096) return Error::config(path.string() + " is too large to be a JWT key file");
  }
  auto key = base64_decode(std::string(trim(text)));
  sodium_memzero(text.data(), text.size());
  if (!key || key->size() < kKeyBytes) {
    return Error::config(path.string() + " does not hold a base64 key of at least " + std::to_string(kKeyBytes) +
                         " bytes; delete it to have a new one generated");
  }
  out = Secret(std::move(*key));
  return ReadOutcome::kRead;
}

Status write_all(int fd, const std::string& text, const std::filesystem::path& path) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::io("cannot write " + path.string() + ": " + errno_text());
    }
    written += static_cast<std::size_t>(n);
  }
  return ok_status();
}

// Writes a new key to a temporary file, then link()s it to `path`. link() fails with EEXIST
// rather than replacing, so of two processes racing here exactly one key wins.
Status create_key_file(const std::filesystem::path& path) {
  unsigned char key[kKeyBytes];
  randombytes_buf(key, sizeof key);
  std::string text = base64_encode(std::string_view(reinterpret_cast<const char*>(key), sizeof key)) + "\n";
  sodium_memzero(key, sizeof key);

  const std::filesystem::path temp =
      path.parent_path() / (std::string(kJwtSecretFileName) + ".tmp." + std::to_string(::getpid()) + "." +
                            std::to_string(randombytes_uniform(1u << 30)));
  Status result = ok_status();
  {
    // Mode 0600 from the moment the file exists; the umask can only narrow it further.
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      sodium_memzero(text.data(), text.size());
      return Error::io("cannot create " + temp.string() + ": " + errno_text());
    }
    result = write_all(fd.get(), text, temp);
    if (result.ok() && ::fsync(fd.get()) != 0) result = Error::io("cannot sync " + temp.string() + ": " + errno_text());
  }
  sodium_memzero(text.data(), text.size());
  if (result.ok() && ::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    result = Error::io("cannot create " + path.string() + ": " + errno_text());
  }
  ::unlink(temp.c_str());
  return result;
}

}  // namespace

Result<Secret> load_or_create_jwt_secret(const std::filesystem::path& data_dir, const Secret& configured) {
  if (!configured.empty()) {
    if (configured.reveal().size() < kKeyBytes) {
      return Error::config("the configured JWT secret is shorter than " + std::to_string(kKeyBytes) +
                           " bytes; use a longer one, or unset it to have one generated");
    }
    return configured;
  }
  KWB_RETURN_IF_ERROR(ensure_sodium_initialized());
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Error::io("cannot create data directory " + data_dir.string() + ": " + ec.message());

  const std::filesystem::path path = data_dir / kJwtSecretFileName;
  Secret key;
  auto first = read_key(path, key);
  if (!first) return std::move(first).error();
  if (*first == ReadOutcome::kRead) return key;

  KWB_RETURN_IF_ERROR(create_key_file(path));
  auto second = read_key(path, key);  // ours, or the one a concurrent start linked first
  if (!second) return std::move(second).error();
  if (*second == ReadOutcome::kMissing) return Error::io(path.string() + " vanished right after it was created");
  return key;
}

}  // namespace kwb::auth
