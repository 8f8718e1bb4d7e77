#include "cloudwatch/metric_batcher.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <numeric>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace kwb::cloudwatch {
namespace {

// Union-find over query indexes, for "these queries must travel together".
class Groups {
 public:
  explicit Groups(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t find(std::size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  // The smaller root wins, so a group's root is its first query in input order.
  void join(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> parent_;
};

// Identifiers an expression mentions: [A-Za-z_][A-Za-z0-9_]*. Function names (SUM, METRICS) come
// out too; they never match an id because ids start with a lower-case letter and functions are
// upper case.
std::vector<std::string> identifiers(std::string_view expression) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < expression.size()) {
    const char c = expression[i];
    if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
      const std::size_t start = i;
      while (i < expression.size() && word_char(expression[i])) ++i;
      out.emplace_back(expression.substr(start, i - start));
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      // A number, skipped whole so that "2e3" does not yield an identifier "e3".
      while (i < expression.size() && (word_char(expression[i]) || expression[i] == '.')) ++i;
    } else if (c == '"') {
      // A string literal: METRICS("m1") filters by label text, not by id.
      const std::size_t close = expression.find('"', i + 1);
      i = close == std::string_view::npos ? expression.size() : close + 1;
    } else {
      ++i;
    }
  }
  return out;
}

struct BatchOutcome {
  std::vector<MetricDataResult> results;  // merged over pages, one per returned id
  std::vector<MessageData> messages;
  CallCounters counters;
};

void merge_page(GetMetricDataPage& page, std::unordered_map<std::string, std::size_t>& index, BatchOutcome& outcome) {
  for (auto& r : page.results) {
    auto [it, inserted] = index.try_emplace(r.id, outcome.results.size());
    if (inserted) {
      outcome.results.push_back(std::move(r));
      continue;
    }
    MetricDataResult& into = outcome.results[it->second];
    if (into.label.empty()) into.label = std::move(r.label);
    into.timestamps.insert(into.timestamps.end(), r.timestamps.begin(), r.timestamps.end());
    into.values.insert(into.values.end(), r.values.begin(), r.values.end());
    into.status_code = r.status_code;  // PartialData on every page but the last
    for (auto& m : r.messages) into.messages.push_back(std::move(m));
  }
  for (auto& m : page.messages) outcome.messages.push_back(std::move(m));
}

}  // namespace

Result<std::vector<std::vector<std::size_t>>> plan_metric_batches(std::vector<MetricDataQuery>& queries,
                                                                  std::size_t max_queries_per_request) {
  if (max_queries_per_request == 0 || max_queries_per_request > 500) {
    return Error::invalid_input("max_queries_per_request", "must be between 1 and 500");
  }
  // Given ids first, so generated ones can avoid them.
  std::unordered_map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (queries[i].id.empty()) continue;
    const std::string field = "queries[" + std::to_string(i) + "].Id";
    if (!is_valid_query_id(queries[i].id)) {
      return Error::invalid_input(field, "query id '" + queries[i].id + "' must match ^[a-z][a-zA-Z0-9_]*$");
    }
    if (!by_id.emplace(queries[i].id, i).second) {
      return Error::invalid_input(field, "query id '" + queries[i].id + "' is used twice");
    }
  }
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (!queries[i].id.empty()) continue;
    std::string id = "q" + std::to_string(i);
    while (by_id.contains(id)) id += '_';
    queries[i].id = id;
    by_id.emplace(std::move(id), i);
  }
  for (std::size_t i = 0; i < queries.size(); ++i) {
    KWB_RETURN_IF_ERROR(validate_query(queries[i], "queries[" + std::to_string(i) + "]"));
  }

  Groups groups(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (!queries[i].expression) continue;
    for (const std::string& word : identifiers(*queries[i].expression)) {
      if (word == "METRICS") {
        // METRICS() sees every query of its request: all of them must share one.
        for (std::size_t j = 0; j < queries.size(); ++j) groups.join(i, j);
      } else if (auto it = by_id.find(word); it != by_id.end()) {
        groups.join(i, it->second);
      }
    }
  }
  std::vector<std::vector<std::size_t>> members;  // by group, groups in order of first query
  std::unordered_map<std::size_t, std::size_t> group_of_root;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto [it, inserted] = group_of_root.try_emplace(groups.find(i), members.size());
    if (inserted) members.emplace_back();
    members[it->second].push_back(i);
  }

  std::vector<std::vector<std::size_t>> batches;
  for (auto& group : members) {
    if (group.size() > max_queries_per_request) {
      return Error::invalid_input("queries", "query '" + queries[group.front()].id + "' and the " +
                                                 std::to_string(group.size() - 1) +
                                                 " queries its expressions refer to exceed " +
                                                 std::to_string(max_queries_per_request) + " per request");
    }
    if (batches.empty() || batches.back().size() + group.size() > max_queries_per_request) batches.emplace_back();
    batches.back().insert(batches.back().end(), group.begin(), group.end());
  }
  return batches;
}

MetricBatcher::MetricBatcher(const Client& client, BatchOptions options) : client_(client), options_(options) {}

Result<BatchedMetricData> MetricBatcher::fetch(std::vector<MetricDataQuery> queries, SystemTimePoint start,
                                               SystemTimePoint end) const {
  if (queries.empty()) return Error::invalid_input("queries", "no queries to fetch");
  if (!(start < end)) return Error::invalid_input("StartTime", "StartTime must be before EndTime");
  if (options_.max_parallel < 1 || options_.max_parallel > 64) {
    return Error::invalid_input("max_parallel", "must be between 1 and 64");
  }
  Result<std::vector<std::vector<std::size_t>>> plan = plan_metric_batches(queries, options_.max_queries_per_request);
  if (!plan) return std::move(plan).error();
  const std::vector<std::vector<std::size_t>>& batches = *plan;

  // One request's whole life: first page, then NextToken until done.
  auto run_batch = [&](const std::vector<std::size_t>& batch) -> Result<BatchOutcome> {
    GetMetricDataRequest request;
    request.start_time = start;
    request.end_time = end;
    request.scan_by = options_.scan_by;
    request.max_datapoints = options_.max_datapoints;
    request.queries.reserve(batch.size());
    std::set<std::string> asked;
    for (std::size_t i : batch) {
      request.queries.push_back(queries[i]);
      asked.insert(queries[i].id);
    }
    BatchOutcome outcome;
    std::unordered_map<std::string, std::size_t> index;
    for (int page_number = 0; page_number < options_.max_pages_per_request; ++page_number) {
      Result<GetMetricDataPage> page = client_.get_metric_data(request, &outcome.counters);
      if (!page) return std::move(page).error();
      for (const auto& r : page->results) {
        if (!asked.contains(r.id)) return Error::parse("GetMetricData answered for id '" + r.id + "' it was not asked");
      }
      merge_page(*page, index, outcome);
      if (!page->next_token) return outcome;
      if (request.next_token == page->next_token) {
        return Error::parse("GetMetricData returned the same NextToken twice");
      }
      request.next_token = std::move(page->next_token);
    }
    return Error::internal("GetMetricData still had more pages after " +
                           std::to_string(options_.max_pages_per_request));
  };

  std::vector<std::optional<Result<BatchOutcome>>> outcomes(batches.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (;;) {
      if (failed.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= batches.size()) return;
      // Each slot is written by exactly one worker; the joins below publish them.
      outcomes[i] = run_batch(batches[i]);
      if (!outcomes[i]->ok()) failed.store(true);
    }
  };
  {
    const std::size_t helpers =
        std::min<std::size_t>(static_cast<std::size_t>(options_.max_parallel), batches.size()) - 1;
    std::vector<std::jthread> pool;
    pool.reserve(helpers);
    for (std::size_t t = 0; t < helpers; ++t) {
      try {
        pool.emplace_back(worker);
      } catch (const std::system_error&) {
        break;  // no more threads available: the ones we have (and this one) do the work
      }
    }
    worker();
  }  // jthreads join here

  BatchedMetricData data;
  data.ids.reserve(queries.size());
  for (const auto& q : queries) data.ids.push_back(q.id);
  data.stats.batches = static_cast<int>(batches.size());
  for (const auto& batch : batches) data.stats.largest_batch = std::max(data.stats.largest_batch, batch.size());
  for (auto& outcome : outcomes) {
    if (!outcome) continue;  // never started because an earlier request failed
    if (!outcome->ok()) return std::move(*outcome).error();
  }
  for (auto& outcome : outcomes) {
    BatchOutcome& o = outcome->value();
    data.stats.requests += o.counters.requests;
    data.stats.attempts += o.counters.attempts;
    for (auto& r : o.results) {
      std::string id = r.id;
      data.results.emplace(std::move(id), std::move(r));
    }
    for (auto& m : o.messages) data.messages.push_back(std::move(m));
  }
  return data;
}

}  // namespace kwb::cloudwatch
