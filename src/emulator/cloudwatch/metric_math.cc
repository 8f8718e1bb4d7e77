#include "emulator/cloudwatch/metric_math.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

#include "emulator/cloudwatch/protocol.h"

namespace kwb::emulator::cloudwatch {

namespace {

struct Value {
  bool scalar = false;
  double number = 0;
  std::vector<TimeSeries> series;  // one (series) or several (array)
  bool array = false;
};

class Parser {
 public:
  Parser(std::string_view id, std::string_view text, const MathInputs& inputs) : id_(id), text_(text), inputs_(inputs) {}

  Result<Value> parse() {
    auto value = expression();
    if (!value) return value;
    skip();
    if (pos_ != text_.size()) return fail("Unexpected '" + std::string(text_.substr(pos_, 10)) + "'");
    return value;
  }

 private:
  Error fail(const std::string& what) const {
    return cw_error("ValidationError", "Error in expression " + std::string(id_) + ": " + what);
  }
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool take(char c) {
    skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<Value> expression() {
    auto left = term();
    if (!left) return left;
    while (true) {
      if (take('+')) {
        auto right = term();
        if (!right) return right;
        left = combine(*left, *right, [](double a, double b) { return a + b; });
      } else if (take('-')) {
        auto right = term();
        if (!right) return right;
        left = combine(*left, *right, [](double a, double b) { return a - b; });
      } else {
        return left;
      }
    }
  }

  Result<Value> term() {
    auto left = factor();
    if (!left) return left;
    while (true) {
      if (take('*')) {
        auto right = factor();
        if (!right) return right;
        left = combine(*left, *right, [](double a, double b) { return a * b; });
      } else if (take('/')) {
        auto right = factor();
        if (!right) return right;
        left = combine(*left, *right, [](double a, double b) { return a / b; });
      } else {
        return left;
      }
    }
  }

  Result<Value> factor() {
    skip();
    if (pos_ >= text_.size()) return fail("Unexpected end of expression");
    if (take('-')) {
      auto inner = factor();
      if (!inner) return inner;
      Value zero;
      zero.scalar = true;
      return combine(zero, *inner, [](double a, double b) { return a - b; });
    }
    if (take('(')) {
      auto inner = expression();
      if (!inner) return inner;
      if (!take(')')) return fail("Missing ')'");
      return inner;
    }
    const char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      double number = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), number);
      if (ec != std::errc()) return fail("Invalid number");
      pos_ = static_cast<std::size_t>(end - text_.data());
      Value value;
      value.scalar = true;
      value.number = number;
      return value;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
      const std::string name(text_.substr(start, pos_ - start));
      skip();
      if (pos_ < text_.size() && text_[pos_] == '(') {
        ++pos_;
        return function(name);
      }
      auto it = inputs_.by_id.find(name);
      if (it == inputs_.by_id.end()) return fail("Unrecognized id " + name);
      Value value;
      value.series.push_back(it->second);
      return value;
    }
    return fail("Unexpected '" + std::string(1, c) + "'");
  }

  Result<Value> function(const std::string& name) {
    if (name == "METRICS") {
      std::string filter;
      skip();
      if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
        const char quote = text_[pos_++];
        const auto end = text_.find(quote, pos_);
        if (end == std::string_view::npos) return fail("Unterminated string");
        filter = std::string(text_.substr(pos_, end - pos_));
        pos_ = end + 1;
      }
      if (!take(')')) return fail("Missing ')'");
      Value value;
      value.array = true;
      for (const auto& id : inputs_.metric_ids) {
        auto it = inputs_.by_id.find(id);
        if (it == inputs_.by_id.end()) continue;
        if (!filter.empty() && it->second.id.find(filter) == std::string::npos &&
            it->second.label.find(filter) == std::string::npos) {
          continue;
        }
        value.series.push_back(it->second);
      }
      return value;
    }
    auto argument = expression();
    if (!argument) return argument;
    if (!take(')')) return fail("Missing ')' after " + name + " argument");
    if (name == "RATE") return rate(*argument);
    std::function<double(const std::vector<double>&)> reduce;
    if (name == "SUM") reduce = [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x; return s; };
    else if (name == "AVG") reduce = [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x; return v.empty() ? std::nan("") : s / static_cast<double>(v.size()); };
    else if (name == "MIN") reduce = [](const std::vector<double>& v) { double m = std::numeric_limits<double>::infinity(); for (double x : v) m = std::min(m, x); return m; };
    else if (name == "MAX") reduce = [](const std::vector<double>& v) { double m = -std::numeric_limits<double>::infinity(); for (double x : v) m = std::max(m, x); return m; };
    else return fail("Unknown function " + name);
    const Value& in = *argument;
    if (in.scalar) return in;
    if (!in.array && in.series.size() == 1) {
      // One series: the function of all its values.
      Value out;
      out.scalar = true;
      out.number = in.series[0].values.empty() ? std::nan("") : reduce(in.series[0].values);
      return out;
    }
    // An array: point by point over the timestamps any series has.
    std::map<std::int64_t, std::vector<double>> points;
    for (const auto& series : in.series) {
      for (std::size_t i = 0; i < series.timestamps.size(); ++i) points[series.timestamps[i]].push_back(series.values[i]);
    }
    Value out;
    TimeSeries result;
    for (const auto& [t, values] : points) {
      const double v = reduce(values);
      if (std::isfinite(v)) result.timestamps.push_back(t), result.values.push_back(v);
    }
    out.series.push_back(std::move(result));
    return out;
  }

  Result<Value> rate(const Value& in) {
    if (in.scalar) return fail("RATE needs a time series");
    Value out;
    out.array = in.array;
    for (const auto& series : in.series) {
      TimeSeries result;
      result.id = series.id;
      result.label = series.label;
      for (std::size_t i = 1; i < series.timestamps.size(); ++i) {
        const double dt = static_cast<double>(series.timestamps[i] - series.timestamps[i - 1]);
        if (dt <= 0) continue;
        result.timestamps.push_back(series.timestamps[i]);
        result.values.push_back((series.values[i] - series.values[i - 1]) / dt);
      }
      out.series.push_back(std::move(result));
    }
    return out;
  }

  template <typename Op>
  Value combine(const Value& a, const Value& b, Op op) {
    Value out;
    if (a.scalar && b.scalar) {
      out.scalar = true;
      out.number = op(a.number, b.number);
      return out;
    }
    auto with_scalar = [&](const Value& series, double number, bool series_left) {
      Value result;
      result.array = series.array;
      for (const auto& s : series.series) {
        TimeSeries r;
        r.id = s.id;
        r.label = s.label;
        for (std::size_t i = 0; i < s.timestamps.size(); ++i) {
          const double v = series_left ? op(s.values[i], number) : op(number, s.values[i]);
          if (std::isfinite(v)) r.timestamps.push_back(s.timestamps[i]), r.values.push_back(v);
        }
        result.series.push_back(std::move(r));
      }
      return result;
    };
    if (a.scalar) return with_scalar(b, a.number, false);
    if (b.scalar) return with_scalar(a, b.number, true);
    // Series with series: pairwise when the sizes match, else each of the longer with the first.
    out.array = a.array || b.array;
    const std::size_t n = std::max(a.series.size(), b.series.size());
    for (std::size_t k = 0; k < n; ++k) {
      const TimeSeries& x = a.series.size() == 1 ? a.series[0] : a.series[std::min(k, a.series.size() - 1)];
      const TimeSeries& y = b.series.size() == 1 ? b.series[0] : b.series[std::min(k, b.series.size() - 1)];
      TimeSeries r;
      r.id = a.series.size() >= b.series.size() ? x.id : y.id;
      r.label = a.series.size() >= b.series.size() ? x.label : y.label;
      std::size_t i = 0, j = 0;
      while (i < x.timestamps.size() && j < y.timestamps.size()) {
        if (x.timestamps[i] < y.timestamps[j]) ++i;
        else if (y.timestamps[j] < x.timestamps[i]) ++j;
        else {
          const double v = op(x.values[i], y.values[j]);
          if (std::isfinite(v)) r.timestamps.push_back(x.timestamps[i]), r.values.push_back(v);
          ++i, ++j;
        }
      }
      out.series.push_back(std::move(r));
    }
    return out;
  }

  std::string_view id_;
  std::string_view text_;
  const MathInputs& inputs_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::vector<TimeSeries>> evaluate_expression(std::string_view id, std::string_view expression,
                                                    const MathInputs& inputs) {
  Parser parser(id, expression, inputs);
  auto value = parser.parse();
  if (!value) return value.error();
  std::vector<TimeSeries> out;
  if (value->scalar) {
    TimeSeries series;
    if (std::isfinite(value->number)) {
      for (std::int64_t t : inputs.grid) series.timestamps.push_back(t), series.values.push_back(value->number);
    }
    out.push_back(std::move(series));
  } else {
    out = std::move(value->series);
  }
  const bool several = out.size() > 1;
  for (auto& series : out) {
    if (!several || series.label.empty()) series.label = std::string(id);
    series.id = std::string(id);
  }
  return out;
}

std::vector<std::string> referenced_ids(std::string_view expression) {
  std::vector<std::string> ids;
  std::size_t i = 0;
  while (i < expression.size()) {
    if (expression[i] == '\'' || expression[i] == '"') {
      const auto end = expression.find(expression[i], i + 1);
      i = end == std::string_view::npos ? expression.size() : end + 1;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(expression[i]))) {
      const std::size_t start = i;
      while (i < expression.size() && (std::isalnum(static_cast<unsigned char>(expression[i])) || expression[i] == '_')) ++i;
      std::size_t j = i;
      while (j < expression.size() && std::isspace(static_cast<unsigned char>(expression[j]))) ++j;
      if (j < expression.size() && expression[j] == '(') {
        if (expression.substr(start, i - start) == "METRICS") ids.push_back("METRICS()");
        continue;
      }
      ids.emplace_back(expression.substr(start, i - start));
      continue;
    }
    ++i;
  }
  return ids;
}

}  // namespace kwb::emulator::cloudwatch
