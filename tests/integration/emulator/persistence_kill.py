"""Durability of `kwb emulator --data-dir`.

1. Restart: streams (lineage after a reshard, tags, retention) and every record come back after a
   graceful stop and start on the same directory.
2. kill -9 under load with --fsync always: four boto3 threads run PutRecords in a loop; the
   emulator is killed while requests are in flight. After a restart every record that was
   acknowledged (with its sequence number) is there. Records whose request got no answer may or
   may not be there; nothing else may be.

Bounded: the load runs for at most 1.5 s before the kill, the whole test for well under a minute.
"""
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status

FLAGS = ["--no-limits", "--create-delay-ms", "0", "--update-delay-ms", "0", "--delete-delay-ms", "0"]


def read_everything(client, stream):
    """Every record in every shard, as {data: sequence number}."""
    found = {}
    shards = client.list_shards(StreamName=stream)["Shards"]
    for shard in shards:
        it = client.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            out = client.get_records(ShardIterator=it, Limit=10000)
            for r in out["Records"]:
                assert r["Data"] not in found, f"duplicate record {r['Data']!r}"
                found[r["Data"]] = r["SequenceNumber"]
            if not out["Records"] and out.get("MillisBehindLatest", 0) == 0:
                break
            it = out.get("NextShardIterator")
    return found, shards


def restart_keeps_everything(binary, data_dir):
    expected = {}
    with Emulator(binary, *FLAGS, "--data-dir", data_dir) as emulator:
        client = boto3_client(emulator.endpoint)
        client.create_stream(StreamName="keep", ShardCount=2)
        wait_for_status(client, "keep", "ACTIVE")
        client.add_tags_to_stream(StreamName="keep", Tags={"owner": "tests"})
        for batch in range(4):
            records = [{"Data": f"r{batch}-{i}".encode(), "PartitionKey": f"k{i}"} for i in range(250)]
            out = client.put_records(StreamName="keep", Records=records)
            assert out["FailedRecordCount"] == 0
            for rec, res in zip(records, out["Records"]):
                expected[rec["Data"]] = res["SequenceNumber"]
            if batch == 1:
                client.update_shard_count(StreamName="keep", TargetShardCount=4, ScalingType="UNIFORM_SCALING")
                wait_for_status(client, "keep", "ACTIVE")
        client.increase_stream_retention_period(StreamName="keep", RetentionPeriodHours=48)
        client.create_stream(StreamName="empty", ShardCount=1)
        before = client.describe_stream(StreamName="keep")["StreamDescription"]
    with Emulator(binary, *FLAGS, "--data-dir", data_dir) as emulator:
        client = boto3_client(emulator.endpoint)
        names = client.list_streams()["StreamNames"]
        assert names == ["empty", "keep"], names
        after = client.describe_stream(StreamName="keep")["StreamDescription"]
        assert after["Shards"] == before["Shards"], (before["Shards"], after["Shards"])
        assert after["RetentionPeriodHours"] == 48
        assert client.list_tags_for_stream(StreamName="keep")["Tags"] == [{"Key": "owner", "Value": "tests"}]
        found, _ = read_everything(client, "keep")
        assert found == expected, f"{len(found)} records back of {len(expected)}"
        # Writes after the restart go on with higher sequence numbers in the same shard.
        out = client.put_record(StreamName="keep", Data=b"after", PartitionKey="k0")
        it = client.get_shard_iterator(StreamName="keep", ShardId=out["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        shard_records = client.get_records(ShardIterator=it, Limit=10000)["Records"]
        assert shard_records[-1]["Data"] == b"after"
        assert len(shard_records) > 1 and all(
            int(a["SequenceNumber"]) < int(b["SequenceNumber"]) for a, b in zip(shard_records, shard_records[1:]))
    print(f"restart: {len(expected)} records, 6 shards and tags came back")


def kill_under_load(binary, data_dir):
    acknowledged = {}
    lock = threading.Lock()
    stop = threading.Event()
    emulator = Emulator(binary, *FLAGS, "--data-dir", data_dir, "--fsync", "always")
    emulator.__enter__()
    client = boto3_client(emulator.endpoint)
    client.create_stream(StreamName="load", ShardCount=4)
    wait_for_status(client, "load", "ACTIVE")

    def writer(worker):
        c = boto3_client(emulator.endpoint)
        n = 0
        while not stop.is_set():
            records = [{"Data": f"w{worker}-{n + i}".encode(), "PartitionKey": f"p{n + i}"} for i in range(100)]
            n += 100
            try:
                out = c.put_records(StreamName="load", Records=records)
            except Exception:  # the emulator died mid-request: nothing acknowledged
                return
            with lock:
                for rec, res in zip(records, out["Records"]):
                    if "SequenceNumber" in res:
                        acknowledged[rec["Data"]] = res["SequenceNumber"]

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline and len(acknowledged) < 20000:
        time.sleep(0.05)
    emulator.process.send_signal(signal.SIGKILL)
    emulator.process.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with lock:
        acked = dict(acknowledged)
    assert len(acked) > 1000, f"only {len(acked)} records were acknowledged before the kill"

    with Emulator(binary, *FLAGS, "--data-dir", data_dir, "--fsync", "always") as again:
        client = boto3_client(again.endpoint)
        found, _ = read_everything(client, "load")
        missing = [d for d in acked if d not in found]
        assert not missing, f"{len(missing)} acknowledged records lost, e.g. {missing[:3]}"
        wrong = [d for d in acked if found[d] != acked[d]]
        assert not wrong, f"{len(wrong)} records came back with other sequence numbers"
        unexpected = [d for d in found if not d.startswith(b"w")]
        assert not unexpected, unexpected[:3]
    print(f"kill -9: {len(acked)} acknowledged records all back ({len(found) - len(acked)} unacknowledged also stored)")


def main():
    args = parse_args()
    root = tempfile.mkdtemp(prefix="kwb-persist-")
    try:
        restart_keeps_everything(args.binary, os.path.join(root, "restart"))
        kill_under_load(args.binary, os.path.join(root, "kill"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("persistence: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
