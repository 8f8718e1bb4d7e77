"""Integration test of the analysis API of `kwb serve --embedded`: the real process on 127.0.0.1.

Flow: log in; create two streams; write into one until the embedded emulator throttles it (boto3
straight to the emulator's Kinesis API); move the emulator's clock two minutes on so the throttled
minute is complete in its CloudWatch; analyze both streams and poll the progress until it
succeeds; check the findings (a throughput finding with evidence on the throttled stream) and
the report (recommended_shard_count); apply the alarms (GET /api/alarms and a DescribeAlarms
straight to the emulator's CloudWatch agree) and the scaling (the shard count changes); the
history lists the run; a viewer gets 403 on apply; a bad window is a 400 naming `window`; a full
queue answers 429; the chart series; the web UI root; and, on SQLite, that a stream left CREATING
by the bounded wait becomes ACTIVE in the store with nobody calling GET.

  serve_analyses.py --binary build/src/cli/kwb [--postgres]
"""
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_api import Server, check, failures, login, main_on_store  # noqa: E402  (same folder, shared harness)


def advance_emulator_clock(endpoint, seconds):
    request = urllib.request.Request(endpoint + "/_kwb/clock/advance", data=json.dumps({"seconds": seconds}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def emulator_call(endpoint, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(endpoint + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def seed_busy_history(endpoint, name):
    """Ten past minutes at 1,500 records/s: more than one shard takes (1,000/s), so sizing must ask
    for two. A burst of a few seconds, which is all a test can write, averages away over a
    60-second period; this is the sustained load the burst stands in for."""
    now = emulator_call(endpoint, "GET", "/_kwb/clock")["epoch_seconds"]
    start = int(now // 60) * 60 - 11 * 60
    emulator_call(endpoint, "POST", "/_kwb/metrics/seed", {"series": [
        {"namespace": "AWS/Kinesis", "metric": "IncomingRecords", "dimensions": {"StreamName": name},
         "start": start, "period": 60, "values": [90000] * 10, "unit": "Count"}]})


def throttle(kinesis, name):
    """PutRecords until the emulator rejects records for throughput; returns how many it rejected."""
    data = b"x" * 1000
    rejected = 0
    for _ in range(20):
        records = [{"Data": data, "PartitionKey": f"k{i}"} for i in range(500)]
        result = kinesis.put_records(StreamName=name, Records=records)
        rejected += sum(1 for r in result["Records"]
                        if r.get("ErrorCode") == "ProvisionedThroughputExceededException")
        if rejected > 0:
            break
    return rejected


def wait_for_analysis(server, token, analysis_id, seen_phases):
    deadline = time.monotonic() + 60
    body = None
    while time.monotonic() < deadline:
        status, body, _ = server.call("GET", f"/api/analyses/{analysis_id}", token)
        if status != 200:
            return body
        seen_phases.add(body["progress"].get("phase"))
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.05)  # polling another process, bounded by the deadline
    return body


def analyses_flow(server, admin):
    _, system, _ = server.call("GET", "/api/system", admin)
    endpoint = system["aws_target"]["kinesis_endpoint"]
    check(system["aws_target"].get("cloudwatch_endpoint") == endpoint,
          "the server's CloudWatch client points at the embedded emulator")

    hot = "hot-" + uuid.uuid4().hex[:8]
    calm = "calm-" + uuid.uuid4().hex[:8]
    for name in (hot, calm):
        status, created, _ = server.call("POST", "/api/streams", admin, {"name": name, "shard_count": 1})
        check(status == 201 and created["status"] == "ACTIVE", f"create {name}: 201 ACTIVE ({status})")

    import boto3  # Debian's python3-boto3
    kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
    cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
    rejected = throttle(kinesis, hot)
    check(rejected > 0, f"the emulator throttled {hot} ({rejected} records rejected)")
    kinesis.put_record(StreamName=calm, Data=b"hello", PartitionKey="p")
    seed_busy_history(endpoint, hot)
    state = advance_emulator_clock(endpoint, 120)
    check("now" in json.dumps(state) or state, "emulator clock advanced two minutes")

    # Bad input first: it must never queue anything.
    status, error, _ = server.call("POST", "/api/analyses", admin, {"streams": [hot], "window": "5m"})
    check(status == 400 and error["error"].get("field") == "window", f"window 5m -> 400 naming window ({status} {error})")
    status, error, _ = server.call("POST", "/api/analyses", admin, {"streams": [hot], "window": "soon"})
    check(status == 400 and error["error"].get("field") == "window", "window 'soon' -> 400 naming window")
    status, error, _ = server.call("POST", "/api/analyses", admin, {"streams": [hot], "all": True})
    check(status == 400 and error["error"].get("field") == "streams", "two selectors -> 400 naming streams")
    status, error, _ = server.call("POST", "/api/analyses", admin, {"streams": [hot], "analyzer": "magic"})
    check(status == 400 and error["error"].get("field") == "analyzer", "unknown analyzer -> 400 naming analyzer")

    status, queued, _ = server.call("POST", "/api/analyses", admin,
                                    {"streams": [hot, calm], "window": "15m", "analyzer": "rules"})
    check(status == 202 and queued["status"] in ("queued", "running") and queued["id"]
          and queued["progress"]["phase"] in ("describe", "metrics", "analyze", "done"),
          f"POST /api/analyses: 202 with id and progress ({status} {queued})")
    phases = set()
    done = wait_for_analysis(server, admin, queued["id"], phases)
    check(done and done["status"] == "succeeded", f"analysis succeeded ({done and done.get('status')} {done and done.get('error')})")
    if not done or done["status"] != "succeeded":
        return
    check(done["progress"] == {"phase": "done", "done": 2, "total": 2}, f"final progress done 2/2 ({done['progress']})")
    check(done["analyzer"] == "rules" and done["analyzer_requested"] == "rules" and done["stream_count"] == 2,
          "row: analyzer rules, 2 streams")
    report = done["report"]
    for key in ("generated_at", "analyzer", "requested_analyzer", "fallback_reason", "prices", "insights", "streams"):
        check(key in report, f"report has {key}")
    by_name = {s["stream"]: s for s in report["streams"]}
    check(set(by_name) == {hot, calm}, "report covers both streams")
    hot_report = by_name.get(hot, {})
    for key in ("stream_arn", "mode", "open_shard_count", "retention_hours", "window", "findings",
                "recommended_shard_count", "sizing", "alarms"):
        check(key in hot_report, f"stream report has {key}")
    throughput = [f for f in hot_report.get("findings", []) if f["category"] == "throughput"]
    check(any(e["metric"] == "WriteProvisionedThroughputExceeded" and e["value"] > 0
              for f in throughput for e in f["evidence"]),
          f"{hot} has a throughput finding with WriteProvisionedThroughputExceeded evidence")
    check(hot_report.get("recommended_shard_count", 0) >= 2, f"{hot}: recommended_shard_count >= 2 "
          f"({hot_report.get('recommended_shard_count')})")
    check(not [f for f in by_name.get(calm, {}).get("findings", []) if f["category"] == "throughput"],
          f"{calm} has no throughput finding")
    counts = done["finding_counts"]
    total = sum(len(s["findings"]) for s in report["streams"])
    check(counts["critical"] + counts["warning"] + counts["info"] == total, f"finding_counts add up ({counts}, {total})")

    # Viewer: reads yes, apply no.
    server.call("POST", "/api/users", admin, {"username": "watcher", "password": "watcher-password", "role": "viewer"})
    viewer = login(server, "watcher", "watcher-password")
    status, _, _ = server.call("GET", f"/api/analyses/{queued['id']}", viewer)
    check(status == 200, "viewer reads the analysis")
    status, _, _ = server.call("POST", f"/api/analyses/{queued['id']}/apply", viewer, {"stream": hot, "action": "alarms"})
    check(status == 403, f"viewer apply -> 403 ({status})")
    status, _, _ = server.call("POST", f"/api/analyses/{queued['id']}/apply", admin, {"stream": "not-in-it", "action": "alarms"})
    check(status == 404, f"apply to a stream not in the analysis -> 404 ({status})")
    status, _, _ = server.call("POST", "/api/analyses/does-not-exist/apply", admin, {"stream": hot, "action": "alarms"})
    check(status == 404, f"apply on an unknown analysis -> 404 ({status})")

    status, applied, _ = server.call("POST", f"/api/analyses/{queued['id']}/apply", admin, {"stream": hot, "action": "alarms"})
    expected = sorted(a["alarm_name"] for a in hot_report["alarms"])
    check(status == 200 and sorted(applied["result"]["created"]) == expected and applied["action"] == "alarms",
          f"apply alarms: 200, created {expected} ({status} {applied})")
    status, listed, _ = server.call("GET", f"/api/alarms?stream={hot}", viewer)
    names = sorted(a["alarm_name"] for a in listed["alarms"]) if status == 200 else []
    check(names == expected and all(a["alarm_name"].startswith("kwb-") and "state" in a for a in listed["alarms"]),
          f"GET /api/alarms lists them with state ({names})")
    direct = cloudwatch.describe_alarms(AlarmNamePrefix=f"kwb-{hot}-")["MetricAlarms"]
    check(sorted(a["AlarmName"] for a in direct) == expected, "DescribeAlarms straight to the emulator agrees")
    status, again, _ = server.call("POST", f"/api/analyses/{queued['id']}/apply", admin, {"stream": hot, "action": "alarms"})
    direct = cloudwatch.describe_alarms(AlarmNamePrefix=f"kwb-{hot}-")["MetricAlarms"]
    check(status == 200 and len(direct) == len(expected), "applying alarms twice changes nothing (idempotent names)")

    status, dry, _ = server.call("POST", f"/api/streams/{calm}/alarms", admin, {"dry_run": True})
    check(status == 200 and dry["applied"] is False and dry["alarms"]
          and all(k in dry["alarms"][0] for k in ("alarm_name", "metric_name", "statistic", "threshold",
                                                   "comparison_operator", "evaluation_periods", "datapoints_to_alarm",
                                                   "period", "treat_missing_data", "reason")),
          f"stream alarms dry run lists the set without applying ({status})")
    check(not cloudwatch.describe_alarms(AlarmNamePrefix=f"kwb-{calm}-")["MetricAlarms"], "dry run created nothing")
    status, put, _ = server.call("POST", f"/api/streams/{calm}/alarms", admin, {})
    direct = cloudwatch.describe_alarms(AlarmNamePrefix=f"kwb-{calm}-")["MetricAlarms"]
    check(status == 200 and put["applied"] is True and len(direct) == len(put["alarms"]),
          f"stream alarms applied: the emulator has {len(direct)}")

    before = kinesis.describe_stream_summary(StreamName=hot)["StreamDescriptionSummary"]["OpenShardCount"]
    first_step = hot_report["sizing"]["steps"][0] if hot_report["sizing"]["steps"] else None
    status, scaled, _ = server.call("POST", f"/api/analyses/{queued['id']}/apply", admin, {"stream": hot, "action": "scale"})
    after = kinesis.describe_stream_summary(StreamName=hot)["StreamDescriptionSummary"]["OpenShardCount"]
    check(status == 200 and scaled["action"] == "scale" and after == first_step and after != before
          and after <= 2 * before, f"apply scale: {before} -> {after} (first step {first_step}) ({status})")

    status, metrics, _ = server.call("GET", f"/api/streams/{hot}/metrics?window=1h", viewer)
    series = {s["metric"]: s for s in metrics.get("series", [])} if status == 200 else {}
    check(status == 200 and set(series) == {"IncomingRecords", "IncomingBytes", "WriteProvisionedThroughputExceeded",
                                           "PutRecords.FailedRecords", "GetRecords.IteratorAgeMilliseconds",
                                           "ReadProvisionedThroughputExceeded"},
          f"metrics: the six chart series ({status})")
    check(series and sum(p[1] for p in series["WriteProvisionedThroughputExceeded"]["points"]) > 0
          and series["GetRecords.IteratorAgeMilliseconds"]["statistic"] == "Maximum",
          "metrics: throttling shows in the series")
    status, error, _ = server.call("GET", f"/api/streams/{hot}/metrics?window=99d", viewer)
    check(status == 400 and error["error"].get("field") == "window", "metrics bad window -> 400 naming window")

    status, history, _ = server.call("GET", "/api/analyses?limit=5", viewer)
    row = history["analyses"][0] if status == 200 and history["analyses"] else {}
    check(row.get("id") == queued["id"] and row.get("status") == "succeeded" and row.get("window") == "15m"
          and row.get("created_by") == "admin" and "report" not in row, f"history lists it first ({row})")

    status, audit_ok, _ = server.call("GET", "/api/analyses/nope", viewer)
    check(status == 404, "unknown analysis -> 404")

    # A full queue answers 429 (this server runs one worker and a queue of one).
    statuses = []
    lock = threading.Lock()

    def post():
        s, _, _ = server.call("POST", "/api/analyses", admin, {"all": True, "window": "15m", "analyzer": "rules"})
        with lock:
            statuses.append(s)

    threads = [threading.Thread(target=post) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(429 in statuses and 202 in statuses and set(statuses) <= {202, 429},
          f"concurrent analyses beyond the queue: 202s and 429s ({sorted(statuses)})")


def web_root(server):
    status, body, hdrs = server.call("GET", "/", headers={"Accept": "text/html"})
    check(status == 200 and hdrs.get("Content-Type", "").startswith("text/html"), f"GET / serves HTML ({status})")
    status, body, hdrs = server.call("GET", "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd")
    check(status == 404 and "root:" not in json.dumps(body), f"encoded traversal -> 404 ({status})")
    status, body, _ = server.call("GET", "/api/not-a-route", headers={"Accept": "text/html"})
    check(status == 404 and isinstance(body, dict) and "error" in body, "API paths keep their JSON 404")


def refresher(binary):
    data_dir = tempfile.mkdtemp(prefix="kwb-serve-refresh-")
    try:
        with Server(binary, data_dir, None, {"KWB_STREAM_WAIT_SECONDS": "0"}) as server:
            admin = login(server, "admin", "admin123")
            name = "slow-" + uuid.uuid4().hex[:8]
            status, created, _ = server.call("POST", "/api/streams", admin, {"name": name, "shard_count": 1})
            check(status == 202 and created["status"] == "CREATING", f"no wait: 202 CREATING ({status})")
            db = sqlite3.connect(f"file:{os.path.join(data_dir, 'kwb.db')}?mode=ro", uri=True)
            row_status = None
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                row = db.execute("SELECT status FROM aws_resources WHERE name = ?", (name,)).fetchone()
                row_status = row[0] if row else None
                if row_status == "ACTIVE":
                    break
                time.sleep(0.1)  # polling another process, bounded by the deadline
            db.close()
            check(row_status == "ACTIVE", f"the refresher recorded the stream ACTIVE with no GET ({row_status})")
            gets = [l for l in server.stderr_lines if '"route":"/api/streams/{name}"' in l]
            check(not gets, "no GET /api/streams/{name} was made")
            check(server.stop() == 0, "refresh server: graceful exit")
        # A run left `running` by a process that died: the next start marks it failed.
        db = sqlite3.connect(os.path.join(data_dir, "kwb.db"))
        db.execute("INSERT INTO analyses (id, status, request, progress, requested_analyzer, created_by, created_at) "
                   "VALUES ('crashed-run', 'running', '{\"all\": true, \"window\": \"3h\"}', "
                   "'{\"phase\": \"metrics\", \"done\": 1, \"total\": 4}', 'auto', 'admin', 1700000000000)")
        db.commit()
        db.close()
        with Server(binary, data_dir, None) as server:
            admin = login(server, "admin", "admin123")
            status, row, _ = server.call("GET", "/api/analyses/crashed-run", admin)
            check(status == 200 and row["status"] == "failed" and row["error"] and row["report"] is None,
                  f"a run left running by a crash is failed at start ({status} {row})")
            check(server.stop() == 0, "restarted server: graceful exit")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(binary, database_url):
    data_dir = tempfile.mkdtemp(prefix="kwb-serve-analyses-")
    try:
        env = {"KWB_ANALYSIS_WORKERS": "1", "KWB_ANALYSIS_QUEUE_LIMIT": "1"}
        with Server(binary, data_dir, database_url, env) as server:
            admin = login(server, "admin", "admin123")
            analyses_flow(server, admin)
            web_root(server)
            check(server.stop() == 0, "SIGTERM: graceful exit 0")
            log = "".join(server.stderr_lines)
            check("admin123" not in log and admin not in log, "stderr never holds a password or token")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if database_url is None:
        refresher(binary)


if __name__ == "__main__":
    sys.exit(main_on_store(run, "kwb_serve_an_"))
