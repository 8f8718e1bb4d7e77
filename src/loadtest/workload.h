#pragma once
// What a load test writes: partition keys and record sizes drawn from configurable distributions.
//
// Key distributions (--keys; N is the number of distinct keys, default 1000):
//   uniform[:N]   every key equally likely
//   zipf:S[:N]    key i (1-based) with probability proportional to 1 / i^S (S > 0); S near 1 is
//                 the classic "few keys carry most traffic" shape that makes hot shards
//   hot:P[:N]     one hot key takes the share P (0..1) of all records, the rest are uniform
// Size distributions (--record-size; SIZE is bytes with an optional B, KB/KiB, MB/MiB suffix):
//   SIZE                 every record SIZE bytes
//   uniform:MIN..MAX     uniform in [MIN, MAX]
//   choice:S1,S2,...     one of the sizes, equally likely
// A record is never smaller than its envelope header (about 40 bytes); smaller sizes round up.
//
// Value types; sampling draws from the kwb::Random the caller passes (thread-safe), so a seeded
// run repeats exactly.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/result.h"

namespace kwb::loadtest {

// "100", "1KiB", "1.5KB", "1MiB". kInvalidInput naming `field`.
Result<std::size_t> parse_size(std::string_view text, const std::string& field = "--record-size");

class KeyDistribution {
 public:
  enum class Kind { kUniform, kZipf, kHot };
  static Result<KeyDistribution> parse(std::string_view text);

  // The index of the next key, in [0, key_count()).
  [[nodiscard]] std::size_t sample_index(Random& random) const;
  [[nodiscard]] std::string sample(Random& random) const { return key_name(sample_index(random)); }
  static std::string key_name(std::size_t index) { return "k" + std::to_string(index); }
  [[nodiscard]] std::size_t key_count() const { return count_; }
  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  Kind kind_ = Kind::kUniform;
  std::size_t count_ = 1000;
  double hot_share_ = 0;
  std::vector<double> cdf_;  // zipf only: cumulative probabilities, last = 1
};

class SizeDistribution {
 public:
  static Result<SizeDistribution> parse(std::string_view text);
  [[nodiscard]] std::size_t sample(Random& random) const;
  [[nodiscard]] double mean() const;
  [[nodiscard]] std::size_t max() const;
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::size_t min_ = 100;
  std::size_t max_ = 100;
  std::vector<std::size_t> choices_;  // non-empty for choice:
};

}  // namespace kwb::loadtest
