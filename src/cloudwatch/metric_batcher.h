#pragma once
// GetMetricData for any number of queries: CloudWatch takes at most 500 queries per call and
// pages long answers, so reading 8 metrics for 1,000 streams (8,000 queries) is 16 calls, which
// this runs a few at a time and merges back into one result per query id.
//
// The rules (also in docs/cloudwatch.md):
//   - Ids. A query's id is kept when given; it must match ^[a-z][a-zA-Z0-9_]*$ and be unique
//     (else kInvalidInput before anything is sent). Empty ids are filled with "q<N>" (N the
//     query's input position, with '_' appended until no given id clashes).
//   - Splitting. Metric-math expressions can only see queries in the same call, so a query and
//     every query its expression names (or all queries, for METRICS()) form one group; groups
//     are packed in input order into requests of at most max_queries_per_request (next-fit, so
//     N plain queries take exactly ceil(N / 500) requests). A group bigger than one request is
//     kInvalidInput.
//   - Paging. Each request follows NextToken; page results are appended per id in page order
//     (so the ScanBy order is kept), the last page's StatusCode wins.
//   - Parallelism. At most max_parallel requests are in flight: the calling thread and
//     max_parallel - 1 std::jthreads take requests from a shared counter. After the first
//     failure no new request starts, and the error of the earliest failed request is returned.
//
// Ownership: borrows the Client, which must outlive the batcher. Thread-safe: fetch() is const
// and may run concurrently; each call uses only its own state.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloudwatch/client.h"
#include "cloudwatch/types.h"
#include "core/result.h"

namespace kwb::cloudwatch {

struct BatchOptions {
  int max_parallel = 4;                       // requests in flight, 1..64
  std::size_t max_queries_per_request = 500;  // CloudWatch's limit; lower only for tests
  int max_pages_per_request = 1000;           // guard against a server that never stops paging
  std::optional<ScanBy> scan_by;
  std::optional<int> max_datapoints;
};

struct BatchStats {
  int batches = 0;   // query groups sent, one GetMetricData call each before paging
  int requests = 0;  // GetMetricData calls, follow-up pages included
  int attempts = 0;  // HTTP attempts, retries included
  std::size_t largest_batch = 0;
};

struct BatchedMetricData {
  std::map<std::string, MetricDataResult> results;  // by query id; ReturnData=false queries are absent
  std::vector<std::string> ids;                     // the id of each input query, in input order
  std::vector<MessageData> messages;                // request-level messages of every page
  BatchStats stats;
};

// Fills empty ids, checks ids, and splits the queries into requests by the rules above.
// Returns the query indexes of each request. Exposed for tests.
[[nodiscard]] Result<std::vector<std::vector<std::size_t>>> plan_metric_batches(std::vector<MetricDataQuery>& queries,
                                                                                std::size_t max_queries_per_request);

class MetricBatcher {
 public:
  // REQUIRES: client outlives the batcher.
  explicit MetricBatcher(const Client& client, BatchOptions options = {});

  // All queries over one time range. REQUIRES (else kInvalidInput): start < end, at least one query.
  [[nodiscard]] Result<BatchedMetricData> fetch(std::vector<MetricDataQuery> queries, SystemTimePoint start,
                                                SystemTimePoint end) const;

 private:
  const Client& client_;
  BatchOptions options_;
};

}  // namespace kwb::cloudwatch
