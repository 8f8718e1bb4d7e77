#pragma once
// Small string helpers shared by every module.

#include <string>
#include <string_view>
#include <vector>

namespace kwb {

std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
// "1.5 MiB" style, for people.
std::string human_bytes(double bytes);

}  // namespace kwb
