#include "http/message.h"

#include <algorithm>

#include "core/encoding.h"

namespace kwb::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Field& field) { return iequals(field.first, name); });
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Request::path() const {
  const std::string_view all(target);
  return all.substr(0, all.find('?'));
}

std::string_view Request::query() const {
  const std::string_view all(target);
  const auto mark = all.find('?');
  return mark == std::string_view::npos ? std::string_view{} : all.substr(mark + 1);
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query();
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = uri_decode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return uri_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

Response Response::text(int status, std::string content_type, std::string body) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

}  // namespace kwb::http
