// Batched GetMetricData: splitting at 500, id handling, expression groups, paging merge, the
// parallelism bound and error propagation. The fake service answers each request from the ids
// and dimensions it carries, so a mix-up between requests shows as a wrong label.

#include "cloudwatch/metric_batcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "cloudwatch/tests/fake_cloudwatch.h"

namespace kwb::cloudwatch {
namespace {

using testing::Fixture;
using testing::form_params;
using testing::xml_response;

const std::vector<std::string> kMetrics = {"IncomingBytes",
                                           "IncomingRecords",
                                           "PutRecords.Latency",
                                           "PutRecords.FailedRecords",
                                           "GetRecords.Bytes",
                                           "GetRecords.IteratorAgeMilliseconds",
                                           "WriteProvisionedThroughputExceeded",
                                           "ReadProvisionedThroughputExceeded"};

MetricDataQuery stat_query(const std::string& id, const std::string& metric, const std::string& stream) {
  MetricDataQuery q;
  q.id = id;
  q.metric_stat = MetricStat{Metric{"AWS/Kinesis", metric, {{"StreamName", stream}}}, 300, "Sum", {}};
  return q;
}

MetricDataQuery expression_query(const std::string& id, const std::string& expression) {
  MetricDataQuery q;
  q.id = id;
  q.expression = expression;
  return q;
}

// How many queries a Query-protocol GetMetricData body carries.
std::size_t query_count(const std::map<std::string, std::string>& params) {
  std::size_t n = 0;
  while (params.count("MetricDataQueries.member." + std::to_string(n + 1) + ".Id")) ++n;
  return n;
}

// Answers every query with one datapoint labelled "<metric>/<stream>" (or the expression).
aws::HttpResponse answer_each_query(const aws::HttpRequest& request) {
  const auto params = form_params(request.body);
  std::string body =
      R"(<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult><MetricDataResults>)";
  const std::size_t count = query_count(params);
  for (std::size_t i = 1; i <= count; ++i) {
    const std::string prefix = "MetricDataQueries.member." + std::to_string(i) + ".";
    std::string label = params.count(prefix + "Expression")
                            ? params.at(prefix + "Expression")
                            : params.at(prefix + "MetricStat.Metric.MetricName") + "/" +
                                  params.at(prefix + "MetricStat.Metric.Dimensions.member.1.Value");
    body += "<member><Id>" + params.at(prefix + "Id") + "</Id><Label>" + label +
            "</Label><Timestamps><member>2015-08-30T12:30:00Z</member></Timestamps><Values><member>" +
            std::to_string(i) + "</member></Values><StatusCode>Complete</StatusCode></member>";
  }
  body += "</MetricDataResults></GetMetricDataResult></GetMetricDataResponse>";
  return xml_response(200, body);
}

TEST(MetricBatcher, EightThousandQueriesTakeSixteenRequests) {
  Fixture fx(answer_each_query);
  Client client = fx.client();
  std::vector<MetricDataQuery> queries;
  for (int s = 0; s < 1000; ++s) {
    for (const auto& metric : kMetrics) queries.push_back(stat_query("", metric, "stream-" + std::to_string(s)));
  }
  MetricBatcher batcher(client);
  Result<BatchedMetricData> data =
      batcher.fetch(queries, testing::test_now() - std::chrono::hours(3), testing::test_now());
  ASSERT_TRUE(data.ok()) << data.error();

  const auto requests = fx.requests();
  EXPECT_EQ(requests.size(), 16u);
  std::set<std::string> ids_sent;
  for (const auto& request : requests) {
    const auto params = form_params(request.body);
    EXPECT_EQ(params.at("Action"), "GetMetricData");
    const std::size_t count = query_count(params);
    EXPECT_LE(count, 500u);
    for (std::size_t i = 1; i <= count; ++i) {
      EXPECT_TRUE(ids_sent.insert(params.at("MetricDataQueries.member." + std::to_string(i) + ".Id")).second);
    }
  }
  EXPECT_EQ(ids_sent.size(), 8000u);
  EXPECT_EQ(data->stats.batches, 16);
  EXPECT_EQ(data->stats.requests, 16);
  EXPECT_EQ(data->stats.largest_batch, 500u);
  ASSERT_EQ(data->results.size(), 8000u);
  ASSERT_EQ(data->ids.size(), 8000u);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const std::string& id = data->ids[i];
    ASSERT_TRUE(is_valid_query_id(id)) << id;
    const MetricDataResult& r = data->results.at(id);
    const std::string expected =
        queries[i].metric_stat->metric.metric_name + "/" + queries[i].metric_stat->metric.dimensions[0].value;
    ASSERT_EQ(r.label, expected) << "query " << i;
    ASSERT_EQ(r.values.size(), 1u);
  }
  EXPECT_LE(fx.max_in_flight(), 4);
}

TEST(MetricBatcher, NextTokenPagesMergePerId) {
  Fixture fx([](const aws::HttpRequest& request) {
    const auto params = form_params(request.body);
    EXPECT_EQ(query_count(params), 2u);  // every page repeats the same queries
    if (!params.count("NextToken")) {
      return xml_response(200, R"(<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <GetMetricDataResult>
    <MetricDataResults>
      <member><Id>m1</Id><Label>IncomingBytes</Label>
        <Timestamps><member>2015-08-30T12:35:00Z</member><member>2015-08-30T12:34:00Z</member></Timestamps>
        <Values><member>3</member><member>2</member></Values><StatusCode>PartialData</StatusCode></member>
      <member><Id>m2</Id><Label>IncomingRecords</Label>
        <Timestamps><member>2015-08-30T12:35:00Z</member></Timestamps>
        <Values><member>30</member></Values><StatusCode>PartialData</StatusCode></member>
    </MetricDataResults>
    <NextToken>t1</NextToken>
  </GetMetricDataResult>
</GetMetricDataResponse>)");
    }
    EXPECT_EQ(params.at("NextToken"), "t1");
    return xml_response(200, R"(<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <GetMetricDataResult>
    <MetricDataResults>
      <member><Id>m1</Id><Label>IncomingBytes</Label>
        <Timestamps><member>2015-08-30T12:33:00Z</member></Timestamps>
        <Values><member>1</member></Values><StatusCode>Complete</StatusCode></member>
      <member><Id>m2</Id><Label>IncomingRecords</Label>
        <Timestamps><member>2015-08-30T12:34:00Z</member></Timestamps>
        <Values><member>20</member></Values><StatusCode>Complete</StatusCode></member>
    </MetricDataResults>
  </GetMetricDataResult>
</GetMetricDataResponse>)");
  });
  Client client = fx.client();
  MetricBatcher batcher(client);
  Result<BatchedMetricData> data =
      batcher.fetch({stat_query("m1", "IncomingBytes", "s"), stat_query("m2", "IncomingRecords", "s")},
                    testing::test_now() - std::chrono::hours(1), testing::test_now());
  ASSERT_TRUE(data.ok()) << data.error();
  EXPECT_EQ(data->stats.batches, 1);
  EXPECT_EQ(data->stats.requests, 2);
  const MetricDataResult& m1 = data->results.at("m1");
  EXPECT_EQ(m1.values, (std::vector<double>{3, 2, 1}));
  ASSERT_EQ(m1.timestamps.size(), 3u);
  EXPECT_EQ(m1.timestamps[2], testing::test_now() - std::chrono::minutes(3));
  EXPECT_EQ(m1.status_code, StatusCode::kComplete);
  EXPECT_EQ(data->results.at("m2").values, (std::vector<double>{30, 20}));
}

TEST(MetricBatcher, RunsAtMostMaxParallelRequestsAtOnce) {
  // The first four requests wait for each other, so a batcher that ran them one by one would
  // show max_in_flight == 1 (after a timeout) and fail.
  std::mutex mutex;
  std::condition_variable arrived_cv;
  int arrived = 0;
  Fixture fx([&](const aws::HttpRequest& request) {
    {
      std::unique_lock lock(mutex);
      ++arrived;
      arrived_cv.notify_all();
      arrived_cv.wait_for(lock, std::chrono::seconds(10), [&] { return arrived >= 4; });
    }
    return answer_each_query(request);
  });
  Client client = fx.client();
  std::vector<MetricDataQuery> queries;
  for (int i = 0; i < 10; ++i) queries.push_back(stat_query("", "IncomingBytes", "s" + std::to_string(i)));
  BatchOptions options;
  options.max_parallel = 4;
  options.max_queries_per_request = 1;
  MetricBatcher batcher(client, options);
  Result<BatchedMetricData> data =
      batcher.fetch(queries, testing::test_now() - std::chrono::hours(1), testing::test_now());
  ASSERT_TRUE(data.ok()) << data.error();
  EXPECT_EQ(fx.requests().size(), 10u);
  EXPECT_EQ(fx.max_in_flight(), 4);
  EXPECT_EQ(data->results.size(), 10u);
}

TEST(MetricBatcher, FirstErrorStopsAndSurfaces) {
  Fixture fx([](const aws::HttpRequest& request) {
    const auto params = form_params(request.body);
    if (params.at("MetricDataQueries.member.1.Id") == "q2") {
      return xml_response(400, R"(<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <Error><Type>Sender</Type><Code>InvalidParameterCombination</Code><Message>bad mix</Message></Error>
  <RequestId>x</RequestId></ErrorResponse>)");
    }
    return answer_each_query(request);
  });
  Client client = fx.client();
  std::vector<MetricDataQuery> queries;
  for (int i = 0; i < 6; ++i) queries.push_back(stat_query("", "IncomingBytes", "s" + std::to_string(i)));
  BatchOptions options;
  options.max_parallel = 1;
  options.max_queries_per_request = 2;
  MetricBatcher batcher(client, options);
  Result<BatchedMetricData> data =
      batcher.fetch(queries, testing::test_now() - std::chrono::hours(1), testing::test_now());
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(data.error().code, "InvalidParameterCombination");
  EXPECT_EQ(fx.requests().size(), 2u);  // the third request never started
}

TEST(MetricBatcherPlan, ExpressionsStayWithTheQueriesTheyName) {
  std::vector<MetricDataQuery> queries = {stat_query("a", "IncomingBytes", "s"), stat_query("b", "IncomingBytes", "t"),
                                          stat_query("c", "IncomingRecords", "s"), expression_query("e", "a + c * 2e3"),
                                          stat_query("d", "IncomingBytes", "u")};
  Result<std::vector<std::vector<std::size_t>>> plan = plan_metric_batches(queries, 3);
  ASSERT_TRUE(plan.ok()) << plan.error();
  EXPECT_EQ(*plan, (std::vector<std::vector<std::size_t>>{{0, 2, 3}, {1, 4}}));
}

TEST(MetricBatcherPlan, MetricsFunctionNeedsEveryQueryInOneRequest) {
  std::vector<MetricDataQuery> queries = {stat_query("a", "IncomingBytes", "s"), stat_query("b", "IncomingBytes", "t"),
                                          expression_query("total", "SUM(METRICS())")};
  Result<std::vector<std::vector<std::size_t>>> fits = plan_metric_batches(queries, 3);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->size(), 1u);
  Result<std::vector<std::vector<std::size_t>>> too_big = plan_metric_batches(queries, 2);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().kind, ErrorKind::kInvalidInput);
}

TEST(MetricBatcherPlan, IdsArePreservedGeneratedAndChecked) {
  std::vector<MetricDataQuery> queries = {stat_query("q1", "IncomingBytes", "s"), stat_query("", "IncomingBytes", "t"),
                                          stat_query("", "IncomingBytes", "u")};
  ASSERT_TRUE(plan_metric_batches(queries, 500).ok());
  EXPECT_EQ(queries[0].id, "q1");
  EXPECT_EQ(queries[1].id, "q1_");  // "q1" was taken by the caller
  EXPECT_EQ(queries[2].id, "q2");

  std::vector<MetricDataQuery> bad = {stat_query("Upper", "IncomingBytes", "s")};
  Result<std::vector<std::vector<std::size_t>>> r1 = plan_metric_batches(bad, 500);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().field, "queries[0].Id");

  std::vector<MetricDataQuery> dup = {stat_query("m", "IncomingBytes", "s"), stat_query("m", "IncomingBytes", "t")};
  Result<std::vector<std::vector<std::size_t>>> r2 = plan_metric_batches(dup, 500);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().field, "queries[1].Id");
}

}  // namespace
}  // namespace kwb::cloudwatch
