#pragma once
// Strong types for strings that are easy to swap by mistake: a StreamName is not a ShardId,
// and neither is a Region. Construction is explicit; .str() gets the text back.

#include <compare>
#include <functional>
#include <ostream>
#include <string>

namespace kwb {

template <typename Tag>
class NamedString {
 public:
  NamedString() = default;
  explicit NamedString(std::string value) : value_(std::move(value)) {}
  [[nodiscard]] const std::string& str() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  auto operator<=>(const NamedString&) const = default;
  friend std::ostream& operator<<(std::ostream& out, const NamedString& v) { return out << v.value_; }

 private:
  std::string value_;
};

using StreamName = NamedString<struct StreamNameTag>;
using ShardId = NamedString<struct ShardIdTag>;
using Region = NamedString<struct RegionTag>;

}  // namespace kwb

template <typename Tag>
struct std::hash<kwb::NamedString<Tag>> {
  std::size_t operator()(const kwb::NamedString<Tag>& v) const noexcept { return std::hash<std::string>{}(v.str()); }
};
