#pragma once
// The three roles of `kwb serve` and what each may do.
//
//   viewer   — read everything (streams, analyses, audit log)
//   operator — viewer + writes to AWS (create, scale, tag, delete streams; apply recommendations)
//   admin    — operator + user management
//
// Roles are ordered by privilege, so "at least operator" is one comparison. Stored and sent on
// the wire (JWT `role` claim, users.role column) as the lower-case names above.

#include <optional>
#include <string_view>

namespace kwb::auth {

enum class Role { kViewer = 0, kOperator = 1, kAdmin = 2 };

// Exact, lower-case names only: a role arrives in signed tokens and database rows, where any
// other spelling means something is wrong, not a typo to forgive.
[[nodiscard]] std::optional<Role> parse_role(std::string_view text);
[[nodiscard]] std::string_view to_string(Role role);

[[nodiscard]] constexpr bool can_write(Role role) { return role >= Role::kOperator; }
[[nodiscard]] constexpr bool can_admin(Role role) { return role == Role::kAdmin; }

}  // namespace kwb::auth
