// A small, fast Kinesis load client for the emulator comparison (bench/emulator_compare.py).
//
// Why not boto3: the bench must measure the server, so the client sends prebuilt request bytes
// over keep-alive connections, one blocking thread per connection, and does nothing per record.
// The same client drives kwb emulator, kinesalite and kinesis-local in the same run.
//
//   kinesis_load --port P --stream S --mode put-records|put-record|get-records
//                [--connections 1] [--seconds 10] [--batch 500] [--size 100]
//                [--interval 10] [--max-records N] [--shards N]
//
// Prints one JSON object: records, requests, errors, seconds, records_per_second, p50_us, p99_us
// (per request), and records per interval. Every socket goes to 127.0.0.1. The run ends at
// --seconds or --max-records, whichever comes first.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 0;
  std::string stream = "bench";
  std::string mode = "put-records";
  int connections = 1;
  double seconds = 10;
  int batch = 500;
  int size = 100;
  double interval = 10;
  long long max_records = 0;  // 0: no cap
  int shards = 1;
};

std::string base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string request(const Options& o, std::string_view operation, const std::string& body) {
  // Any well-formed SigV4 header: none of the three servers checks the signature.
  std::string r = "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(o.port) +
                  "\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202." +
                  std::string(operation) +
                  "\r\nX-Amz-Date: 20240101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 "
                  "Credential=AKIDEXAMPLE/20240101/us-east-1/kinesis/aws4_request, "
                  "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                  "Signature=0000000000000000000000000000000000000000000000000000000000000000\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n";
  return r + body;
}

class Connection {
 public:
  explicit Connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("connect");
      std::exit(2);
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Connection() { ::close(fd_); }

  // Sends the request and reads one response; returns the HTTP status (0 on a broken connection).
  int exchange(const std::string& req, std::string& body) {
    std::size_t sent = 0;
    while (sent < req.size()) {
      const ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return 0;
      sent += static_cast<std::size_t>(n);
    }
    // Headers.
    std::size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return 0;
    }
    const std::string head = buf_.substr(0, header_end);
    buf_.erase(0, header_end + 4);
    const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    body.clear();
    if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!fill()) return 0;
        }
        const std::size_t chunk = std::strtoul(buf_.c_str(), nullptr, 16);
        buf_.erase(0, eol + 2);
        while (buf_.size() < chunk + 2) {
          if (!fill()) return 0;
        }
        body.append(buf_, 0, chunk);
        buf_.erase(0, chunk + 2);
        if (chunk == 0) break;
      }
    } else {
      const auto at = lower.find("content-length:");
      const std::size_t length = at == std::string::npos ? 0 : std::strtoul(lower.c_str() + at + 15, nullptr, 10);
      while (buf_.size() < length) {
        if (!fill()) return 0;
      }
      body.assign(buf_, 0, length);
      buf_.erase(0, length);
    }
    return status;
  }

 private:
  bool fill() {
    char chunk[1 << 16];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
};

std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

std::string json_string_field(std::string_view body, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\"";
  auto at = body.find(key);
  if (at == std::string_view::npos) return "";
  at = body.find('"', body.find(':', at + key.size()));
  if (at == std::string_view::npos) return "";
  const auto end = body.find('"', at + 1);
  return std::string(body.substr(at + 1, end - at - 1));
}

long long int_field(std::string_view body, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\"";
  auto at = body.find(key);
  if (at == std::string_view::npos) return -1;
  at = body.find(':', at + key.size());
  return std::atoll(std::string(body.substr(at + 1, 24)).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port")
      o.port = std::atoi(value.c_str());
    else if (flag == "--stream")
      o.stream = value;
    else if (flag == "--mode")
      o.mode = value;
    else if (flag == "--connections")
      o.connections = std::atoi(value.c_str());
    else if (flag == "--seconds")
      o.seconds = std::atof(value.c_str());
    else if (flag == "--batch")
      o.batch = std::atoi(value.c_str());
    else if (flag == "--size")
      o.size = std::atoi(value.c_str());
    else if (flag == "--interval")
      o.interval = std::atof(value.c_str());
    else if (flag == "--max-records")
      o.max_records = std::atoll(value.c_str());
    else if (flag == "--shards")
      o.shards = std::atoi(value.c_str());
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (o.port <= 0) {
    std::fprintf(stderr, "usage: kinesis_load --port P --stream S --mode put-records|put-record|get-records ...\n");
    return 2;
  }

  const std::string data = base64(std::string(static_cast<std::size_t>(o.size), 'x'));
  std::vector<std::string> requests;  // prebuilt; connection i uses requests[i % size]
  if (o.mode == "put-records") {
    for (int variant = 0; variant < 4; ++variant) {
      std::string body = "{\"StreamName\":\"" + o.stream + "\",\"Records\":[";
      for (int r = 0; r < o.batch; ++r) {
        if (r) body += ',';
        body += "{\"Data\":\"" + data + "\",\"PartitionKey\":\"k" + std::to_string(variant * o.batch + r) + "\"}";
      }
      body += "]}";
      requests.push_back(request(o, "PutRecords", body));
    }
  } else if (o.mode == "put-record") {
    for (int variant = 0; variant < 64; ++variant) {
      requests.push_back(request(o, "PutRecord",
                                 "{\"StreamName\":\"" + o.stream + "\",\"Data\":\"" + data + "\",\"PartitionKey\":\"k" +
                                     std::to_string(variant) + "\"}"));
    }
  } else if (o.mode != "get-records") {
    std::fprintf(stderr, "unknown mode %s\n", o.mode.c_str());
    return 2;
  }

  std::atomic<long long> records{0}, requests_done{0}, errors{0};
  std::atomic<bool> stop{false};
  std::mutex latency_mutex;
  std::vector<double> latencies;  // microseconds, per request
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));

  auto worker = [&](int index) {
    Connection conn(o.port);
    std::vector<double> mine;
    std::string body;
    std::string iterator;
    const std::string shard =
        "shardId-" + std::string(12 - std::to_string(index % o.shards).size(), '0') + std::to_string(index % o.shards);
    const std::string iterator_request = request(
        o, "GetShardIterator",
        "{\"StreamName\":\"" + o.stream + "\",\"ShardId\":\"" + shard + "\",\"ShardIteratorType\":\"TRIM_HORIZON\"}");
    std::size_t n = 0;
    while (!stop.load(std::memory_order_relaxed) && Clock::now() < deadline) {
      const std::string* req = nullptr;
      std::string dynamic;
      if (o.mode == "get-records") {
        if (iterator.empty()) {
          if (conn.exchange(iterator_request, body) != 200) {
            errors++;
            break;
          }
          iterator = json_string_field(body, "ShardIterator");
        }
        dynamic = request(o, "GetRecords", "{\"ShardIterator\":\"" + iterator + "\",\"Limit\":10000}");
        req = &dynamic;
      } else {
        req = &requests[(static_cast<std::size_t>(index) + n++) % requests.size()];
      }
      const auto t0 = Clock::now();
      const int status = conn.exchange(*req, body);
      const auto t1 = Clock::now();
      if (status == 0) {
        errors++;
        break;
      }
      mine.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      requests_done++;
      if (status != 200) {
        errors++;
        continue;
      }
      long long got = 0;
      if (o.mode == "put-records") {
        const long long failed = int_field(body, "FailedRecordCount");
        got = o.batch - std::max(0LL, failed);
        if (failed > 0) errors++;
      } else if (o.mode == "put-record") {
        got = 1;
      } else {
        got = static_cast<long long>(count(body, "\"SequenceNumber\""));
        iterator = got == 0 ? "" : json_string_field(body, "NextShardIterator");  // caught up: start over
      }
      const long long total = records.fetch_add(got) + got;
      if (o.max_records > 0 && total >= o.max_records) stop = true;
    }
    std::lock_guard lock(latency_mutex);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) threads.emplace_back(worker, i);

  std::vector<long long> intervals;
  long long last = 0;
  auto next_tick = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.interval));
  while (!stop.load() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (Clock::now() >= next_tick) {
      const long long now_records = records.load();
      intervals.push_back(now_records - last);
      last = now_records;
      next_tick += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.interval));
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
  };
  std::printf(
      "{\"records\":%lld,\"requests\":%lld,\"errors\":%lld,\"seconds\":%.3f,\"records_per_second\":%.1f,"
      "\"p50_us\":%.1f,\"p99_us\":%.1f,\"intervals\":[",
      records.load(), requests_done.load(), errors.load(), seconds, static_cast<double>(records.load()) / seconds,
      pct(0.50), pct(0.99));
  for (std::size_t i = 0; i < intervals.size(); ++i) std::printf("%s%lld", i ? "," : "", intervals[i]);
  std::printf("]}\n");
  return 0;
}
