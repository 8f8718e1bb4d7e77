#include "emulator/stream_store.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace kwb::emulator {
namespace {
namespace fs = std::filesystem;
constexpr const char* kDocument = "stream.json";
}  // namespace

std::string region_directory_name(std::string_view region) {
  const bool plain = !region.empty() && region.size() <= 64 && region.front() != 'x' &&
                     std::all_of(region.begin(), region.end(),
                                 [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  if (plain) return std::string(region);
  static const char* kHex = "0123456789abcdef";
  std::string out = "x-";
  for (unsigned char c : region) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> region_from_directory_name(std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (name.front() != 'x') return std::string(name);
  if (name.size() < 2 || name[1] != '-' || name.size() % 2 != 0) return std::nullopt;
  std::string out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 2; i < name.size(); i += 2) {
    const int hi = nibble(name[i]), lo = nibble(name[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

fs::path StreamStore::stream_dir(std::string_view name, std::int64_t created_ms) const {
  return dir_ / (std::string(name) + "." + std::to_string(created_ms));
}

fs::path StreamStore::shard_dir(std::string_view name, std::int64_t created_ms, std::uint32_t index) const {
  return stream_dir(name, created_ms) / ("shard-" + std::to_string(index));
}

Result<std::vector<std::string>> StreamStore::load_all() const {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  if (ec) return Error::io("cannot list " + dir_.string() + ": " + ec.message());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    const fs::path document = dir / kDocument;
    if (!fs::exists(document, ec)) continue;  // created and crashed before its first save
    std::ifstream in(document, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) return Error::io("cannot read " + document.string());
    out.push_back(text.str());
  }
  return out;
}

Status StreamStore::save(std::string_view name, std::int64_t created_ms, std::string_view document) const {
  const fs::path dir = stream_dir(name, created_ms);
  std::error_code ec;
  if (fs::create_directories(dir, ec) && mode_ != FsyncMode::kNever) {
    KWB_RETURN_IF_ERROR(sync_directory(dir_));
    if (dir_.has_parent_path()) KWB_RETURN_IF_ERROR(sync_directory(dir_.parent_path()));
  }
  if (ec) return Error::io("cannot create " + dir.string() + ": " + ec.message());
  return write_file_atomically(dir / kDocument, document, mode_);
}

Status StreamStore::remove(std::string_view name, std::int64_t created_ms) const {
  const fs::path dir = stream_dir(name, created_ms);
  std::error_code ec;
  // Drop the document first, so a crash halfway leaves records nobody loads rather than a stream
  // with missing records.
  fs::remove(dir / kDocument, ec);
  fs::remove_all(dir, ec);
  if (ec) return Error::io("cannot remove " + dir.string() + ": " + ec.message());
  if (mode_ != FsyncMode::kNever) return sync_directory(dir_);
  return ok_status();
}

std::unique_ptr<RecordLog> StreamStore::new_shard_log(std::string_view name, std::int64_t created_ms,
                                                      std::uint32_t shard_index) const {
  return std::make_unique<FileRecordLog>(shard_dir(name, created_ms, shard_index), mode_, fsync_interval_ms_);
}

Result<std::unique_ptr<RecordLog>> StreamStore::open_shard_log(std::string_view name, std::int64_t created_ms,
                                                               std::uint32_t shard_index, LogRecovery* recovery) const {
  auto log = FileRecordLog::open(shard_dir(name, created_ms, shard_index), mode_, fsync_interval_ms_, recovery);
  if (!log) return std::move(log).error();
  return std::unique_ptr<RecordLog>(std::move(*log));
}

}  // namespace kwb::emulator
