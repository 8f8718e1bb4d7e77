#!/usr/bin/python3
"""PutRecords throughput of our producer and client against boto3 and the AWS SDK for JavaScript.

Issue 6: the kwb producer into `kwb emulator --no-limits`, against a plain boto3 PutRecords loop
and a plain @aws-sdk/client-kinesis loop, in the same run on the same machine.
Issue 2: our client's PutRecords throughput against kinesis-local (`--target kinesis-local`).

    bench/producer_compare.py --kwb build/src/cli/kwb --bench build/bench/producer_bench
    bench/producer_compare.py --kwb build/src/cli/kwb --bench build/bench/producer_bench --target kinesis-local

Each client writes SIZE-byte records (partition keys 0..99999) to a fresh 8-shard stream for
SECONDS, then the next client runs; the stream is deleted in between so the server's memory does
not grow across rows. For every row: records/s and MB/s acknowledged (MB = 10^6 bytes of data +
partition key, what Kinesis meters), the client's CPU (user + system of its process, from wait4)
and the server's CPU (utime + stime of its process tree from /proc) per MB written.

Rows: the kwb producer (src/kinesis/producer, limiter off, 4 requests in flight); a kwb client
loop (kinesis::Client::put_records, 500 records per call, one call at a time); the boto3 loop
(bench/boto3_put_loop.py) and the SDK loop (bench/sdk_js_put_loop.js), which do the same as the
kwb loop. Every server listens on 127.0.0.1 only (kinesis-local runs with tests/peers/loopback.js).
"""
import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port  # noqa: E402  (bench/loopback.py)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(REPO, "tests", "peers")
NODE = "/usr/bin/node"
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root):
    """utime + stime of `root` and its live descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry), fields))
    total, todo = 0.0, [root]
    with open(f"/proc/{root}/stat") as f:
        own = f.read().rsplit(")", 1)[1].split()
    total += (int(own[11]) + int(own[12])) / TICKS
    while todo:
        for pid, fields in children.get(todo.pop(), []):
            total += (int(fields[11]) + int(fields[12])) / TICKS
            todo.append(pid)
    return total


class Server:
    """A Kinesis endpoint on 127.0.0.1, stopped by stop()."""

    def __init__(self, target, kwb):
        self.target = target
        if target == "emulator":
            argv = [kwb, "emulator", "--port", "0", "--no-limits"]
            env = dict(os.environ)
        else:
            self.port = free_port()
            main_js = os.path.join(PEERS, "node_modules", "kinesis-local", "main.js")
            argv = [NODE, "-r", os.path.join(PEERS, "loopback.js"), main_js]
            env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "KINESIS_MOCK_PLAIN_PORT": str(self.port),
                   "KINESIS_MOCK_TLS_PORT": str(free_port()),
                   "KINESIS_MOCK_CERT_PATH": os.path.join(PEERS, "node_modules", "kinesis-local", "server.json"),
                   "CREATE_STREAM_DURATION": "200ms", "DELETE_STREAM_DURATION": "200ms",
                   "SHOULD_PERSIST_DATA": "false", "LOG_LEVEL": "WARN", "AWS_REGION": "us-east-1"}
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if target == "emulator":
            line = self.process.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if not match:
                self.stop()
                sys.exit(f"producer_compare: kwb emulator did not report its port: {line!r}")
            self.port = int(match.group(1))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.process.poll() is not None:
                    sys.exit(f"producer_compare: {target} exited during start-up")
                time.sleep(0.1)
        else:
            self.stop()
            sys.exit(f"producer_compare: {target} did not accept connections within 60 s")
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.admin = boto3.client("kinesis", endpoint_url=self.endpoint, region_name="us-east-1",
                                  aws_access_key_id="bench", aws_secret_access_key="bench")

    def cpu(self):
        return tree_cpu_seconds(self.process.pid)

    def fresh_stream(self, name, shards):
        self.admin.create_stream(StreamName=name, ShardCount=shards)
        self.admin.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})

    def drop_stream(self, name):
        self.admin.delete_stream(StreamName=name)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_client(name, argv, server):
    """Runs one client to completion; returns its JSON line plus client and server CPU seconds."""
    cpu0 = server.cpu()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate()
    # communicate() has reaped the child; its rusage is in the RUSAGE_CHILDREN totals.
    server_cpu = server.cpu() - cpu0
    if child.returncode != 0 or not out.strip():
        sys.exit(f"producer_compare: {name} failed ({child.returncode}): {err.strip()[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["server_cpu_s"] = server_cpu
    return result


def children_cpu():
    """User + system CPU of every reaped child so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kwb", required=True, help="the kwb binary (for `kwb emulator`)")
    parser.add_argument("--bench", required=True, help="the producer_bench binary")
    parser.add_argument("--target", choices=["emulator", "kinesis-local"], default="emulator")
    parser.add_argument("--seconds", type=float, default=10, help="load time per client")
    parser.add_argument("--size", type=int, default=100, help="record data bytes")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args()

    # Against kinesis-local (a few hundred records/s) the producer's default 64 MB buffer would hold
    # minutes of records, which expire (30 s TTL) before they are sent: give it 0.25 MB (~2,500
    # records, a few seconds' worth) so that the row measures throughput, not expiry.
    buffer_mb = "64" if args.target == "emulator" else "0.25"
    clients = [
        ("kwb producer (4 in flight)", lambda ep, s: [args.bench, "--endpoint", ep, "--stream", s, "--mode", "producer",
                                                      "--seconds", str(args.seconds), "--size", str(args.size),
                                                      "--buffer-mb", buffer_mb]),
        ("kwb client loop", lambda ep, s: [args.bench, "--endpoint", ep, "--stream", s, "--mode", "client",
                                           "--seconds", str(args.seconds), "--size", str(args.size)]),
        ("boto3 loop", lambda ep, s: ["/usr/bin/python3", os.path.join(REPO, "bench", "boto3_put_loop.py"), ep, s,
                                      str(args.seconds), str(args.size)]),
        ("aws-sdk-js loop", lambda ep, s: [NODE, os.path.join(REPO, "bench", "sdk_js_put_loop.js"), ep, s,
                                           str(args.seconds), str(args.size)]),
    ]
    with open("/proc/loadavg") as f:
        load_before = " ".join(f.read().split()[:3])
    server = Server(args.target, args.kwb)
    rows = []
    try:
        for i, (name, argv) in enumerate(clients):
            stream = f"producer-bench-{i}"
            server.fresh_stream(stream, args.shards)
            cpu0 = children_cpu()
            result = run_client(name, argv(server.endpoint, stream), server)
            result["client_cpu_s"] = children_cpu() - cpu0
            result["name"] = name
            rows.append(result)
            server.drop_stream(stream)
    finally:
        server.stop()
    with open("/proc/loadavg") as f:
        load_after = " ".join(f.read().split()[:3])

    print(f"target: {args.target} ({'--no-limits' if args.target == 'emulator' else 'kinesis-local'}), "
          f"{args.shards} shards, {args.size}-byte records, {args.seconds:g} s per client; "
          f"load average before {load_before}, after {load_after}")
    header = ["client", "records/s", "MB/s", "client CPU ms/MB", "server CPU ms/MB", "acked", "failed"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        mb = r["bytes"] / 1e6
        per_mb = lambda cpu: f"{cpu * 1000 / mb:,.0f}" if mb > 0 else "n/a"
        print(f"| {r['name']} | {r['acked'] / r['seconds']:,.0f} | {mb / r['seconds']:,.2f} | "
              f"{per_mb(r['client_cpu_s'])} | {per_mb(r['server_cpu_s'])} | {r['acked']:,} | {r['failed']:,} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"target": args.target, "load_before": load_before, "load_after": load_after, "rows": rows}, f,
                      indent=1)


if __name__ == "__main__":
    main()
