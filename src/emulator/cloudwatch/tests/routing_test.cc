// CloudWatch, STS and Kinesis behind one Router: each request reaches its own service whatever order
// the services were registered in (CloudWatch used to claim every form body with Action=, so STS
// had to be registered first), and a Query request for a service the emulator does not have gets
// the Router's UnknownServiceOrOperation answer, not a CloudWatch or Kinesis error.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "emulator/backend.h"
#include "emulator/cloudwatch/metric_store.h"
#include "emulator/cloudwatch/service.h"
#include "emulator/kinesis_handler.h"
#include "emulator/observer.h"
#include "emulator/sts_handler.h"

namespace kwb::emulator::cloudwatch {
namespace {

constexpr std::string_view kForm = "application/x-www-form-urlencoded; charset=utf-8";

// A POST to "/" as awscli and boto3 send it; `service` empty means unsigned.
ApiRequest post(std::string_view body, std::string_view service, std::string_view content_type = kForm,
                std::string_view amz_target = "") {
  ApiRequest request;
  request.method = "POST";
  request.target = "/";
  request.content_type = content_type;
  request.body = body;
  request.amz_target = amz_target;
  request.signing_service = service;
  request.signing_region = service.empty() ? "" : "us-east-1";
  return request;
}

class RoutingTest : public ::testing::Test {
 protected:
  RoutingTest() : backend_(config(), clock_, random_), kinesis_(backend_, observer_) {}

  static const EmulatorConfig& config() {
    // Six ListStreams in a row at a pinned clock: no control-plane rate limit.
    static const EmulatorConfig c = [] {
      EmulatorConfig cfg;
      cfg.limits.control_plane_limits = false;
      return cfg;
    }();
    return c;
  }

  // Every registration order of the three services.
  std::vector<std::vector<ServiceHandler*>> orders() {
    std::vector<ServiceHandler*> handlers = {&cloudwatch_, &sts_, &kinesis_};
    std::sort(handlers.begin(), handlers.end());
    std::vector<std::vector<ServiceHandler*>> out;
    do out.push_back(handlers);
    while (std::next_permutation(handlers.begin(), handlers.end()));
    return out;
  }

  static Router router_of(const std::vector<ServiceHandler*>& handlers) {
    Router router;
    for (ServiceHandler* handler : handlers) router.add(*handler);
    return router;
  }

  ManualClock clock_{SystemTimePoint(std::chrono::seconds(1'700'000'000))};
  SeededRandom random_{5};
  NoopObserver observer_;
  Backend backend_;
  KinesisHandler kinesis_;
  MetricStore store_;
  CloudWatchService cloudwatch_{store_, clock_, "000000000000", "us-east-1"};
  StsHandler sts_{"123456789012"};
};

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST_F(RoutingTest, EveryRequestReachesItsServiceInEveryRegistrationOrder) {
  const auto all = orders();
  ASSERT_EQ(all.size(), 6u);
  for (const auto& order : all) {
    const Router router = router_of(order);
    SCOPED_TRACE("order: cloudwatch@" + std::to_string(std::find(order.begin(), order.end(), &cloudwatch_) - order.begin()) +
                 " sts@" + std::to_string(std::find(order.begin(), order.end(), &sts_) - order.begin()));

    // STS, signed (aws sts get-caller-identity) and unsigned.
    for (std::string_view service : {"sts", ""}) {
      const ApiResponse r = router.route(post("Action=GetCallerIdentity&Version=2011-06-15", service));
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_TRUE(contains(r.body, "<GetCallerIdentityResponse")) << r.body;
    }
    // An STS action the emulator lacks is still STS's to refuse (its InvalidAction), not CloudWatch's.
    const ApiResponse assume = router.route(post("Action=AssumeRole&Version=2011-06-15", "sts"));
    EXPECT_EQ(assume.status, 400);
    EXPECT_TRUE(contains(assume.body, "sts.amazonaws.com/doc/2011-06-15")) << assume.body;

    // CloudWatch Query, signed (aws cloudwatch list-metrics) and unsigned; JSON 1.0.
    for (std::string_view service : {"monitoring", ""}) {
      const ApiResponse r = router.route(post("Action=ListMetrics&Version=2010-08-01", service));
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_TRUE(contains(r.body, "<ListMetricsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"))
          << r.body;
    }
    const ApiResponse json = router.route(post("{}", "monitoring", "application/x-amz-json-1.0",
                                               "GraniteServiceVersion20100801.ListMetrics"));
    EXPECT_EQ(json.status, 200) << json.body;
    EXPECT_TRUE(nlohmann::json::parse(json.body).contains("Metrics")) << json.body;

    // Kinesis JSON 1.1.
    const ApiResponse kinesis = router.route(post("{}", "kinesis", "application/x-amz-json-1.1", "Kinesis_20131202.ListStreams"));
    EXPECT_EQ(kinesis.status, 200) << kinesis.body;
    EXPECT_TRUE(nlohmann::json::parse(kinesis.body).contains("StreamNames")) << kinesis.body;
  }
}

TEST_F(RoutingTest, QueryRequestsForOtherServicesGetTheUnknownServiceAnswer) {
  for (const auto& order : orders()) {
    const Router router = router_of(order);
    // Signed for SQS, unsigned SQS, and a CloudWatch-sounding action under another API version.
    const ApiRequest requests[] = {
        post("Action=ListQueues&Version=2012-11-05", "sqs"),
        post("Action=SendMessage&Version=2012-11-05&MessageBody=hi", ""),
        post("Action=TagResource&Version=2010-03-31", ""),
    };
    for (const ApiRequest& request : requests) {
      SCOPED_TRACE(std::string(request.body));
      const ApiResponse r = router.route(request);
      EXPECT_EQ(r.status, 404) << r.body;
      const auto body = nlohmann::json::parse(r.body);
      EXPECT_EQ(body["__type"], "UnknownServiceOrOperation");
      const std::string message = body["message"];
      const std::string action(request.body.substr(7, request.body.find('&') - 7));
      EXPECT_TRUE(contains(message, "Action " + action)) << message;
      EXPECT_FALSE(contains(r.body, "monitoring.amazonaws.com")) << "a CloudWatch error: " << r.body;
    }
    const ApiResponse sqs = router.route(requests[0]);
    EXPECT_TRUE(contains(nlohmann::json::parse(sqs.body)["message"].get<std::string>(), "service sqs")) << sqs.body;
  }
}

TEST_F(RoutingTest, UnknownServiceAnswerSurvivesBytesThatAreNotUtf8) {
  const Router router = router_of({&cloudwatch_, &sts_, &kinesis_});
  const ApiResponse r = router.route(post("Action=\xff\xfe&Version=1", ""));
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(nlohmann::json::parse(r.body, nullptr, false).is_discarded()) << r.body;
}

}  // namespace
}  // namespace kwb::emulator::cloudwatch
