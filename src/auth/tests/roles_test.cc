#include "auth/roles.h"

#include <gtest/gtest.h>

namespace kwb::auth {
namespace {

TEST(Roles, ParseAndPrintRoundTrip) {
  for (Role role : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    auto parsed = parse_role(to_string(role));
    ASSERT_TRUE(parsed.has_value()) << to_string(role);
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(to_string(Role::kOperator), "operator");
}

TEST(Roles, OnlyExactLowerCaseNamesParse) {
  EXPECT_FALSE(parse_role("Admin").has_value());
  EXPECT_FALSE(parse_role(" admin").has_value());
  EXPECT_FALSE(parse_role("root").has_value());
  EXPECT_FALSE(parse_role("").has_value());
}

TEST(Roles, Permissions) {
  EXPECT_FALSE(can_write(Role::kViewer));
  EXPECT_TRUE(can_write(Role::kOperator));
  EXPECT_TRUE(can_write(Role::kAdmin));
  EXPECT_FALSE(can_admin(Role::kViewer));
  EXPECT_FALSE(can_admin(Role::kOperator));
  EXPECT_TRUE(can_admin(Role::kAdmin));
}

}  // namespace
}  // namespace kwb::auth
