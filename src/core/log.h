#pragma once
// Logging setup. Modules log through spdlog directly; this only decides where and how.
// Logs go to stderr so that stdout stays clean for command output (tables, JSON).

#include <string_view>

namespace kwb {

enum class LogFormat { kText, kJson };

// level: trace|debug|info|warn|error|off. Unknown levels fall back to info.
void init_logging(std::string_view level, LogFormat format = LogFormat::kText);

}  // namespace kwb
