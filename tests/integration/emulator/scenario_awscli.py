"""The compatibility scenario through Debian's awscli v2 (/usr/bin/aws), as a user would type it.

create -> put -> read every shard -> reshard 2 -> 4 -> merge to 3 -> tags -> retention -> throttle
-> delete. Each awscli call is a new process (~0.5 s), too slow to outrun the default 1,000
records/s, so this run lowers the per-shard write limit to 50 records/s and offers 200 at once.
"""
import json
import os
import subprocess
import sys
import time

from emulator_fixture import Emulator, parse_args

STREAM = "cli-scenario"


def aws(endpoint, *args, expect_error=None):
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_PAGER": "", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_MAX_ATTEMPTS": "1"})
    cmd = ["/usr/bin/aws", "--endpoint-url", endpoint, "--output", "json", "kinesis"] + list(args)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if expect_error:
        assert result.returncode != 0 and expect_error in result.stderr, (args, result.stderr)
        return None
    assert result.returncode == 0, (args, result.stderr)
    return json.loads(result.stdout) if result.stdout.strip() else {}


def wait_active(endpoint):
    for _ in range(100):
        if aws(endpoint, "describe-stream-summary", "--stream-name", STREAM)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.1)
    raise AssertionError("never ACTIVE")


def main():
    args = parse_args()
    with Emulator(args.binary, "--shard-write-records-per-second", "50", "--create-delay-ms", "0", "--update-delay-ms", "0",
                  "--delete-delay-ms", "0") as emulator:
        e = emulator.endpoint
        aws(e, "create-stream", "--stream-name", STREAM, "--shard-count", "2")
        wait_active(e)
        put = aws(e, "put-record", "--stream-name", STREAM, "--partition-key", "a", "--data", "aGVsbG8=")
        assert put["ShardId"] == "shardId-000000000000", put
        records = json.dumps([{"Data": "d29ybGQ=", "PartitionKey": f"k{i}"} for i in range(20)])
        result = aws(e, "put-records", "--stream-name", STREAM, "--records", records)
        assert result["FailedRecordCount"] == 0
        total = 0
        for shard in aws(e, "list-shards", "--stream-name", STREAM)["Shards"]:
            it = aws(e, "get-shard-iterator", "--stream-name", STREAM, "--shard-id", shard["ShardId"],
                     "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
            got = aws(e, "get-records", "--shard-iterator", it)
            total += len(got["Records"])
        assert total == 21, total
        aws(e, "update-shard-count", "--stream-name", STREAM, "--target-shard-count", "4", "--scaling-type", "UNIFORM_SCALING")
        wait_active(e)
        assert len(aws(e, "list-shards", "--stream-name", STREAM)["Shards"]) == 6
        aws(e, "update-shard-count", "--stream-name", STREAM, "--target-shard-count", "9", "--scaling-type", "UNIFORM_SCALING",
            expect_error="InvalidArgumentException")
        # Merge two adjacent open children: 3 open shards.
        shards = aws(e, "list-shards", "--stream-name", STREAM)["Shards"]
        open_shards = sorted((s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]),
                             key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))
        aws(e, "merge-shards", "--stream-name", STREAM, "--shard-to-merge", open_shards[1]["ShardId"],
            "--adjacent-shard-to-merge", open_shards[2]["ShardId"])
        wait_active(e)
        assert aws(e, "describe-stream-summary", "--stream-name", STREAM)["StreamDescriptionSummary"]["OpenShardCount"] == 3
        aws(e, "add-tags-to-stream", "--stream-name", STREAM, "--tags", "team=data")
        assert aws(e, "list-tags-for-stream", "--stream-name", STREAM)["Tags"] == [{"Key": "team", "Value": "data"}]
        aws(e, "increase-stream-retention-period", "--stream-name", STREAM, "--retention-period-hours", "72")
        assert aws(e, "describe-stream", "--stream-name", STREAM)["StreamDescription"]["RetentionPeriodHours"] == 72
        aws(e, "describe-stream", "--stream-name", "missing", expect_error="ResourceNotFoundException")
        limits = aws(e, "describe-limits")
        assert limits["OpenShardCount"] == 3, limits
        # Throttle: 200 records at once into one shard limited to 50/s.
        aws(e, "create-stream", "--stream-name", "cli-throttle", "--shard-count", "1")
        for _ in range(100):
            if aws(e, "describe-stream-summary", "--stream-name", "cli-throttle")["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                break
            time.sleep(0.1)
        offered = json.dumps([{"Data": "dA==", "PartitionKey": "k"}] * 200)
        result = aws(e, "put-records", "--stream-name", "cli-throttle", "--records", offered)
        assert 140 <= result["FailedRecordCount"] < 200, result["FailedRecordCount"]
        assert {r["ErrorCode"] for r in result["Records"] if "ErrorCode" in r} == {"ProvisionedThroughputExceededException"}
        aws(e, "delete-stream", "--stream-name", "cli-throttle")
        aws(e, "delete-stream", "--stream-name", STREAM)
        for _ in range(100):
            if STREAM not in aws(e, "list-streams")["StreamNames"]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("stream not deleted")
    print("awscli scenario passed")


if __name__ == "__main__":
    sys.exit(main())
