#!/usr/bin/python3
"""A plain boto3 PutRecords loop: 500 records per call, one call at a time, for a fixed time.

    boto3_put_loop.py ENDPOINT STREAM SECONDS SIZE

Prints one JSON object (acked, failed, bytes, seconds) like bench/producer_bench. The peer for
bench/producer_compare.py; uses Debian's python3-boto3 and dummy credentials (local endpoints only).
"""
import json
import sys
import time

import boto3


def main():
    endpoint, stream, seconds, size = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    client = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    payload = b"x" * size
    acked = failed = metered = sent = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        records = [{"Data": payload, "PartitionKey": str((sent + k) % 100000)} for k in range(500)]
        sent += len(records)
        answer = client.put_records(StreamName=stream, Records=records)
        for record, result in zip(records, answer["Records"]):
            if "SequenceNumber" in result:
                acked += 1
                metered += size + len(record["PartitionKey"])
            else:
                failed += 1
    elapsed = time.monotonic() - start
    print(json.dumps({"mode": "boto3", "acked": acked, "failed": failed, "bytes": metered, "seconds": elapsed}))


if __name__ == "__main__":
    main()
