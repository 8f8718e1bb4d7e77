"""Alarm round trip on the emulator's clock, no sleeping for minutes.

An alarm on GetRecords.IteratorAgeMilliseconds Maximum > 60000 for 3 of 3 one-minute periods
(missing data not breaching) must go to ALARM while a consumer lags (reads one old record a
minute) and back to OK once it catches up. Minutes pass through POST /_kwb/clock/advance.
Bounded: about 10 simulated minutes, ~40 API calls.
"""
import json
import sys
import urllib.request

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status
from cloudwatch_metrics import cloudwatch, expect


def advance(endpoint, seconds):
    request = urllib.request.Request(endpoint + "/_kwb/clock/advance", data=json.dumps({"seconds": seconds}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def main():
    args = parse_args()
    with Emulator(args.binary, "--create-delay-ms", "0") as emulator:
        kinesis = boto3_client(emulator.endpoint)
        cw = cloudwatch(emulator.endpoint)
        kinesis.create_stream(StreamName="lagging", ShardCount=1)
        wait_for_status(kinesis, "lagging", "ACTIVE")
        kinesis.put_records(StreamName="lagging",
                            Records=[{"Data": b"r", "PartitionKey": f"k{i}"} for i in range(20)])
        cw.put_metric_alarm(AlarmName="consumer-lag", Namespace="AWS/Kinesis",
                            MetricName="GetRecords.IteratorAgeMilliseconds",
                            Dimensions=[{"Name": "StreamName", "Value": "lagging"}], Statistic="Maximum", Period=60,
                            EvaluationPeriods=3, DatapointsToAlarm=3, Threshold=60000,
                            ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching")
        state = lambda: cw.describe_alarms(AlarmNames=["consumer-lag"])["MetricAlarms"][0]["StateValue"]
        shard = kinesis.list_shards(StreamName="lagging")["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName="lagging", ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        advance(emulator.endpoint, 120)  # the records are now two minutes old
        seen = []
        for minute in range(4):
            response = kinesis.get_records(ShardIterator=iterator, Limit=1)  # a slow consumer
            expect(len(response["Records"]) == 1, "expected one old record")
            iterator = response["NextShardIterator"]
            advance(emulator.endpoint, 60)
            seen.append(state())
        print("while lagging:", seen)
        expect(seen[0] != "ALARM" and seen[1] != "ALARM", f"alarmed before 3 breaching minutes: {seen}")
        expect(seen[2] == "ALARM" and seen[3] == "ALARM", f"did not alarm after 3 breaching minutes: {seen}")
        # Catch up: read everything; the last record returned is fresh, so the age drops to ~0.
        kinesis.put_record(StreamName="lagging", Data=b"fresh", PartitionKey="fresh")
        while True:
            response = kinesis.get_records(ShardIterator=iterator, Limit=100)
            iterator = response["NextShardIterator"]
            if response["MillisBehindLatest"] == 0:
                break
        advance(emulator.endpoint, 60)
        expect(state() == "OK", f"did not return to OK: {state()}")
        history = cw.describe_alarm_history(AlarmName="consumer-lag", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        summaries = [h["HistorySummary"] for h in history]
        print("history:", summaries)
        expect(summaries[0] == "Alarm updated from ALARM to OK", f"history: {summaries}")
        expect("Alarm updated from OK to ALARM" in summaries, f"history: {summaries}")
        reason = cw.describe_alarms(AlarmNames=["consumer-lag"])["MetricAlarms"][0]["StateReason"]
        expect(reason.startswith("Threshold Crossed"), reason)
    print("ok")


if __name__ == "__main__":
    main()
