"""Reproducible fault injection, visible in the metrics.

The same --fault rules and --seed give the same sequence of failures in two emulator processes
(and again after POST /_kwb/faults re-seeds). Partial PutRecords failures come back as
ErrorCode InternalFailure and add up in PutRecords.FailedRecords. Connection resets and
black-holed requests reach the client as a connection error and a read timeout.
Bounded: 2 x (30 PutRecord + 5 PutRecords) calls and a few more.
"""
import datetime
import json
import urllib.request

from botocore.config import Config

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status
from cloudwatch_metrics import cloudwatch, expect

FLAGS = ["--create-delay-ms", "0", "--no-limits", "--seed", "7",
         "--fault", "operation=PutRecord,error_rate=0.3,error=ServiceUnavailable",
         "--fault", "operation=PutRecords,partial_failure_rate=0.2"]


def run_traffic(kinesis):
    pattern = []
    for i in range(30):
        try:
            kinesis.put_record(StreamName="faulty", Data=b"x", PartitionKey=f"p{i}")
            pattern.append("ok")
        except kinesis.exceptions.ClientError as e:
            pattern.append(e.response["Error"]["Code"])
    failed_total = 0
    for b in range(5):
        response = kinesis.put_records(StreamName="faulty",
                                       Records=[{"Data": b"y", "PartitionKey": f"b{b}-{i}"} for i in range(100)])
        codes = [r.get("ErrorCode", "ok") for r in response["Records"]]
        expect(set(codes) <= {"ok", "InternalFailure"}, f"unexpected codes {set(codes)}")
        expect(response["FailedRecordCount"] == codes.count("InternalFailure"), "FailedRecordCount mismatch")
        failed_total += response["FailedRecordCount"]
        pattern.append("".join("F" if c != "ok" else "." for c in codes))
    return pattern, failed_total


def post(endpoint, path, body, method="POST"):
    request = urllib.request.Request(endpoint + path, data=json.dumps(body).encode() if body is not None else None,
                                     method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def one_run(binary):
    with Emulator(binary, *FLAGS) as emulator:
        kinesis = boto3_client(emulator.endpoint)
        kinesis.create_stream(StreamName="faulty", ShardCount=2)
        wait_for_status(kinesis, "faulty", "ACTIVE")
        pattern, failed = run_traffic(kinesis)
        expect("ServiceUnavailable" in pattern and failed > 0, f"no faults injected: {pattern}")
        now = datetime.datetime.now(datetime.timezone.utc)
        cw = cloudwatch(emulator.endpoint)
        r = cw.get_metric_statistics(Namespace="AWS/Kinesis", MetricName="PutRecords.FailedRecords",
                                     Dimensions=[{"Name": "StreamName", "Value": "faulty"}],
                                     StartTime=now - datetime.timedelta(minutes=10),
                                     EndTime=now + datetime.timedelta(minutes=10), Period=60, Statistics=["Sum"])
        got = sum(p["Sum"] for p in r["Datapoints"])
        expect(got == failed, f"PutRecords.FailedRecords {got} != {failed}")
        # Same rules and seed through the API: the sequence starts over.
        state = post(emulator.endpoint, "/_kwb/faults", None, method="GET")
        post(emulator.endpoint, "/_kwb/faults", {"seed": 7, "faults": state["faults"]})
        again, _ = run_traffic(kinesis)
        expect(again == pattern, "re-seeded run differs")
        # Connection-level faults.
        post(emulator.endpoint, "/_kwb/faults", {"faults": [{"operation": "ListStreams", "reset_rate": 1},
                                                            {"operation": "DescribeLimits", "blackhole_rate": 1}]})
        try:
            kinesis.list_streams()
            expect(False, "reset was answered")
        except Exception as e:  # botocore ConnectionClosedError / EndpointConnectionError
            expect("ClientError" not in type(e).__name__, f"reset gave {type(e).__name__}")
        import boto3
        impatient = boto3.client("kinesis", endpoint_url=emulator.endpoint, region_name="us-east-1",
                                 aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                                 config=Config(retries={"max_attempts": 1}, read_timeout=1, connect_timeout=2))
        try:
            impatient.describe_limits()
            expect(False, "black-holed request was answered")
        except Exception as e:
            expect("Timeout" in type(e).__name__, f"black hole gave {type(e).__name__}: {e}")
        post(emulator.endpoint, "/_kwb/faults", None, method="DELETE")
        kinesis.list_streams()
        expect(emulator.alive(), "emulator died")
        return pattern


def main():
    args = parse_args()
    first = one_run(args.binary)
    second = one_run(args.binary)
    expect(first == second, f"different failure sequences:\n{first}\n{second}")
    print("ok:", first[:30])


if __name__ == "__main__":
    main()
