#include "core/environment.h"

#include <cstdlib>

namespace kwb {

std::optional<std::string> SystemEnvironment::get(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

SystemEnvironment& SystemEnvironment::instance() {
  static SystemEnvironment environment;
  return environment;
}

std::optional<std::string> MapEnvironment::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace kwb
