#pragma once
// A string that must never reach a log, an error message or a terminal by accident.
// It prints as "****"; the only way to the bytes is the explicit reveal().

#include <ostream>
#include <string>

namespace kwb {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  [[nodiscard]] const std::string& reveal() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  bool operator==(const Secret&) const = default;

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "****"; }

 private:
  std::string value_;
};

}  // namespace kwb
