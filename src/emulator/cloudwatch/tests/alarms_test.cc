#include "emulator/cloudwatch/alarms.h"

#include <gtest/gtest.h>

namespace kwb::emulator::cloudwatch {
namespace {

// "X" breaching, "0" not breaching, "-" missing; oldest first. 3 of 3, threshold 10, >.
std::vector<std::optional<double>> points(std::string_view pattern) {
  std::vector<std::optional<double>> out;
  for (char c : pattern) out.push_back(c == 'X' ? std::optional(20.0) : c == '0' ? std::optional(1.0) : std::nullopt);
  return out;
}

struct Case {
  const char* pattern;
  MissingData treat;
  AlarmState current;
  AlarmState expected;
};

TEST(AlarmEvaluation, TreatMissingDataTable) {
  using S = AlarmState;
  using M = MissingData;
  const Case cases[] = {
      {"000", M::kMissing, S::kAlarm, S::kOk},
      {"XXX", M::kMissing, S::kOk, S::kAlarm},
      {"0XX", M::kMissing, S::kOk, S::kOk},
      {"XX-", M::kMissing, S::kOk, S::kAlarm},
      {"--X", M::kMissing, S::kOk, S::kAlarm},
      {"0X-", M::kMissing, S::kAlarm, S::kOk},
      {"---", M::kMissing, S::kOk, S::kInsufficientData},
      {"---", M::kIgnore, S::kAlarm, S::kAlarm},
      {"---", M::kIgnore, S::kOk, S::kOk},
      {"XX-", M::kIgnore, S::kOk, S::kAlarm},
      {"---", M::kBreaching, S::kOk, S::kAlarm},
      {"XX-", M::kBreaching, S::kOk, S::kAlarm},
      {"0--", M::kBreaching, S::kOk, S::kOk},
      {"---", M::kNotBreaching, S::kAlarm, S::kOk},
      {"XX-", M::kNotBreaching, S::kAlarm, S::kOk},
      {"XXX", M::kNotBreaching, S::kOk, S::kAlarm},
  };
  for (const Case& c : cases) {
    EvaluationInput in;
    in.values = points(c.pattern);
    in.threshold = 10;
    in.datapoints_to_alarm = 3;
    in.missing = c.treat;
    in.current = c.current;
    EXPECT_EQ(evaluate(in).state, c.expected) << c.pattern << " " << to_string(c.treat);
  }
}

TEST(AlarmEvaluation, MOfN) {
  EvaluationInput in;
  in.values = points("X0X0X");
  in.threshold = 10;
  in.datapoints_to_alarm = 3;
  EXPECT_EQ(evaluate(in).state, AlarmState::kAlarm);
  in.datapoints_to_alarm = 4;
  EXPECT_EQ(evaluate(in).state, AlarmState::kOk);
  in.comparison = Comparison::kLessOrEqual;
  in.values = {10.0, 10.0, 11.0, 12.0, 13.0};
  in.datapoints_to_alarm = 2;
  EXPECT_EQ(evaluate(in).state, AlarmState::kAlarm);
}

}  // namespace
}  // namespace kwb::emulator::cloudwatch
