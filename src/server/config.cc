#include "server/config.h"

#include <charconv>
#include <sstream>

#include <toml++/toml.h>

#include "core/strings.h"
#include "store/store.h"

namespace kwb::server {

namespace {

// Helpers that build rows of the table, so each row reads as its declaration.
SettingSpec string_setting(std::string name, std::string description, std::string ServerConfig::*field) {
  SettingSpec spec;
  spec.name = name;
  spec.description = std::move(description);
  spec.kind = SettingKind::kString;
  spec.assign = [field](ServerConfig& c, const std::string& v) { c.*field = v; };
  spec.show = [field](const ServerConfig& c) { return c.*field; };
  return spec;
}

template <typename Int>
SettingSpec int_setting(std::string name, std::string description, Int ServerConfig::*field, std::int64_t min,
                        std::int64_t max) {
  SettingSpec spec;
  spec.name = name;
  spec.description = std::move(description);
  spec.kind = SettingKind::kInt;
  spec.min = min;
  spec.max = max;
  spec.assign = [field](ServerConfig& c, const std::string& v) { c.*field = static_cast<Int>(std::stoll(v)); };
  spec.show = [field](const ServerConfig& c) { return std::to_string(c.*field); };
  return spec;
}

SettingSpec bool_setting(std::string name, std::string description, bool ServerConfig::*field) {
  SettingSpec spec;
  spec.name = name;
  spec.description = std::move(description);
  spec.kind = SettingKind::kBool;
  spec.assign = [field](ServerConfig& c, const std::string& v) { c.*field = (v == "true" || v == "1"); };
  spec.show = [field](const ServerConfig& c) { return std::string(c.*field ? "true" : "false"); };
  return spec;
}

SettingSpec secret_setting(std::string name, std::string description, Secret ServerConfig::*field) {
  SettingSpec spec;
  spec.name = name;
  spec.description = std::move(description);
  spec.kind = SettingKind::kSecret;
  spec.assign = [field](ServerConfig& c, const std::string& v) { c.*field = Secret(v); };
  spec.show = [field](const ServerConfig& c) { return std::string((c.*field).empty() ? "(unset)" : "****"); };
  return spec;
}

std::vector<SettingSpec> build_table() {
  std::vector<SettingSpec> t;
  t.push_back(string_setting("host", "listen address (keep 127.0.0.1 unless a proxy in front needs otherwise)",
                             &ServerConfig::host));
  t.push_back(int_setting("port", "listen port (0: any free port)", &ServerConfig::port, 0, 65535));
  t.push_back(int_setting("threads", "HTTP worker threads (handlers block on AWS calls and password hashing)",
                          &ServerConfig::threads, 1, 256));
  t.push_back(string_setting("data_dir", "directory for the SQLite database, the JWT key and embedded streams",
                             &ServerConfig::data_dir));
  {
    SettingSpec s = string_setting("database_url", "postgres://... for PostgreSQL; empty: SQLite in data_dir",
                                   &ServerConfig::database_url);
    s.show = [](const ServerConfig& c) { return store::redact_database_url(c.database_url); };
    t.push_back(std::move(s));
  }
  t.push_back(bool_setting("production", "refuse unsafe settings (the default admin password, the minimum hash cost)",
                           &ServerConfig::production));
  {
    SettingSpec s;
    s.name = "target";
    s.description = "which AWS: auto (embedded without credentials), embedded, or aws";
    s.kind = SettingKind::kEnum;
    s.choices = {"auto", "embedded", "aws"};
    s.assign = [](ServerConfig& c, const std::string& v) {
      c.target = v == "embedded" ? TargetMode::kEmbedded : v == "aws" ? TargetMode::kAws : TargetMode::kAuto;
    };
    s.show = [](const ServerConfig& c) { return std::string(to_string(c.target)); };
    t.push_back(std::move(s));
  }
  t.push_back(int_setting("embedded_port", "loopback port of the embedded emulator (0: any free port)",
                          &ServerConfig::embedded_port, 0, 65535));
  t.push_back(string_setting("region", "AWS region (empty: the AWS chain; embedded: us-east-1)", &ServerConfig::region));
  t.push_back(secret_setting("jwt_secret", "HS256 key, at least 32 bytes (empty: generated into data_dir)",
                             &ServerConfig::jwt_secret));
  t.push_back(secret_setting("admin_password", "password of the bootstrap admin on a fresh store (empty: admin123)",
                             &ServerConfig::admin_password));
  t.push_back(int_setting("token_ttl_minutes", "lifetime of a login token", &ServerConfig::token_ttl_minutes, 1,
                          7 * 24 * 60));
  t.push_back(int_setting("login_max_failures", "failed logins per user or address before a lockout",
                          &ServerConfig::login_max_failures, 1, 1000));
  t.push_back(int_setting("login_window_seconds", "window in which failed logins are counted",
                          &ServerConfig::login_window_seconds, 1, 7 * 86400));
  t.push_back(int_setting("login_lockout_seconds", "how long a locked user or address must wait",
                          &ServerConfig::login_lockout_seconds, 1, 7 * 86400));
  {
    SettingSpec s = string_setting("password_hash_cost", "argon2id cost: interactive (~85 ms) or minimum (tests only)",
                                   &ServerConfig::password_hash_cost);
    s.kind = SettingKind::kEnum;
    s.choices = {"interactive", "minimum"};
    t.push_back(std::move(s));
  }
  t.push_back(int_setting("stream_wait_seconds", "how long stream writes wait for ACTIVE before answering 202",
                          &ServerConfig::stream_wait_seconds, 0, 3600));
  t.push_back(int_setting("auth_cache_ms",
                          "how long a checked token is accepted without re-checking revocation and the user row (0: off)",
                          &ServerConfig::auth_cache_ms, 0, 60000));
  t.push_back(int_setting("stream_list_cache_ms", "how long GET /api/streams answers from its cache (0: off)",
                          &ServerConfig::stream_list_cache_ms, 0, 60000));
  t.push_back(int_setting("analysis_workers", "analyses run at the same time", &ServerConfig::analysis_workers, 1, 4));
  t.push_back(int_setting("analysis_queue_limit", "analyses waiting beyond this are refused with 429",
                          &ServerConfig::analysis_queue_limit, 1, 1000));
  t.push_back(string_setting("web_dir", "directory of the built web UI (empty: <repo>/web/dist next to the binary)",
                             &ServerConfig::web_dir));
  t.push_back(int_setting("max_request_bytes", "largest request body accepted", &ServerConfig::max_request_bytes, 1024,
                          64 * 1024 * 1024));
  {
    SettingSpec s = string_setting("log_level", "trace, debug, info, warn, error or off", &ServerConfig::log_level);
    s.kind = SettingKind::kEnum;
    s.choices = {"trace", "debug", "info", "warn", "error", "off"};
    t.push_back(std::move(s));
  }
  for (SettingSpec& spec : t) {
    std::string env = "KWB_";
    for (char c : spec.name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    spec.env = env;
  }
  return t;
}

// Validates `text` for `spec`; returns the canonical text or a message (without the name).
Result<std::string> check_value(const SettingSpec& spec, const std::string& text) {
  switch (spec.kind) {
    case SettingKind::kString:
    case SettingKind::kSecret:
      return text;
    case SettingKind::kBool: {
      const std::string lower = to_lower(trim(text));
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return std::string("true");
      if (lower == "false" || lower == "0" || lower == "no" || lower == "off" || lower.empty()) return std::string("false");
      return Error::config("'" + text + "' is not a boolean (true or false)");
    }
    case SettingKind::kInt: {
      const std::string_view v = trim(text);
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
      if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
        return Error::config("'" + text + "' is not a whole number");
      }
      if (value < spec.min || value > spec.max) {
        return Error::config(std::to_string(value) + " is out of range [" + std::to_string(spec.min) + ", " +
                             std::to_string(spec.max) + "]");
      }
      return std::to_string(value);
    }
    case SettingKind::kEnum: {
      for (const auto& choice : spec.choices) {
        if (choice == text) return text;
      }
      std::string allowed;
      for (const auto& choice : spec.choices) allowed += (allowed.empty() ? "" : ", ") + choice;
      return Error::config("'" + text + "' is not one of: " + allowed);
    }
  }
  return Error::internal("unknown setting kind");
}

Status apply(const SettingSpec& spec, const std::string& text, const std::string& source, ServerConfig& config) {
  auto checked = check_value(spec, text);
  if (!checked) {
    // Never echo a secret's value back, even when it is invalid.
    std::string message = checked.error().message;
    if (spec.kind == SettingKind::kSecret) message = "invalid value";
    return Error::config("setting '" + spec.name + "' (from " + source + "): " + message);
  }
  spec.assign(config, *checked);
  return ok_status();
}

const SettingSpec* find_spec(std::string_view name) {
  for (const auto& spec : settings_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// The TOML value as the text a flag would carry; nullopt for tables and arrays.
std::optional<std::string> toml_text(const toml::node& node) {
  if (auto s = node.value<std::string>()) {
    if (node.is_string()) return *s;
  }
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (node.is_boolean()) return std::string(*node.value<bool>() ? "true" : "false");
  return std::nullopt;
}

}  // namespace

std::string_view to_string(TargetMode mode) {
  switch (mode) {
    case TargetMode::kAuto: return "auto";
    case TargetMode::kEmbedded: return "embedded";
    case TargetMode::kAws: return "aws";
  }
  return "auto";
}

const std::vector<SettingSpec>& settings_table() {
  static const std::vector<SettingSpec> table = build_table();
  return table;
}

Result<ServerConfig> load_config(const ConfigSources& sources, const Environment& env) {
  ServerConfig config;
  if (sources.file) {
    const std::string file = sources.file->string();
    toml::table root;
    try {
      root = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      std::ostringstream where;
      where << e.source().begin;
      return Error::config("config file " + file + ": " + std::string(e.description()) + " at " + where.str());
    }
    for (const auto& [key, node] : root) {
      const std::string name(key.str());
      const SettingSpec* spec = find_spec(name);
      if (spec == nullptr) return Error::config("config file " + file + ": unknown setting '" + name + "'");
      auto text = toml_text(node);
      if (!text) return Error::config("config file " + file + ": setting '" + name + "' must be a string, number or boolean");
      KWB_RETURN_IF_ERROR(apply(*spec, *text, file, config));
    }
  }
  for (const auto& spec : settings_table()) {
    if (auto value = env.get(spec.env)) KWB_RETURN_IF_ERROR(apply(spec, *value, spec.env, config));
  }
  for (const auto& [name, text] : sources.flags) {
    const SettingSpec* spec = find_spec(name);
    if (spec == nullptr) return Error::config("unknown setting '" + name + "'");
    KWB_RETURN_IF_ERROR(apply(*spec, text, "--" + name, config));
  }
  KWB_RETURN_IF_ERROR(validate_config(config));
  return config;
}

Status validate_config(const ServerConfig& config) {
  if (config.host.empty()) return Error::config("setting 'host' must not be empty");
  if (config.data_dir.empty()) return Error::config("setting 'data_dir' must not be empty");
  if (!config.jwt_secret.empty() && config.jwt_secret.reveal().size() < 32) {
    return Error::config("setting 'jwt_secret' must be at least 32 bytes");
  }
  if (config.production && config.password_hash_cost == "minimum") {
    return Error::config("setting 'password_hash_cost' = minimum is for tests; --production refuses it");
  }
  return ok_status();
}

std::string describe(const ServerConfig& config) {
  std::string out;
  for (const auto& spec : settings_table()) out += spec.name + " = " + spec.show(config) + "\n";
  return out;
}

}  // namespace kwb::server
