"""The compatibility scenario, driven by boto3: Debian's python3-boto3 (1.26), and with
--require-boto3 the machine's newer one (1.43).

create -> put -> read every shard -> reshard 2 -> 4 -> merge to 3 -> read in lineage order
(every record exactly once, in order per shard and per key) -> tags -> retention ->
monitoring -> consumers -> throttle -> errors -> delete.
"""
import collections
import sys
import time

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status, wait_until_gone

STREAM = "scenario"


def put_batch(client, start, count):
    records = [{"Data": f"record-{i}".encode(), "PartitionKey": f"key-{i % 37}"} for i in range(start, start + count)]
    response = client.put_records(StreamName=STREAM, Records=records)
    assert response["FailedRecordCount"] == 0, response
    assert len(response["Records"]) == count
    return response["Records"]


def read_shard(client, shard_id):
    iterator = client.get_shard_iterator(StreamName=STREAM, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    for _ in range(1000):
        response = client.get_records(ShardIterator=iterator, Limit=1000)
        records.extend(response["Records"])
        iterator = response.get("NextShardIterator")
        if iterator is None:
            return records, response.get("ChildShards", [])
        if not response["Records"] and response["MillisBehindLatest"] == 0:
            return records, None  # open shard, caught up
    raise AssertionError("shard never ended")


def read_in_lineage_order(client):
    """A reader that finishes parents before children, as the KCL does."""
    shards = client.list_shards(StreamName=STREAM)["Shards"]
    by_id = {s["ShardId"]: s for s in shards}
    done, order, result = set(), [], {}
    pending = list(by_id)
    while pending:
        progressed = False
        for shard_id in list(pending):
            shard = by_id[shard_id]
            parents = [p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p in by_id]
            if all(p in done for p in parents):
                records, children = read_shard(client, shard_id)
                if "EndingSequenceNumber" in shard["SequenceNumberRange"]:
                    assert children is not None, f"closed shard {shard_id} gave no ChildShards"
                result[shard_id] = records
                order.append(shard_id)
                done.add(shard_id)
                pending.remove(shard_id)
                progressed = True
        assert progressed, "lineage has a cycle"
    return order, result


def main():
    args = parse_args()
    with Emulator(args.binary) as emulator:
        client = boto3_client(emulator.endpoint)

        client.create_stream(StreamName=STREAM, ShardCount=2)
        wait_for_status(client, STREAM, "ACTIVE")
        assert STREAM in client.list_streams()["StreamNames"]

        sent = []
        for start in range(0, 200, 100):
            put_batch(client, start, 100)
            sent.extend(f"record-{i}" for i in range(start, start + 100))
        single = client.put_record(StreamName=STREAM, Data=b"single", PartitionKey="key-0")
        assert single["ShardId"].startswith("shardId-") and len(single["SequenceNumber"]) == 56
        sent.append("single")

        # Read every shard.
        seen = []
        for shard in client.list_shards(StreamName=STREAM)["Shards"]:
            records, _ = read_shard(client, shard["ShardId"])
            sequences = [int(r["SequenceNumber"]) for r in records]
            assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
            seen.extend(r["Data"].decode() for r in records)
        assert sorted(seen) == sorted(sent), "first read lost or duplicated records"

        # Reshard 2 -> 4, then merge two adjacent children to get 3 open shards.
        result = client.update_shard_count(StreamName=STREAM, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
        assert result["CurrentShardCount"] == 2 and result["TargetShardCount"] == 4
        wait_for_status(client, STREAM, "ACTIVE")
        shards = client.list_shards(StreamName=STREAM)["Shards"]
        assert len(shards) == 6, shards
        open_shards = [s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
        assert len(open_shards) == 4
        assert all(s.get("ParentShardId") in ("shardId-000000000000", "shardId-000000000001") for s in open_shards)
        for i in range(200, 400, 100):
            put_batch(client, i, 100)
            sent.extend(f"record-{j}" for j in range(i, i + 100))

        open_shards.sort(key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))
        client.merge_shards(StreamName=STREAM, ShardToMerge=open_shards[1]["ShardId"], AdjacentShardToMerge=open_shards[2]["ShardId"])
        wait_for_status(client, STREAM, "ACTIVE")
        summary = client.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]
        assert summary["OpenShardCount"] == 3, summary
        merged = [s for s in client.list_shards(StreamName=STREAM)["Shards"] if s.get("AdjacentParentShardId")]
        assert len(merged) == 1 and merged[0]["ParentShardId"] == open_shards[1]["ShardId"]
        put_batch(client, 400, 100)
        sent.extend(f"record-{j}" for j in range(400, 500))

        order, by_shard = read_in_lineage_order(client)
        everything = [r for shard_id in order for r in by_shard[shard_id]]
        datas = [r["Data"].decode() for r in everything]
        assert sorted(datas) == sorted(sent), "lineage read lost or duplicated records"
        assert len(datas) == len(set(datas)) == 501
        per_key = collections.defaultdict(list)
        for r in everything:
            if r["Data"].startswith(b"record-"):
                per_key[r["PartitionKey"]].append(int(r["Data"].decode().split("-")[1]))
        for key, numbers in per_key.items():
            assert numbers == sorted(numbers), f"order broken for {key}"

        # Tags.
        client.add_tags_to_stream(StreamName=STREAM, Tags={"team": "data", "env": "test"})
        tags = {t["Key"]: t["Value"] for t in client.list_tags_for_stream(StreamName=STREAM)["Tags"]}
        assert tags == {"team": "data", "env": "test"}, tags
        client.remove_tags_from_stream(StreamName=STREAM, TagKeys=["env"])
        assert [t["Key"] for t in client.list_tags_for_stream(StreamName=STREAM)["Tags"]] == ["team"]

        # Retention.
        client.increase_stream_retention_period(StreamName=STREAM, RetentionPeriodHours=48)
        assert client.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48
        try:
            client.increase_stream_retention_period(StreamName=STREAM, RetentionPeriodHours=30)
            raise AssertionError("shorter 'increase' accepted")
        except client.exceptions.InvalidArgumentException:
            pass
        client.decrease_stream_retention_period(StreamName=STREAM, RetentionPeriodHours=24)

        # Enhanced monitoring.
        enabled = client.enable_enhanced_monitoring(StreamName=STREAM, ShardLevelMetrics=["IncomingBytes", "OutgoingRecords"])
        assert sorted(enabled["DesiredShardLevelMetrics"]) == ["IncomingBytes", "OutgoingRecords"]
        client.disable_enhanced_monitoring(StreamName=STREAM, ShardLevelMetrics=["ALL"])

        # Consumers.
        arn = summary["StreamARN"]
        consumer = client.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
        assert consumer["ConsumerStatus"] == "CREATING"
        listed = client.list_stream_consumers(StreamARN=arn)["Consumers"]
        assert [c["ConsumerName"] for c in listed] == ["app"]
        described = client.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]
        assert described["StreamARN"] == arn

        # Throttle: offer far more than 1,000 records/s to one shard. The bucket holds one second of
        # rate, so what is accepted is at most 1,000 plus the refill while we sent.
        client.create_stream(StreamName="throttled", ShardCount=1)
        wait_for_status(client, "throttled", "ACTIVE")
        accepted = failed = 0
        codes = set()
        started = time.monotonic()
        for _ in range(4):
            response = client.put_records(StreamName="throttled", Records=[{"Data": b"t", "PartitionKey": "k"}] * 500)
            failed += response["FailedRecordCount"]
            accepted += 500 - response["FailedRecordCount"]
            codes |= {r["ErrorCode"] for r in response["Records"] if "ErrorCode" in r}
        elapsed = time.monotonic() - started
        assert accepted <= 1000 + 1000 * elapsed + 10, (accepted, elapsed)
        if elapsed < 0.9:
            assert failed > 0 and codes == {"ProvisionedThroughputExceededException"}, (failed, codes, elapsed)
        client.delete_stream(StreamName="throttled")

        # Errors come back as modelled exceptions.
        try:
            client.describe_stream(StreamName="does-not-exist")
            raise AssertionError("missing stream described")
        except client.exceptions.ResourceNotFoundException:
            pass
        try:
            client.delete_stream(StreamName=STREAM)
            raise AssertionError("stream with consumers deleted without EnforceConsumerDeletion")
        except client.exceptions.ResourceInUseException:
            pass

        client.delete_stream(StreamName=STREAM, EnforceConsumerDeletion=True)
        wait_until_gone(client, STREAM)
        assert STREAM not in client.list_streams()["StreamNames"]
        assert emulator.alive()
    print("boto3 scenario passed")


if __name__ == "__main__":
    sys.exit(main())
