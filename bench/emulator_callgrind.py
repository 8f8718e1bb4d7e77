#!/usr/bin/env python3
"""Instructions per record on the emulator's data path, independent of machine load.

Wall-clock figures from emulator_compare.py swing with whatever else the machine runs; an
instruction count does not. This starts the emulator under `valgrind --tool=callgrind` on
127.0.0.1, drives it with bench/kinesis_load (PutRecords 500 x 100 B on a 4-shard stream, or
GetRecords from a 2-shard stream holding 100k records), and reports the instructions executed by
the server's I/O threads (HTTP, parsing, engine, response) per record put; start-up runs on the main
thread and is left out. For GetRecords it counts the handler alone (the same threads stored the
records first).

  bench/emulator_callgrind.py --kwb build/src/emulator/kwb_emulator_dev --client build/bench/kinesis_load
      [--mode put-records|get-records] [--records 50000] [--keep callgrind.out]

Needs valgrind and callgrind_annotate (Debian package valgrind).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, wait_until_listening  # noqa: E402  (bench/loopback.py)


def call(port, operation, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Kinesis_20131202.{operation}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def inclusive_instructions(out_file, needle):
    """Inclusive instruction count of the first function whose name contains needle."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", out_file], capture_output=True, text=True,
                          check=True).stdout
    for line in text.splitlines():
        if needle in line:
            return int(re.match(r"\s*([\d,]+)", line).group(1).replace(",", ""))
    raise RuntimeError(f"{needle} is not in the callgrind profile")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kwb", required=True, help="kwb or kwb_emulator_dev binary")
    p.add_argument("--client", required=True, help="bench/kinesis_load binary")
    p.add_argument("--mode", default="put-records", choices=["put-records", "get-records"])
    p.add_argument("--records", type=int, default=50_000, help="records to put (or read)")
    p.add_argument("--keep", help="also keep the callgrind output file here")
    args = p.parse_args()

    out_file = args.keep or os.path.join(tempfile.mkdtemp(prefix="kwb-callgrind-"), "callgrind.out")
    port = free_port()
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", args.kwb, "emulator", "--host",
         "127.0.0.1", "--port", str(port), "--no-limits", "--create-delay-ms", "0", "--log-level", "warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, server, 120, "the emulator under valgrind")
        shards = 4 if args.mode == "put-records" else 2
        call(port, "CreateStream", {"StreamName": "bench", "ShardCount": shards})
        time.sleep(0.5)  # ACTIVE after --create-delay-ms 0; the stream status is not polled here
        load = [args.client, "--port", str(port), "--stream", "bench", "--seconds", "3600", "--shards", str(shards)]
        if args.mode == "get-records":
            subprocess.run(load + ["--mode", "put-records", "--connections", "2", "--max-records", "100000"],
                           capture_output=True, check=True)
        out = subprocess.run(load + ["--mode", args.mode, "--connections", "1" if args.mode == "put-records" else "2",
                                     "--max-records", str(args.records)], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout)
    finally:
        server.terminate()
        server.wait(timeout=60)
    report = {"mode": args.mode, "records": result["records"], "requests": result["requests"],
              "errors": result["errors"]}
    if args.mode == "put-records":
        # Everything the I/O threads did: HTTP, parsing, engine, response.
        total = inclusive_instructions(out_file, "start_thread")
        report["instructions_per_record"] = round(total / max(1, result["records"]))
        report["instructions_per_request"] = round(total / max(1, result["requests"]))
    else:
        # The threads also stored the 100k records first, so count the GetRecords handler only
        # (JSON request, engine read, response body; not HTTP).
        handler = inclusive_instructions(out_file, "(anonymous namespace)::get_records(")
        report["handler_instructions_per_record"] = round(handler / max(1, result["records"]))
    print(json.dumps(report))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
