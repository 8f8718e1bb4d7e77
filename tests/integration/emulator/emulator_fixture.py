"""Starts `kwb emulator --port 0` for an integration test and stops it with SIGTERM.

The binary comes from --binary (ctest passes the built target). The emulator prints
"listening on http://127.0.0.1:PORT" once bound; we wait for that line, so no test sleeps
on a guess. Every server binds to 127.0.0.1 only.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True, help="kwb or kwb_emulator_dev executable")
    parser.add_argument("extra", nargs="*", help="extra emulator flags")
    return parser.parse_args()


class Emulator:
    def __init__(self, binary, *flags):
        self.binary = binary
        self.flags = list(flags)
        self.process = None
        self.endpoint = None

    def __enter__(self):
        cmd = [self.binary, "emulator", "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"] + self.flags
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        deadline = time.monotonic() + 10
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line or self.process.poll() is not None:
                break
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.endpoint = match.group(1)
        return self

    def __exit__(self, *exc):
        # Graceful shutdown on SIGTERM is part of the contract: exit code 0 within a few seconds.
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise RuntimeError("emulator did not stop on SIGTERM")
        if exc[0] is None and code != 0:
            raise RuntimeError(f"emulator exited with {code} after SIGTERM")
        return False

    def alive(self):
        return self.process.poll() is None


def boto3_client(endpoint, region="us-east-1"):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def wait_for_status(client, name, status, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        summary = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == status:
            return summary
        time.sleep(0.1)
    raise AssertionError(f"stream {name} never became {status}")


def wait_until_gone(client, name, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.describe_stream_summary(StreamName=name)
        except client.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.1)
    raise AssertionError(f"stream {name} was never deleted")
