#include "loadtest/workload.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "core/strings.h"

namespace kwb::loadtest {

namespace {

Result<double> parse_positive(std::string_view text, const std::string& field, const std::string& what) {
  text = trim(text);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return Error::invalid_input(field, "expected " + what + ", got '" + std::string(text) + "'");
  }
  return value;
}

Result<std::size_t> parse_count(std::string_view text, const std::string& field) {
  auto value = parse_positive(text, field, "a number of keys");
  if (!value) return value.error();
  if (*value < 1 || *value > 10'000'000 || std::floor(*value) != *value) {
    return Error::invalid_input(field, "the number of keys must be a whole number from 1 to 10000000");
  }
  return static_cast<std::size_t>(*value);
}

}  // namespace

Result<std::size_t> parse_size(std::string_view text, const std::string& field) {
  std::string lower = to_lower(trim(text));
  double scale = 1;
  const std::pair<const char*, double> suffixes[] = {{"kib", 1024.0}, {"mib", 1024.0 * 1024}, {"kb", 1000.0},
                                                     {"mb", 1e6},     {"k", 1024.0},          {"m", 1024.0 * 1024},
                                                     {"b", 1.0}};
  for (const auto& [suffix, factor] : suffixes) {
    const std::string s(suffix);
    if (lower.size() > s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0) {
      scale = factor;
      lower.resize(lower.size() - s.size());
      break;
    }
  }
  auto value = parse_positive(lower, field, "a size such as 100, 1KiB or 1MiB");
  if (!value) return value.error();
  const double bytes = std::round(*value * scale);
  if (bytes < 1 || bytes > 1024.0 * 1024) {
    return Error::invalid_input(field, "a record size must be from 1 byte to 1 MiB, got '" + std::string(text) + "'");
  }
  return static_cast<std::size_t>(bytes);
}

Result<KeyDistribution> KeyDistribution::parse(std::string_view text) {
  const std::string field = "--keys";
  KeyDistribution d;
  d.text_ = std::string(trim(text));
  std::vector<std::string> parts = split(d.text_, ':');
  const std::string& kind = parts[0];
  auto read_count = [&](std::size_t index) -> Status {
    if (parts.size() > index + 1) return Error::invalid_input(field, "too many ':' parts in '" + d.text_ + "'");
    if (parts.size() == index + 1) {
      auto n = parse_count(parts[index], field);
      if (!n) return n.error();
      d.count_ = *n;
    }
    return ok_status();
  };
  if (kind == "uniform") {
    d.kind_ = Kind::kUniform;
    KWB_RETURN_IF_ERROR(read_count(1));
  } else if (kind == "zipf") {
    if (parts.size() < 2) return Error::invalid_input(field, "zipf is zipf:S[:N], e.g. zipf:1.1");
    auto s = parse_positive(parts[1], field, "a zipf exponent such as 1.1");
    if (!s) return s.error();
    if (*s <= 0 || *s > 10) return Error::invalid_input(field, "the zipf exponent must be in (0, 10]");
    d.kind_ = Kind::kZipf;
    KWB_RETURN_IF_ERROR(read_count(2));
    d.cdf_.resize(d.count_);
    double sum = 0;
    for (std::size_t i = 0; i < d.count_; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), *s);
      d.cdf_[i] = sum;
    }
    for (double& c : d.cdf_) c /= sum;
    d.cdf_.back() = 1.0;
  } else if (kind == "hot") {
    if (parts.size() < 2) return Error::invalid_input(field, "hot is hot:P[:N], e.g. hot:0.5");
    auto p = parse_positive(parts[1], field, "a share between 0 and 1");
    if (!p) return p.error();
    if (*p > 1) return Error::invalid_input(field, "the hot key's share must be between 0 and 1");
    d.kind_ = Kind::kHot;
    d.hot_share_ = *p;
    KWB_RETURN_IF_ERROR(read_count(2));
  } else {
    return Error::invalid_input(field, "unknown key distribution '" + kind + "': use uniform[:N], zipf:S[:N] or hot:P[:N]");
  }
  return d;
}

std::size_t KeyDistribution::sample_index(Random& random) const {
  switch (kind_) {
    case Kind::kUniform:
      return static_cast<std::size_t>(random.below(count_));
    case Kind::kZipf: {
      const double u = random.uniform01();
      auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
      return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), count_ - 1);
    }
    case Kind::kHot:
      if (random.uniform01() < hot_share_ || count_ == 1) return 0;
      return 1 + static_cast<std::size_t>(random.below(count_ - 1));
  }
  return 0;
}

Result<SizeDistribution> SizeDistribution::parse(std::string_view text) {
  const std::string field = "--record-size";
  SizeDistribution d;
  d.text_ = std::string(trim(text));
  if (d.text_.rfind("uniform:", 0) == 0) {
    const std::string args = d.text_.substr(8);
    const auto dots = args.find("..");
    if (dots == std::string::npos) return Error::invalid_input(field, "uniform is uniform:MIN..MAX, e.g. uniform:100..2KiB");
    auto lo = parse_size(args.substr(0, dots), field);
    if (!lo) return lo.error();
    auto hi = parse_size(args.substr(dots + 2), field);
    if (!hi) return hi.error();
    if (*hi < *lo) return Error::invalid_input(field, "uniform:MIN..MAX needs MIN <= MAX");
    d.min_ = *lo;
    d.max_ = *hi;
  } else if (d.text_.rfind("choice:", 0) == 0) {
    for (const std::string& item : split(d.text_.substr(7), ',')) {
      auto size = parse_size(item, field);
      if (!size) return size.error();
      d.choices_.push_back(*size);
    }
    if (d.choices_.empty()) return Error::invalid_input(field, "choice needs at least one size");
    d.min_ = *std::min_element(d.choices_.begin(), d.choices_.end());
    d.max_ = *std::max_element(d.choices_.begin(), d.choices_.end());
  } else {
    auto size = parse_size(d.text_, field);
    if (!size) return size.error();
    d.min_ = d.max_ = *size;
  }
  return d;
}

std::size_t SizeDistribution::sample(Random& random) const {
  if (!choices_.empty()) return choices_[random.below(choices_.size())];
  if (max_ == min_) return min_;
  return min_ + static_cast<std::size_t>(random.below(max_ - min_ + 1));
}

double SizeDistribution::mean() const {
  if (!choices_.empty()) {
    return static_cast<double>(std::accumulate(choices_.begin(), choices_.end(), std::size_t{0})) /
           static_cast<double>(choices_.size());
  }
  return (static_cast<double>(min_) + static_cast<double>(max_)) / 2;
}

std::size_t SizeDistribution::max() const { return max_; }

}  // namespace kwb::loadtest
