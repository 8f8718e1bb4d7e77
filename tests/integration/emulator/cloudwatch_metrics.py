"""CloudWatch metrics match traffic, for every client and protocol.

Puts records into a 1-shard stream through Debian's boto3 fast enough that some are throttled,
then asks for AWS/Kinesis IncomingRecords (Sum) and WriteProvisionedThroughputExceeded (Sum) with
(1) Debian's awscli (Query protocol), (2) Debian's boto3 (Query) and (3) the machine's boto3 1.43
(Smithy RPC v2 CBOR, when installed). Each must return exactly the accepted and rejected counts.
Also checks CloudWatch-shaped errors for bad input. Bounded: 6 PutRecords calls, ~30 API calls.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1"}
MODERN_PYTHONS = ["/root/.pyenv/shims/python3", shutil.which("python3") or ""]

MODERN_SCRIPT = r"""
import json, sys, datetime, boto3
from botocore.config import Config
endpoint, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                  aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}))
out = {"protocol": cw.meta.service_model.protocol, "version": boto3.__version__}
dims = [{"Name": "StreamName", "Value": "metrics"}]
for metric in ("IncomingRecords", "WriteProvisionedThroughputExceeded"):
    r = cw.get_metric_statistics(Namespace="AWS/Kinesis", MetricName=metric, Dimensions=dims,
                                 StartTime=start, EndTime=end, Period=60, Statistics=["Sum"])
    out[metric] = sum(p["Sum"] for p in r["Datapoints"])
    out["ts_type"] = type(r["Datapoints"][0]["Timestamp"]).__name__ if r["Datapoints"] else None
q = [{"Id": "inc", "MetricStat": {"Metric": {"Namespace": "AWS/Kinesis", "MetricName": "IncomingRecords", "Dimensions": dims},
      "Period": 60, "Stat": "Sum"}}, {"Id": "twice", "Expression": "inc * 2"}]
r = cw.get_metric_data(MetricDataQueries=q, StartTime=start, EndTime=end)
out["gmd"] = {x["Id"]: sum(x["Values"]) for x in r["MetricDataResults"]}
try:
    cw.put_metric_data(Namespace="AWS/Kinesis", MetricData=[{"MetricName": "x", "Value": 1}])
    out["aws_namespace_error"] = None
except cw.exceptions.ClientError as e:
    out["aws_namespace_error"] = e.response["Error"]["Code"]
print(json.dumps(out))
"""


def cloudwatch(endpoint):
    import boto3
    from botocore.config import Config

    return boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                        aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}))


def awscli(endpoint, *args):
    env = dict(os.environ, **CREDENTIALS)
    result = subprocess.run(["/usr/bin/aws", "--endpoint-url", endpoint, "--output", "json", "cloudwatch", *args],
                            env=env, capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout, result.stderr


def expect(condition, message):
    if not condition:
        print("FAIL:", message)
        sys.exit(1)


def main():
    args = parse_args()
    with Emulator(args.binary, "--create-delay-ms", "0") as emulator:
        kinesis = boto3_client(emulator.endpoint)
        kinesis.create_stream(StreamName="metrics", ShardCount=1)
        wait_for_status(kinesis, "metrics", "ACTIVE")
        accepted = rejected = 0
        for batch in range(5):  # 2,500 records at once: the shard takes about 1,000
            records = [{"Data": b"x" * 50, "PartitionKey": f"k{batch}-{i}"} for i in range(500)]
            response = kinesis.put_records(StreamName="metrics", Records=records)
            rejected += response["FailedRecordCount"]
            accepted += len(records) - response["FailedRecordCount"]
        for i in range(3):
            try:
                kinesis.put_record(StreamName="metrics", Data=b"y", PartitionKey=f"single{i}")
                accepted += 1
            except kinesis.exceptions.ProvisionedThroughputExceededException:
                rejected += 1
        expect(accepted > 0 and rejected > 0, f"expected some throttling: accepted={accepted} rejected={rejected}")
        now = datetime.datetime.now(datetime.timezone.utc)
        start = (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = (now + datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")

        # 1. Debian's awscli (Query protocol).
        sums = {}
        for metric in ("IncomingRecords", "WriteProvisionedThroughputExceeded"):
            code, out, err = awscli(emulator.endpoint, "get-metric-statistics", "--namespace", "AWS/Kinesis",
                                    "--metric-name", metric, "--dimensions", "Name=StreamName,Value=metrics",
                                    "--start-time", start, "--end-time", end, "--period", "60", "--statistics", "Sum")
            expect(code == 0, f"awscli failed: {err}")
            sums[metric] = sum(p["Sum"] for p in json.loads(out)["Datapoints"])
        expect(sums["IncomingRecords"] == accepted, f"awscli IncomingRecords {sums['IncomingRecords']} != {accepted}")
        expect(sums["WriteProvisionedThroughputExceeded"] == rejected,
               f"awscli WriteProvisionedThroughputExceeded {sums['WriteProvisionedThroughputExceeded']} != {rejected}")

        # 2. Debian's boto3 (Query protocol).
        cw = cloudwatch(emulator.endpoint)
        dims = [{"Name": "StreamName", "Value": "metrics"}]
        for metric, want in (("IncomingRecords", accepted), ("WriteProvisionedThroughputExceeded", rejected)):
            r = cw.get_metric_statistics(Namespace="AWS/Kinesis", MetricName=metric, Dimensions=dims, StartTime=start,
                                         EndTime=end, Period=60, Statistics=["Sum", "SampleCount"])
            got = sum(p["Sum"] for p in r["Datapoints"])
            expect(got == want, f"boto3 (Query) {metric} {got} != {want}")
        # Sub-minute periods over standard-resolution (1-minute) metrics: the same minutes, at the
        # minute; a period that is neither 1/5/10/20/30 nor a multiple of 60 is InvalidParameterValue.
        for period in (10, 30):
            r = cw.get_metric_statistics(Namespace="AWS/Kinesis", MetricName="IncomingRecords", Dimensions=dims,
                                         StartTime=start, EndTime=end, Period=period, Statistics=["Sum"])
            got = sum(p["Sum"] for p in r["Datapoints"])
            expect(got == accepted, f"boto3 (Query) IncomingRecords at Period={period}: {got} != {accepted}")
            expect(r["Datapoints"] and all(p["Timestamp"].second == 0 for p in r["Datapoints"]),
                   f"Period={period} datapoints are not at minutes: {[p['Timestamp'] for p in r['Datapoints']]}")
        try:
            cw.get_metric_statistics(Namespace="AWS/Kinesis", MetricName="IncomingRecords", Dimensions=dims,
                                     StartTime=start, EndTime=end, Period=90, Statistics=["Sum"])
            expect(False, "Period=90 was accepted")
        except cw.exceptions.ClientError as e:
            error = e.response["Error"]
            expect(error["Code"] == "InvalidParameterValue" and "Period" in error["Message"], f"Period=90: {error}")
        names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/Kinesis")["Metrics"]}
        for name in ("IncomingBytes", "PutRecords.TotalRecords", "PutRecords.ThrottledRecords", "PutRecord.Latency"):
            expect(name in names, f"ListMetrics lacks {name}: {sorted(names)}")
        p99 = cw.get_metric_statistics(Namespace="AWS/Kinesis", MetricName="PutRecords.Latency", Dimensions=dims,
                                       StartTime=start, EndTime=end, Period=60, ExtendedStatistics=["p99"])
        expect(all("p99" in p["ExtendedStatistics"] for p in p99["Datapoints"]) and p99["Datapoints"], "no p99")

        # 3. The machine's boto3 (RPC v2 CBOR by default since 1.42), when there is one.
        modern = next((p for p in MODERN_PYTHONS if p and os.path.exists(p) and os.path.realpath(p) != "/usr/bin/python3"), None)
        if modern:
            result = subprocess.run([modern, "-c", MODERN_SCRIPT, emulator.endpoint, start, end],
                                    capture_output=True, text=True, timeout=60)
            expect(result.returncode == 0, f"modern boto3 failed: {result.stderr}")
            out = json.loads(result.stdout)
            print("modern boto3:", out)
            expect(out["IncomingRecords"] == accepted, f"modern IncomingRecords {out['IncomingRecords']} != {accepted}")
            expect(out["WriteProvisionedThroughputExceeded"] == rejected, "modern WriteProvisionedThroughputExceeded")
            expect(out["gmd"] == {"inc": accepted, "twice": 2 * accepted}, f"modern GetMetricData {out['gmd']}")
            expect(out["aws_namespace_error"] == "InvalidParameterValue", f"AWS/ namespace: {out['aws_namespace_error']}")
        else:
            print("no modern boto3 on this machine; RPC v2 CBOR checked by unit tests only")

        # Bad input: CloudWatch's error shape, never a crash.
        code, out, err = awscli(emulator.endpoint, "get-metric-statistics", "--namespace", "AWS/Kinesis", "--metric-name",
                                "IncomingRecords", "--start-time", start, "--end-time", end, "--period", "61",
                                "--statistics", "Sum")
        expect(code != 0 and "InvalidParameterValue" in err, f"period 61: {err}")
        for form, want in (("Action=GetMetricStatistics&Namespace=%zz", "MalformedQueryString"),
                           ("Action=GetMetricStatistics&Version=2010-08-01", "MissingParameter"),
                           ("Action=Bogus&Version=2010-08-01", "InvalidAction")):
            request = urllib.request.Request(emulator.endpoint + "/", data=form.encode(), method="POST",
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
            try:
                urllib.request.urlopen(request, timeout=10)
                expect(False, f"{form} was accepted")
            except urllib.error.HTTPError as e:
                body = e.read().decode()
                expect(e.code == 400 and f"<Code>{want}</Code>" in body and "<ErrorResponse" in body, f"{form}: {body}")
        cw.put_metric_data(Namespace="App<&>'\"", MetricData=[{"MetricName": "m<&>", "Value": 2.5,
                                                                  "Dimensions": [{"Name": "d&", "Value": "<v>"}]}])
        listed = cw.list_metrics(Namespace="App<&>'\"")["Metrics"]
        expect(listed and listed[0]["MetricName"] == "m<&>" and listed[0]["Dimensions"][0]["Value"] == "<v>",
               f"XML-special names: {listed}")
        queries = [{"Id": f"m{i}", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60,
                                                  "Stat": "Sum"}} for i in range(501)]
        try:
            cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
            expect(False, "501 queries accepted")
        except cw.exceptions.ClientError as e:
            expect(e.response["Error"]["Code"] == "InvalidParameterValue", f"501 queries: {e.response['Error']}")
        expect(emulator.alive(), "emulator died")
    print(f"ok: accepted={accepted} rejected={rejected}")


if __name__ == "__main__":
    main()
