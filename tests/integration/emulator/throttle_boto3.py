"""Throttling: offer about 3,000 records/s to a 1-shard stream; the accepted rate must stay
within 1,000 records/s +-10% and the excess must get ProvisionedThroughputExceededException
per record.

The shard's token bucket starts full (one second of capacity, like an idle AWS shard), so the
first second accepts up to 2,000. We offer load for 4 s and judge the rate over the last 3 s,
after that initial burst is spent. Bounded: 4 s of load, at most ~12,000 records.
"""
import sys
import time

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status

OFFERED_PER_SECOND = 3000
BATCH = 100
DURATION = 4.0
WARMUP = 1.0


def main():
    args = parse_args()
    with Emulator(args.binary) as emulator:
        client = boto3_client(emulator.endpoint)
        client.create_stream(StreamName="throttle", ShardCount=1)
        wait_for_status(client, "throttle", "ACTIVE")
        payload = b"x" * 100
        start = time.monotonic()
        sent = 0
        accepted_after_warmup = 0
        throttled = 0
        error_codes = set()
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= DURATION:
                break
            # Pace the offer: sleep until the next batch is due.
            due = sent / OFFERED_PER_SECOND
            if due > elapsed:
                time.sleep(due - elapsed)
            records = [{"Data": payload, "PartitionKey": f"k{sent + i}"} for i in range(BATCH)]
            response = client.put_records(StreamName="throttle", Records=records)
            sent += BATCH
            ok = BATCH - response["FailedRecordCount"]
            if time.monotonic() - start >= WARMUP:
                accepted_after_warmup += ok
            for r in response["Records"]:
                if "ErrorCode" in r:
                    throttled += 1
                    error_codes.add(r["ErrorCode"])
                    assert "Rate exceeded for shard shardId-000000000000" in r["ErrorMessage"], r
        measured = time.monotonic() - start - WARMUP
        rate = accepted_after_warmup / measured
        offered = sent / (time.monotonic() - start)
        print(f"offered {offered:.0f} records/s, accepted {rate:.0f} records/s after warm-up, throttled {throttled}")
        assert offered > 2500, f"client could not offer enough load ({offered:.0f}/s)"
        assert error_codes == {"ProvisionedThroughputExceededException"}, error_codes
        assert 900 <= rate <= 1100, f"accepted rate {rate:.0f}/s is outside 1000 +-10%"
        assert emulator.alive()
    print("throttle test passed")


if __name__ == "__main__":
    sys.exit(main())
