#pragma once
// The process environment as a seam: code that reads AWS_* or KWB_* variables takes an
// Environment, and tests pass a MapEnvironment instead of mutating the real one.

#include <map>
#include <optional>
#include <string>

namespace kwb {

class Environment {
 public:
  virtual ~Environment() = default;
  // nullopt when unset; an empty value counts as unset, as the AWS SDKs treat it.
  [[nodiscard]] virtual std::optional<std::string> get(const std::string& name) const = 0;
};

class SystemEnvironment final : public Environment {
 public:
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const override;
  static SystemEnvironment& instance();
};

class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  void set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace kwb
