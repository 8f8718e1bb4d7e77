#include <gtest/gtest.h>

#include <sstream>

#include "core/named_type.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error::invalid_input("Limit", "must be positive");
  return v;
}

Status chain(int v) {
  KWB_RETURN_IF_ERROR(parse_positive(v));
  return ok_status();
}

TEST(Result, CarriesValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(bad.error().field, "Limit");
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(Result, ReturnIfErrorPropagates) {
  EXPECT_TRUE(chain(1).ok());
  Status s = chain(0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "must be positive");
}

TEST(Error, DescribeIncludesCode) {
  Error e = Error::not_found("stream 'x' not found in us-east-1");
  e.code = "ResourceNotFoundException";
  EXPECT_EQ(e.describe(), "stream 'x' not found in us-east-1 (ResourceNotFoundException)");
}

TEST(Secret, NeverPrintsItself) {
  Secret s("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "****");
  EXPECT_EQ(s.reveal(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
}

TEST(NamedString, ComparesAndPrints) {
  StreamName a("orders");
  StreamName b("orders");
  EXPECT_EQ(a, b);
  std::ostringstream out;
  out << a;
  EXPECT_EQ(out.str(), "orders");
}

}  // namespace
}  // namespace kwb
