#include "http/message.h"

#include <gtest/gtest.h>

namespace kwb::http {
namespace {

TEST(HeadersTest, LookupIsCaseInsensitiveAndKeepsEveryField) {
  Headers headers;
  headers.add("X-Amz-Date", "20150830T123600Z");
  headers.add("x-amz-date", "second");
  headers.add("Content-Type", "application/json");
  EXPECT_EQ(headers.get("X-AMZ-DATE"), "20150830T123600Z");
  EXPECT_EQ(headers.size(), 3u);
  EXPECT_FALSE(headers.find("Authorization").has_value());
  EXPECT_EQ(headers.get("authorization"), "");
}

TEST(HeadersTest, SetReplacesEveryFieldOfThatName) {
  Headers headers;
  headers.add("Retry-After", "1");
  headers.add("retry-after", "2");
  headers.set("RETRY-AFTER", "3");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.get("Retry-After"), "3");
}

TEST(RequestTest, SplitsPathAndQueryAndDecodesParameters) {
  Request request;
  request.target = "/api/streams?limit=10&name=a%20b&flag&plus=x+y";
  EXPECT_EQ(request.path(), "/api/streams");
  EXPECT_EQ(request.query(), "limit=10&name=a%20b&flag&plus=x+y");
  EXPECT_EQ(request.query_param("limit"), "10");
  EXPECT_EQ(request.query_param("name"), "a b");
  EXPECT_EQ(request.query_param("flag"), "");
  EXPECT_EQ(request.query_param("plus"), "x y");
  EXPECT_FALSE(request.query_param("missing").has_value());
}

TEST(RequestTest, NoQuery) {
  Request request;
  request.target = "/healthz";
  EXPECT_EQ(request.path(), "/healthz");
  EXPECT_EQ(request.query(), "");
}

}  // namespace
}  // namespace kwb::http
