#pragma once
// The configuration of `kwb serve`, declared as data.
//
// Every setting is one row of settings_table(): its name (the TOML key and the --flag), its
// environment variable (KWB_<NAME>), a description, a default and, for numbers, bounds. One
// parser per kind turns text into the typed field, so a value means the same whether it came
// from the file, the environment or a flag. Sources apply in this order, later winning:
//   defaults < TOML file (--config) < KWB_* environment < command-line flags.
// A bad value stops the start with one error naming the setting, where it came from and the
// allowed range; unknown keys in the file are errors too (a typo must not be silently ignored).
//
// Secrets (jwt_secret, admin_password, database_url's password) are Secret or redacted in
// describe(), so printing the effective configuration never leaks them.
//
// Thread safety: ServerConfig is a plain value; load_config is a pure function of its inputs.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/environment.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb::server {

// Which AWS the server talks to.
enum class TargetMode {
  kAuto,      // embedded when no AWS credentials are configured, else AWS
  kEmbedded,  // the kwb emulator, in this process, on a loopback port
  kAws,       // the standard chain: profile, environment, endpoint URL
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 8;
  std::string data_dir = "./data";
  std::string database_url;  // empty: SQLite in data_dir
  bool production = false;
  TargetMode target = TargetMode::kAuto;
  std::uint16_t embedded_port = 0;  // 0: any free loopback port
  std::string region;               // empty: from the AWS chain (embedded: us-east-1)
  Secret jwt_secret;                // empty: generated once into data_dir
  Secret admin_password;            // bootstrap only; empty: the default (with a warning)
  std::int64_t token_ttl_minutes = 480;
  int login_max_failures = 5;
  std::int64_t login_window_seconds = 900;
  std::int64_t login_lockout_seconds = 900;
  std::string password_hash_cost = "interactive";  // "interactive" or "minimum" (tests only)
  std::int64_t stream_wait_seconds = 30;  // how long writes wait for ACTIVE before answering 202
  std::int64_t stream_list_cache_ms = 2000;  // GET /api/streams cache lifetime
  // How long a token that passed every check is accepted without re-checking (principal_cache.h):
  // the bound on how late another instance's logout or disable takes effect here.
  std::int64_t auth_cache_ms = 1000;
  int analysis_workers = 1;
  int analysis_queue_limit = 8;
  std::string web_dir;  // empty: default_web_dir() (web_ui.h)
  std::int64_t max_request_bytes = 1024 * 1024;
  std::string log_level = "info";
};

enum class SettingKind { kString, kInt, kBool, kSecret, kEnum };

// One declared setting.
struct SettingSpec {
  std::string name;         // "port": the TOML key, and the flag is --port
  std::string env;          // "KWB_PORT"
  std::string description;
  SettingKind kind = SettingKind::kString;
  std::int64_t min = 0;     // kInt only, inclusive
  std::int64_t max = 0;
  std::vector<std::string> choices;  // kEnum only
  // Writes an already validated value into the config.
  std::function<void(ServerConfig&, const std::string&)> assign;
  // The value as text, for describe() and --help defaults ("****" for secrets).
  std::function<std::string(const ServerConfig&)> show;
};

const std::vector<SettingSpec>& settings_table();

struct ConfigSources {
  std::optional<std::filesystem::path> file;           // --config
  std::map<std::string, std::string> flags;            // setting name -> text, only flags given
};

// defaults < file < environment < flags, each validated; kConfig naming setting and source.
[[nodiscard]] Result<ServerConfig> load_config(const ConfigSources& sources, const Environment& env);

// Checks relations between settings (production without a stable secret, ...).
[[nodiscard]] Status validate_config(const ServerConfig& config);

// One "name = value" line per setting, secrets masked, for the start-up log.
std::string describe(const ServerConfig& config);

std::string_view to_string(TargetMode mode);

}  // namespace kwb::server
