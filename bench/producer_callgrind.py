#!/usr/bin/env python3
"""Instructions per record of the kwb producer and of a plain client loop, independent of load.

producer_compare.py's records/s and CPU ms/MB swing with whatever else the machine runs; an
instruction count does not. This starts `kwb emulator --no-limits` on 127.0.0.1 (natively: only
the client is measured), creates an 8-shard stream, then runs bench/producer_bench under
`valgrind --tool=callgrind` twice per mode, for a small and a large record count, and reports the
difference divided by the difference in records: the marginal instructions per record, with the
process's start-up (session, TLS-free HTTP set-up, thread start) cancelled out. Every thread of
the bench process counts (the producer's sender threads, the HTTP client, JSON, SigV4).

  bench/producer_callgrind.py --kwb build/src/cli/kwb --bench build/bench/producer_bench
      [--modes producer,client] [--small 5000] [--large 25000] [--size 100]

Needs valgrind (Debian package valgrind).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, wait_until_listening  # noqa: E402  (bench/loopback.py)


def total_instructions(out_file):
    with open(out_file) as f:
        for line in f:
            m = re.match(r"(?:summary|totals):\s+(\d+)", line)
            if m:
                return int(m.group(1))
    raise RuntimeError(f"no instruction total in {out_file}")


def measure(bench, endpoint, stream, mode, records, size, workdir):
    out_file = os.path.join(workdir, f"callgrind.{mode}.{records}")
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", bench, "--endpoint", endpoint,
         "--stream", stream, "--mode", mode, "--records", str(records), "--seconds", "3600", "--size", str(size)],
        capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"producer_bench {mode} {records}: {result.stderr[-2000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["acked"] != records:
        raise RuntimeError(f"producer_bench {mode}: {report['acked']} of {records} acked")
    return total_instructions(out_file)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kwb", required=True, help="kwb binary (runs the emulator)")
    p.add_argument("--bench", required=True, help="bench/producer_bench binary")
    p.add_argument("--modes", default="producer,client")
    p.add_argument("--small", type=int, default=5000)
    p.add_argument("--large", type=int, default=25000)
    p.add_argument("--size", type=int, default=100)
    args = p.parse_args()

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [args.kwb, "emulator", "--host", "127.0.0.1", "--port", str(port), "--no-limits", "--create-delay-ms", "0",
         "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workdir = tempfile.mkdtemp(prefix="kwb-producer-callgrind-")
    report = {"small": args.small, "large": args.large, "size": args.size}
    try:
        wait_until_listening(port, server, 30, "the emulator")
        subprocess.run([args.bench, "--endpoint", endpoint, "--stream", "bench", "--create", "--shards", "8",
                        "--mode", "client", "--records", "1"], capture_output=True, check=True, timeout=120)
        for mode in args.modes.split(","):
            small = measure(args.bench, endpoint, "bench", mode, args.small, args.size, workdir)
            large = measure(args.bench, endpoint, "bench", mode, args.large, args.size, workdir)
            report[mode] = {"instructions_small": small, "instructions_large": large,
                            "instructions_per_record": round((large - small) / (args.large - args.small))}
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
