"""Starts `kwb emulator --port 0` for an integration test and stops it with SIGTERM.

The binary comes from --binary (ctest passes build/src/cli/kwb, the real command; the standalone
kwb_emulator_dev works too), or from KWB_BINARY when --binary is absent. The emulator prints
"listening on http[s]://127.0.0.1:PORT" once bound (after "tls certificate PATH" with --tls); we
wait for that line, so no test sleeps on a guess. Every server binds to 127.0.0.1 only.
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
    parser.add_argument("--binary", default=os.environ.get("KWB_BINARY"), help="kwb or kwb_emulator_dev executable")
    parser.add_argument("--require-boto3", metavar="VERSION",
                        help="fail unless this python's boto3 is at least VERSION (the newer-SDK runs)")
    parser.add_argument("extra", nargs="*", help="extra emulator flags")
    args = parser.parse_args()
    if not args.binary:
        parser.error("pass --binary PATH (or set KWB_BINARY) to the kwb executable")
    if args.require_boto3:
        require_boto3(args.require_boto3)
    return args


def require_boto3(minimum):
    """Exits with a clear message when the running python lacks a new enough boto3."""
    def version(text):
        return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())
    try:
        import boto3
    except ImportError:
        sys.exit(f"FAIL: {sys.executable} has no boto3; this test needs boto3 >= {minimum} "
                 "(the machine's pyenv python3 on PATH)")
    if version(boto3.__version__) < version(minimum):
        sys.exit(f"FAIL: {sys.executable} has boto3 {boto3.__version__}; this test needs boto3 >= {minimum}. "
                 "Put the machine's pyenv python3 (boto3 1.43) first on PATH.")
    print(f"using {sys.executable} with boto3 {boto3.__version__}")


class Emulator:
    def __init__(self, binary, *flags, env=None):
        self.binary = binary
        self.flags = list(flags)
        self.env = env  # extra environment variables for the emulator process
        self.process = None
        self.endpoint = None
        self.certificate = None  # with --tls: the PEM file clients should trust

    def __enter__(self):
        cmd = [self.binary, "emulator", "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"] + self.flags
        env = dict(os.environ, **self.env) if self.env else None
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=env)
        deadline = time.monotonic() + 10
        line = ""
        match = None
        while time.monotonic() < deadline and self.process.poll() is None:
            line = self.process.stdout.readline()
            cert = re.search(r"tls certificate (\S+)", line)
            if cert:
                self.certificate = cert.group(1)
                continue
            match = re.search(r"listening on (https?://127\.0\.0\.1:\d+)", line)
            if match or not line:
                break
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


def boto3_client(endpoint, region="us-east-1", key_id="AKIDEXAMPLE", secret="secret", service="kinesis", verify=None):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        verify=verify,
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
