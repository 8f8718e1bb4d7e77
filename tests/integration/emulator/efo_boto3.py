"""Enhanced fan-out against the emulator, with Debian's python3-boto3 as the client: its botocore
parses our event stream (framing, CRCs, initial-response, SubscribeToShardEvent, exception events),
so this pins the wire format that src/kinesis's own decoder is tested against.

register a consumer -> subscribe (LATEST) -> put records one by one -> every record arrives pushed,
in order, with its data, partition key and sequence number (and the put-to-push latency is
measured) -> a quick re-subscribe gets ResourceInUseException -> after 5 s a new subscription takes
over and the old stream ends with a ResourceInUseException event -> AFTER_SEQUENCE_NUMBER from a
ContinuationSequenceNumber resumes exactly -> the subscription ends after --subscription-lifetime-ms
-> a split shard's subscription ends with ChildShards -> errors before streaming are plain errors.
"""
import queue
import statistics
import sys
import threading
import time

from botocore.exceptions import ClientError, EventStreamError

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status

STREAM = "efo"
LIFETIME_MS = 12000
RECORDS = 200


def wait_consumer_active(client, consumer_arn, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise AssertionError(f"consumer {consumer_arn} never became ACTIVE")


class Reader:
    """Iterates an EventStream on its own thread; events (with their arrival time) go to a queue."""

    def __init__(self, response):
        self.events = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(response["EventStream"],), daemon=True)
        self.thread.start()

    def _run(self, stream):
        try:
            for event in stream:
                self.events.put(("event", time.monotonic(), event))
            self.events.put(("end", time.monotonic(), None))
        except EventStreamError as error:
            self.events.put(("error", time.monotonic(), error))
        except Exception as error:  # anything else is a failure the main thread reports
            self.events.put(("crash", time.monotonic(), error))

    def next(self, timeout=10):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s")


def subscribe(client, consumer_arn, shard_id, **position):
    return client.subscribe_to_shard(ConsumerARN=consumer_arn, ShardId=shard_id, StartingPosition=position)


def expect_client_error(code, call):
    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] == code, error.response
        return error
    raise AssertionError(f"expected {code}")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    args = parse_args()
    flags = ["--consumer-delay-ms", "0", "--create-delay-ms", "0", "--update-delay-ms", "0",
             "--subscription-lifetime-ms", str(LIFETIME_MS)] + args.extra
    with Emulator(args.binary, *flags) as emulator:
        client = boto3_client(emulator.endpoint)
        client.create_stream(StreamName=STREAM, ShardCount=1)
        stream_arn = wait_for_status(client, STREAM, "ACTIVE")["StreamARN"]
        shard_id = client.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
        consumer_arn = client.register_stream_consumer(StreamARN=stream_arn, ConsumerName="pusher")["Consumer"]["ConsumerARN"]
        wait_consumer_active(client, consumer_arn)

        # Errors before streaming come back as ordinary errors.
        expect_client_error("ResourceNotFoundException",
                            lambda: subscribe(client, consumer_arn.replace("pusher", "nobody"), shard_id, Type="LATEST"))
        expect_client_error("ResourceNotFoundException",
                            lambda: subscribe(client, consumer_arn, "shardId-000000000042", Type="LATEST"))
        expect_client_error("InvalidArgumentException",
                            lambda: subscribe(client, consumer_arn, shard_id, Type="AT_SEQUENCE_NUMBER"))

        started = time.monotonic()
        first = Reader(subscribe(client, consumer_arn, shard_id, Type="LATEST"))
        kind, _, event = first.next()
        assert kind == "event" and "SubscribeToShardEvent" in event, (kind, event)
        assert event["SubscribeToShardEvent"]["Records"] == []
        start_continuation = event["SubscribeToShardEvent"]["ContinuationSequenceNumber"]

        # A second subscription of the same consumer to the same shard within 5 s is refused.
        expect_client_error("ResourceInUseException", lambda: subscribe(client, consumer_arn, shard_id, Type="LATEST"))

        # Records put one at a time are pushed, in order, each as soon as it is stored.
        sent, put_at = [], {}
        received, latencies = [], []
        for i in range(RECORDS):
            data, key = f"efo-record-{i}".encode(), f"key-{i % 7}"
            before = time.monotonic()
            sequence = client.put_record(StreamName=STREAM, Data=data, PartitionKey=key)["SequenceNumber"]
            put_at[sequence] = before
            sent.append((sequence, data, key))
            # Drain what has arrived, so arrival times are taken as events come.
            while len(received) < len(sent):
                kind, arrived, event = first.next()
                assert kind == "event", (kind, event)
                for record in event["SubscribeToShardEvent"]["Records"]:
                    received.append((record["SequenceNumber"], record["Data"], record["PartitionKey"]))
                    latencies.append(arrived - put_at[record["SequenceNumber"]])
                last_continuation = event["SubscribeToShardEvent"]["ContinuationSequenceNumber"]
        assert received == sent, "records differ from what was put (data, key, sequence or order)"
        assert last_continuation == sent[-1][0]
        p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
        print(f"EFO put-to-push latency over {len(latencies)} records: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
              f"max {max(latencies) * 1000:.2f} ms")
        assert p99 < 500, f"records were not pushed promptly (p99 {p99:.1f} ms)"

        # After 5 s a new subscription takes over; the old stream ends with an exception event.
        time.sleep(max(0.0, started + 5.2 - time.monotonic()))
        second = Reader(subscribe(client, consumer_arn, shard_id, Type="AFTER_SEQUENCE_NUMBER",
                                  SequenceNumber=start_continuation))
        client.put_record(StreamName=STREAM, Data=b"after-takeover", PartitionKey="k")
        kind, _, error = first.next()
        assert kind == "error", (kind, error)
        assert error.response["Error"]["Code"] == "ResourceInUseException", error.response

        # Resuming after the first event's continuation replays everything put since, exactly once.
        resumed = []
        while len(resumed) < RECORDS + 1:
            kind, _, event = second.next()
            assert kind == "event", (kind, event)
            resumed.extend((r["SequenceNumber"], r["Data"], r["PartitionKey"]) for r in event["SubscribeToShardEvent"]["Records"])
        assert resumed[:RECORDS] == sent and resumed[RECORDS][1] == b"after-takeover", "resume lost or repeated records"
        for record in resumed:
            assert isinstance(record[0], str) and len(record[0]) == 56

        # The subscription ends after its lifetime: the iteration simply stops.
        subscribed_at = time.monotonic()
        while True:
            kind, arrived, event = second.next(timeout=LIFETIME_MS / 1000 + 10)
            if kind != "event":
                break
            assert not event["SubscribeToShardEvent"]["Records"], event
        assert kind == "end", (kind, event)
        lived = arrived - subscribed_at
        assert lived < LIFETIME_MS / 1000 + 3, f"the subscription outlived its lifetime ({lived:.1f} s)"

        # A split closes the shard: a subscription to it ends with ChildShards.
        client.split_shard(StreamName=STREAM, ShardToSplit=shard_id,
                           NewStartingHashKey=str(2 ** 127))
        wait_for_status(client, STREAM, "ACTIVE")
        other_arn = client.register_stream_consumer(StreamARN=stream_arn, ConsumerName="lineage")["Consumer"]["ConsumerARN"]
        wait_consumer_active(client, other_arn)
        closing = Reader(subscribe(client, other_arn, shard_id, Type="TRIM_HORIZON"))
        records, children = [], None
        while children is None:
            kind, _, event = closing.next()
            assert kind == "event", (kind, event)
            shard_event = event["SubscribeToShardEvent"]
            records.extend(shard_event["Records"])
            children = shard_event.get("ChildShards") or None
        assert len(records) == RECORDS + 1, len(records)
        child_ids = sorted(child["ShardId"] for child in children)
        listed = sorted(s["ShardId"] for s in client.list_shards(StreamName=STREAM)["Shards"] if s["ShardId"] != shard_id)
        assert child_ids == listed, (child_ids, listed)
        assert all(child["ParentShards"] == [shard_id] for child in children), children
        kind, _, _ = closing.next()
        assert kind == "end", kind
    print("efo_boto3: OK")


if __name__ == "__main__":
    sys.exit(main())
