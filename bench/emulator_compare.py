#!/usr/bin/env python3
"""Compares kwb emulator, kinesalite and kinesis-local in one run, with one client.

The client is bench/kinesis_load (prebuilt request bodies over keep-alive), so the servers are
what is measured. For each server it measures:

  - startup time: process start to the first accepted TCP connection;
  - RSS idle;
  - PutRecords records/s (500 x 100 B) at 1 and 4 connections, with server CPU per record
    (utime + stime from /proc/<pid>/stat before and after);
  - GetRecords read records/s;
  - PutRecord p50/p99 latency (1 connection);
  - throughput over a long run, reported per 10 s (flat or falling);
  - RSS after storing N records (1M for kwb; the slow peers are capped by time, and the count
    they reached is printed next to the figure).

Every server listens on 127.0.0.1 only (the node peers run with tests/peers/loopback.js).
Prints a markdown table on stdout. --short keeps CI runs to about a minute.

  bench/emulator_compare.py --kwb build/src/emulator/kwb_emulator_dev --client build/bench/kinesis_load
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port  # noqa: E402  (bench/loopback.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "tests", "peers")
NODE = shutil.which("node") or "/usr/bin/node"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def tree_pids(pid):
    """The process and its descendants (kinesis-local may run a child)."""
    pids = [pid]
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        for child in out.split():
            pids += tree_pids(int(child))
    except OSError:
        pass
    return pids


def tree_cpu(pid):
    total = 0.0
    for p in tree_pids(pid):
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total


def tree_rss_mb(pid):
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Server:
    def __init__(self, name, argv, env=None):
        self.name, self.argv, self.env = name, argv, env
        self.port = None
        self.process = None
        self.startup_ms = None

    def start(self, port):
        self.port = port
        env = dict(os.environ)
        env.update(self.env or {})
        t0 = time.monotonic()
        self.process = subprocess.Popen(self.argv(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = t0 + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                    self.startup_ms = (time.monotonic() - t0) * 1000
                    return
            except OSError:
                time.sleep(0.001)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def call(self, operation, body):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Kinesis_20131202.{operation}",
                     "X-Amz-Date": "20240101T000000Z",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/kinesis/aws4_request, "
                                      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64})
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
        return json.loads(text) if text else {}

    def create_stream(self, name, shards):
        self.call("CreateStream", {"StreamName": name, "ShardCount": shards})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = self.call("DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]["StreamStatus"]
            if status == "ACTIVE":
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: stream {name} never became ACTIVE")


def load(client, server, stream, mode, connections, seconds, shards=1, max_records=0, interval=10):
    cmd = [client, "--port", str(server.port), "--stream", stream, "--mode", mode, "--connections", str(connections),
           "--seconds", str(seconds), "--shards", str(shards), "--interval", str(interval)]
    if max_records:
        cmd += ["--max-records", str(max_records)]
    cpu0 = tree_cpu(server.process.pid)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    cpu1 = tree_cpu(server.process.pid)
    if out.returncode != 0:
        raise RuntimeError(f"kinesis_load failed: {out.stderr}")
    result = json.loads(out.stdout)
    result["cpu_us_per_record"] = (cpu1 - cpu0) * 1e6 / result["records"] if result["records"] else None
    return result


def servers(kwb):
    loopback = os.path.join(PEERS, "loopback.js")
    kl_main = os.path.join(PEERS, "node_modules", "kinesis-local", "main.js")
    kinesalite = os.path.join(PEERS, "node_modules", "kinesalite", "cli.js")
    out = [Server("kwb emulator", lambda p: [kwb, "emulator", "--host", "127.0.0.1", "--port", str(p), "--no-limits",
                                             "--create-delay-ms", "0", "--log-level", "warn"])]
    if os.path.exists(kinesalite):
        out.append(Server("kinesalite", lambda p: [NODE, "-r", loopback, kinesalite, "--port", str(p),
                                                    "--createStreamMs", "0", "--shardLimit", "1000"]))
    if os.path.exists(kl_main):
        tls = free_port()
        out.append(Server("kinesis-local", lambda p: [NODE, "-r", loopback, kl_main], env={
            "KINESIS_MOCK_TLS_PORT": str(tls), "KINESIS_MOCK_CERT_PATH": os.path.join(PEERS, "node_modules",
                                                                                      "kinesis-local", "server.json"),
            "CREATE_STREAM_DURATION": "0ms", "SHOULD_PERSIST_DATA": "false", "LOG_LEVEL": "ERROR",
            "AWS_REGION": "us-east-1"}))
    return out


def measure(server, client, short):
    port = free_port()
    if server.name == "kinesis-local":
        server.env["KINESIS_MOCK_PLAIN_PORT"] = str(port)
    load_before = os.getloadavg()[0]
    server.start(port)
    r = {"startup_ms": server.startup_ms}
    try:
        time.sleep(1.0)  # let a JIT-ed runtime settle before reading idle RSS
        r["rss_idle_mb"] = tree_rss_mb(server.process.pid)
        secs = 3 if short else 10
        server.create_stream("put1", 4)
        r["put1"] = load(client, server, "put1", "put-records", 1, secs)
        server.create_stream("put4", 4)
        r["put4"] = load(client, server, "put4", "put-records", 4, secs)
        server.create_stream("single", 1)
        r["put_record"] = load(client, server, "single", "put-record", 1, secs)
        # Reads: a stream with 100k records (fewer on slow servers), read by 1 connection per shard.
        server.create_stream("read", 2)
        load(client, server, "read", "put-records", 2, 30 if not short else 10, max_records=100_000)
        r["get"] = load(client, server, "read", "get-records", 2, secs, shards=2)
        # The long run, then RSS with the stored records.
        long_secs = 10 if short else 60
        server.create_stream("long", 4)
        r["long"] = load(client, server, "long", "put-records", 2, long_secs, interval=2 if short else 10)
        target = 200_000 if short else 1_000_000
        stored = sum(r[k]["records"] for k in ("put1", "put4", "put_record", "long")) + 100_000
        if stored < target:
            server.create_stream("fill", 4)
            fill = load(client, server, "fill", "put-records", 2, 60 if not short else 20, max_records=target - stored)
            stored += fill["records"]
        r["stored_records"] = stored
        # A peer that died under the load has no RSS to report; say so instead of printing 0.
        r["rss_stored_mb"] = tree_rss_mb(server.process.pid) if server.process.poll() is None else None
        # The machine may be shared (other builds): its 1-minute load average frames every figure.
        r["load_average"] = [load_before, os.getloadavg()[0]]
    finally:
        server.stop()
    return r


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def table(results):
    names = list(results)
    rows = [
        ("startup to first accepted connection (ms)", lambda r: fmt(r["startup_ms"], 1)),
        ("PutRecords 500×100 B, 1 connection (records/s)", lambda r: fmt(r["put1"]["records_per_second"])),
        ("PutRecords 500×100 B, 4 connections (records/s)", lambda r: fmt(r["put4"]["records_per_second"])),
        ("server CPU per record, PutRecords 4 conn (µs)", lambda r: fmt(r["put4"]["cpu_us_per_record"], 2)),
        ("GetRecords, 2 connections (records/s)", lambda r: fmt(r["get"]["records_per_second"])),
        ("PutRecord p50 / p99 latency (µs)",
         lambda r: f'{fmt(r["put_record"]["p50_us"])} / {fmt(r["put_record"]["p99_us"])}'),
        ("PutRecord, 1 connection (records/s)", lambda r: fmt(r["put_record"]["records_per_second"])),
        ("long run, records/s per interval", lambda r: " → ".join(
            fmt(x / (r["long"]["seconds"] / max(1, len(r["long"]["intervals"])))) for x in r["long"]["intervals"])),
        ("RSS idle (MB)", lambda r: fmt(r["rss_idle_mb"], 1)),
        ("RSS after storing N records (MB)", lambda r: f'{fmt(r["rss_stored_mb"], 1)} (N = {r["stored_records"]:,})'
         if r["rss_stored_mb"] is not None else f'process exited (N = {r["stored_records"]:,})'),
        ("stored bytes (key + data, MB)", lambda r: fmt(r["stored_records"] * 105 / 1e6, 1)),
        ("load average, 1 min (start → end)", lambda r: f'{r["load_average"][0]:.1f} → {r["load_average"][1]:.1f}'),
    ]
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, f in rows:
        cells = []
        for n in names:
            try:
                cells.append(f(results[n]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kwb", required=True, help="kwb or kwb_emulator_dev binary")
    p.add_argument("--client", required=True, help="bench/kinesis_load binary")
    p.add_argument("--short", action="store_true", help="CI mode: a few seconds per figure")
    p.add_argument("--only", help="comma-separated server names")
    p.add_argument("--json", help="also write raw results here")
    args = p.parse_args()
    results = {}
    for server in servers(args.kwb):
        if args.only and server.name not in args.only.split(","):
            continue
        print(f"measuring {server.name} ...", file=sys.stderr)
        try:
            results[server.name] = measure(server, args.client, args.short)
        except Exception as e:  # report the others anyway
            print(f"{server.name}: {e}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(table(results))
    if "kwb emulator" not in results:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
