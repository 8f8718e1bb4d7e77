#pragma once
// How commands print results: a plain aligned table (or key/value block) for people, or JSON for
// scripts (--output json). Command output goes to stdout only; diagnostics go to stderr, so
// `kwb ... --output json | jq` always sees clean JSON.
//
// Stateless helpers and a small value type; not shared between threads.

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace kwb::cli {

enum class OutputFormat { kTable, kJson };

// Parses "table" / "json"; kInvalidInput naming --output otherwise.
Result<OutputFormat> parse_output_format(const std::string& text);

// Columns padded to the widest cell; two spaces between columns; header in upper case as given.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;
  [[nodiscard]] std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:   value" lines with the values aligned.
void print_key_values(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows);

// Pretty JSON (2-space indent) plus newline. Bytes that are not UTF-8 become U+FFFD instead of
// throwing, since record data and tags may hold anything.
void print_json(std::ostream& out, const nlohmann::json& value);
// One compact JSON document per line (JSON Lines), for streams of records.
void print_json_line(std::ostream& out, const nlohmann::json& value);

// ISO 8601 with milliseconds, or "-" when absent.
std::string format_time(const std::optional<SystemTimePoint>& time);
nlohmann::json time_json(const std::optional<SystemTimePoint>& time);

}  // namespace kwb::cli
