#include "emulator/durable_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "emulator/crc32c.h"

namespace kwb::emulator {
namespace {

namespace fs = std::filesystem;

Error io_error(const std::string& what, const fs::path& path, int err) {
  return Error::io(what + " " + path.string() + ": " + std::strerror(err));
}

template <typename T>
void put_le(char* out, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i)
    out[i] = static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFF);
}

template <typename T>
T get_le(const char* in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return static_cast<T>(v);
}

Status write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path, errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return ok_status();
}

Result<std::string> read_whole(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  std::string out;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec) out.reserve(size);
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return io_error("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// Parses "<20 digits>.log"; false for any other name.
bool parse_segment_name(const std::string& name, std::uint64_t& counter) {
  if (name.size() != 24 || name.compare(20, 4, ".log") != 0) return false;
  counter = 0;
  for (int i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    counter = counter * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return true;
}

}  // namespace

std::string segment_file_name(std::uint64_t first_counter) {
  std::string digits = std::to_string(first_counter);
  return std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits + ".log";
}

Status sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot sync directory", dir, err);
  return ok_status();
}

Status write_file_atomically(const fs::path& path, std::string_view contents, FsyncMode mode) {
  fs::path temp = path;
  temp += ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", temp, errno);
  Status written = write_all(fd, contents.data(), contents.size(), temp);
  if (written.ok() && mode != FsyncMode::kNever && ::fdatasync(fd) != 0) written = io_error("cannot sync", temp, errno);
  ::close(fd);
  if (!written.ok()) return written;
  if (::rename(temp.c_str(), path.c_str()) != 0) return io_error("cannot rename to", path, errno);
  if (mode != FsyncMode::kNever) return sync_directory(path.parent_path());
  return ok_status();
}

FileRecordLog::FileRecordLog(fs::path dir, FsyncMode mode, std::int64_t fsync_interval_ms, std::uint64_t first_counter,
                             std::uint64_t segment_bytes)
    : dir_(std::move(dir)),
      mode_(mode),
      fsync_interval_ns_(fsync_interval_ms * 1'000'000),
      segment_bytes_(segment_bytes),
      memory_(first_counter) {}

FileRecordLog::~FileRecordLog() {
  if (fd_ >= 0) {
    // Shutdown: whatever batch or never mode left unsynced goes to disk now. Errors have nobody
    // to go to here; the data is in the kernel already.
    if (unsynced_) (void)::fdatasync(fd_);
    ::close(fd_);
  }
}

Result<std::unique_ptr<FileRecordLog>> FileRecordLog::open(fs::path dir, FsyncMode mode, std::int64_t fsync_interval_ms,
                                                           LogRecovery* recovery, std::uint64_t segment_bytes) {
  std::vector<std::pair<std::uint64_t, fs::path>> found;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::uint64_t counter = 0;
      if (entry.is_regular_file() && parse_segment_name(entry.path().filename().string(), counter)) {
        found.emplace_back(counter, entry.path());
      }
    }
    if (ec) return io_error("cannot list", dir, ec.value());
  }
  std::sort(found.begin(), found.end());
  const std::uint64_t first = found.empty() ? 1 : found.front().first;
  auto log = std::make_unique<FileRecordLog>(dir, mode, fsync_interval_ms, first, segment_bytes);
  LogRecovery report;
  for (std::size_t f = 0; f < found.size(); ++f) {
    const auto& [name_counter, path] = found[f];
    const bool newest = f + 1 == found.size();
    if (name_counter != log->memory_.next_counter()) {
      return Error::io("corrupt record log: segment " + path.string() + " should start at record " +
                       std::to_string(log->memory_.next_counter()));
    }
    auto bytes = read_whole(path);
    if (!bytes) return std::move(bytes).error();
    const std::string& b = *bytes;
    std::size_t pos = 0;
    while (pos < b.size()) {
      bool good = b.size() - pos >= 8;
      std::uint32_t body_size = 0;
      if (good) {
        body_size = get_le<std::uint32_t>(b.data() + pos);
        good = body_size >= kFrameHeaderBytes - 8 && body_size <= b.size() - pos - 8;
      }
      std::string_view body;
      if (good) {
        body = std::string_view(b.data() + pos + 8, body_size);
        good = crc32c(body) == get_le<std::uint32_t>(b.data() + pos + 4);
      }
      std::uint16_t key_size = 0;
      if (good) {
        key_size = get_le<std::uint16_t>(body.data() + 16);
        good = key_size <= body_size - (kFrameHeaderBytes - 8) &&
               get_le<std::uint64_t>(body.data() + 8) == log->memory_.next_counter() &&
               get_le<std::int64_t>(body.data()) >= log->memory_.last_arrival_ms();
      }
      if (!good) {
        if (!newest) {
          return Error::io("corrupt record log: bad frame at byte " + std::to_string(pos) + " of " + path.string());
        }
        // A torn tail: the write that was cut short was never acknowledged.
        if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) return io_error("cannot truncate", path, errno);
        report.truncated_bytes = b.size() - pos;
        break;
      }
      const std::size_t head = kFrameHeaderBytes - 8;
      log->memory_.append(get_le<std::int64_t>(body.data()), body.substr(head, key_size), body.substr(head + key_size));
      ++report.records;
      pos += 8 + body_size;
    }
    log->files_.push_back(SegmentFile{name_counter, path});
    if (newest) log->active_size_ = pos;
  }
  report.segments = found.size();
  if (!found.empty()) {
    log->fd_ = ::open(found.back().second.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (log->fd_ < 0) return io_error("cannot open", found.back().second, errno);
  }
  if (recovery != nullptr) *recovery = report;
  return log;
}

std::uint64_t FileRecordLog::append(std::int64_t arrival_ms, std::string_view partition_key, std::string_view data) {
  const std::uint64_t counter = memory_.append(arrival_ms, partition_key, data);
  const std::size_t body_size = kFrameHeaderBytes - 8 + partition_key.size() + data.size();
  const std::size_t at = staged_.size();
  staged_.resize(at + 8 + body_size);
  char* frame = staged_.data() + at;
  char* body = frame + 8;
  put_le<std::uint32_t>(frame, static_cast<std::uint32_t>(body_size));
  put_le<std::int64_t>(body, arrival_ms);
  put_le<std::uint64_t>(body + 8, counter);
  put_le<std::uint16_t>(body + 16, static_cast<std::uint16_t>(partition_key.size()));
  if (!partition_key.empty()) std::memcpy(body + 18, partition_key.data(), partition_key.size());
  if (!data.empty()) std::memcpy(body + 18 + partition_key.size(), data.data(), data.size());
  put_le<std::uint32_t>(frame + 4, crc32c(std::string_view(body, body_size)));
  return counter;
}

Status FileRecordLog::open_active_segment() {
  std::error_code ec;
  const bool created_dir = fs::create_directories(dir_, ec);
  if (ec) return io_error("cannot create directory", dir_, ec.value());
  // The first record staged since the last commit decides the name.
  const std::uint64_t first =
      staged_.size() >= kFrameHeaderBytes ? get_le<std::uint64_t>(staged_.data() + 16) : memory_.next_counter();
  fs::path path = dir_ / segment_file_name(first);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return io_error("cannot create", path, errno);
  files_.push_back(SegmentFile{first, path});
  active_size_ = 0;
  if (mode_ != FsyncMode::kNever) {
    // The new file's name must survive a crash along with its contents.
    KWB_RETURN_IF_ERROR(sync_directory(dir_));
    if (created_dir) KWB_RETURN_IF_ERROR(sync_directory(dir_.parent_path()));
  }
  return ok_status();
}

Status FileRecordLog::sync_active() {
  if (fd_ >= 0 && unsynced_) {
    if (::fdatasync(fd_) != 0) return io_error("cannot sync", files_.back().path, errno);
  }
  unsynced_ = false;
  return ok_status();
}

Status FileRecordLog::commit(std::int64_t steady_ns) {
  if (staged_.empty()) return ok_status();
  if (fd_ < 0) {
    Status opened = open_active_segment();
    if (!opened.ok()) {
      staged_.clear();
      return opened;
    }
  }
  Status written = write_all(fd_, staged_.data(), staged_.size(), files_.back().path);
  if (!written.ok()) {
    // Keep the file a clean run of frames: cut off whatever part of this batch got through.
    (void)::ftruncate(fd_, static_cast<off_t>(active_size_));
    staged_.clear();
    return written;
  }
  active_size_ += staged_.size();
  staged_.clear();
  unsynced_ = true;
  if (mode_ == FsyncMode::kAlways || (mode_ == FsyncMode::kBatch && steady_ns - last_sync_ns_ >= fsync_interval_ns_)) {
    KWB_RETURN_IF_ERROR(sync_active());
    last_sync_ns_ = steady_ns;
  }
  if (active_size_ >= segment_bytes_) {
    // Close a full segment, synced (except in kNever), so that only the newest can have a torn tail.
    if (mode_ != FsyncMode::kNever) KWB_RETURN_IF_ERROR(sync_active());
    ::close(fd_);
    fd_ = -1;
    unsynced_ = false;
  }
  return ok_status();
}

void FileRecordLog::trim_before(std::int64_t cutoff_ms) {
  memory_.trim_before(cutoff_ms);
  // A segment can go once the next one starts at or before the oldest record kept. The newest
  // always stays: its name carries the next counter across restarts.
  while (files_.size() > 1 && files_[1].first_counter <= memory_.first_counter()) {
    std::error_code ec;
    fs::remove(files_.front().path, ec);  // a leftover file is re-trimmed after the next restart
    files_.pop_front();
  }
}

}  // namespace kwb::emulator
