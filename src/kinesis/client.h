#pragma once
// kinesis::Client: the Kinesis Data Streams API as typed calls.
//
// Each method validates what AWS documents as hard rules (stream name pattern and length,
// partition key length, record size, batch size, ...) before anything is sent, so a request that
// can never succeed fails fast with Error::invalid_input naming the field. Then it builds the JSON
// body, sends it through aws::AwsClient::call_json (which signs, retries and maps AWS errors to
// ErrorKind — ResourceNotFoundException becomes kNotFound, and so on) and parses the response into
// the structs of kinesis/model.h. Unexpected response shapes become kParse errors, never exceptions.
//
// Ownership: holds an aws::AwsClient, which borrows its AwsSession; the session must outlive the
// Client. Thread-safe: calls may run concurrently (AwsClient is thread-safe and the Client holds no
// other mutable state).

#include <functional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"
#include "kinesis/model.h"

namespace kwb::aws {
class AwsSession;
}

namespace kwb::kinesis {

inline constexpr const char* kTargetPrefix = "Kinesis_20131202";

class Client {
 public:
  explicit Client(aws::AwsClient client);
  // A client for the session's Kinesis endpoint.
  static Client from_session(aws::AwsSession& session);

  // ---- Control plane ----
  Status create_stream(const CreateStreamRequest& request);
  // One page of the description.
  Result<StreamDescription> describe_stream(const DescribeStreamRequest& request);
  // The whole description: pages through ExclusiveStartShardId until HasMoreShards is false.
  Result<StreamDescription> describe_stream_all(const StreamRef& stream);
  Result<StreamSummary> describe_stream_summary(const StreamRef& stream);
  Result<ListStreamsResponse> list_streams(const ListStreamsRequest& request);
  // Every stream, following NextToken (or ExclusiveStartStreamName on services without tokens).
  Result<ListStreamsResponse> list_all_streams();
  Result<ListShardsResponse> list_shards(const ListShardsRequest& request);
  // Every shard of the stream (optionally filtered), following NextToken.
  Result<std::vector<Shard>> list_all_shards(const StreamRef& stream,
                                             std::optional<ShardFilter> filter = std::nullopt);
  Status delete_stream(const DeleteStreamRequest& request);
  Result<UpdateShardCountResponse> update_shard_count(const UpdateShardCountRequest& request);
  Status add_tags_to_stream(const AddTagsRequest& request);
  Status remove_tags_from_stream(const RemoveTagsRequest& request);
  Result<ListTagsResponse> list_tags_for_stream(const ListTagsRequest& request);
  // Every tag, following ExclusiveStartTagKey.
  Result<std::vector<Tag>> list_all_tags(const StreamRef& stream);
  Status increase_stream_retention_period(const RetentionRequest& request);
  Status decrease_stream_retention_period(const RetentionRequest& request);
  Result<EnhancedMonitoringResponse> enable_enhanced_monitoring(const EnhancedMonitoringRequest& request);

  // ---- Data plane ----
  Result<PutRecordResponse> put_record(const PutRecordRequest& request);
  // A successful call may still have failed records: check failed_record_count / entry.ok().
  Result<PutRecordsResponse> put_records(const PutRecordsRequest& request);
  Result<GetShardIteratorResponse> get_shard_iterator(const GetShardIteratorRequest& request);
  Result<GetRecordsResponse> get_records(const GetRecordsRequest& request);

  // ---- Enhanced fan-out ----
  Result<StreamConsumer> register_stream_consumer(const std::string& stream_arn, const std::string& consumer_name);
  Result<StreamConsumer> describe_stream_consumer(const std::string& stream_arn, const std::string& consumer_name);
  // Called for each event as it arrives; return false to stop the subscription.
  using SubscriptionHandler = std::function<bool(const SubscribeToShardEvent& event)>;
  // Subscribes and delivers events to on_event, on the calling thread, as they arrive (the
  // response body is decoded while it streams; core/event_stream.h). Returns ok when the stream
  // ends (its 5-minute lifetime, or the end of a closed shard) or on_event returned false; the
  // AWS error when the call is refused (ResourceInUseException, ...) or when the stream ends with
  // an exception event (same error codes and kinds); a kParse error for a corrupt or cut-off
  // stream. Blocks for as long as the subscription lasts. keep_going, when set, is asked about
  // once a second: false leaves even an idle stream (returns ok).
  Status subscribe_to_shard(const SubscribeToShardRequest& request, const SubscriptionHandler& on_event,
                            const std::function<bool()>& keep_going = {});

  [[nodiscard]] const std::string& endpoint() const { return client_.endpoint(); }

 private:
  Result<nlohmann::json> call(const std::string& operation, const nlohmann::json& body);
  Result<nlohmann::json> call_text(const std::string& operation, const std::string& payload);

  aws::AwsClient client_;
};

// ---- Local validation (exposed for the CLI and tests) ----

// [a-zA-Z0-9_.-]+, 1..128 characters.
Status validate_stream_name(std::string_view name, const std::string& field = "StreamName");
// A name as above, or an ARN "arn:<partition>:kinesis:<region>:<account>:stream/<name>" up to 2048.
Status validate_stream_ref(const StreamRef& stream);
// 1..256 Unicode characters (counted as UTF-8 code points).
Status validate_partition_key(std::string_view key, const std::string& field = "PartitionKey");
// Decimal digits only, value <= 2^128 - 1.
Status validate_explicit_hash_key(std::string_view key, const std::string& field = "ExplicitHashKey");

}  // namespace kwb::kinesis
