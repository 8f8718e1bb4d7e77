#include <charconv>

#include "store/sql_connection.h"

namespace kwb::store {

Result<std::int64_t> SqlRow::int64(std::size_t index) const {
  const auto& column = columns_.at(index);
  if (!column) return Error::parse("database column " + std::to_string(index) + " is NULL, expected an integer");
  std::int64_t value = 0;
  const char* begin = column->data();
  const char* end = begin + column->size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    return Error::parse("database column " + std::to_string(index) + " is not an integer: '" + *column + "'");
  }
  return value;
}

}  // namespace kwb::store
