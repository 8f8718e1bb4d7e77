"""Differential test: the same Kinesis requests against kinesis-local (npm, the Node build of
kinesis-mock) and `kwb emulator`, comparing HTTP status, error code (__type) and response shape
(key sets and JSON types, recursively; values are not compared).

Where kinesis-local strays from AWS's documentation the difference is listed in KNOWN_DIFFERENCES
(and explained in docs/emulator.md, "Differences from kinesis-local"). The test fails on any
difference not in that list, and on a listed difference that no longer happens, so the list stays
true in both directions.

Both servers bind 127.0.0.1 only (kinesis-local through tests/peers/loopback.js).
"""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from emulator_fixture import Emulator

# (step, difference) -> why. A difference is "status A != B", "code A != B" or "<path>: kwb X, peer Y".
# Every entry is a place where kinesis-local departs from the AWS API reference (docs/emulator.md).
NULLS = "kinesis-local writes absent optional members as null; AWS omits them"
ENCRYPTION = "kinesis-local sends EncryptionType NONE for unencrypted streams; AWS omits it"
KNOWN_DIFFERENCES = {
    ("DescribeStreamSummary", "peer writes null members"): NULLS,
    ("DescribeStream", "peer writes null members"): NULLS,
    ("ListShards", "peer writes null members"): NULLS,
    ("ListShards after reshard", "peer writes null members"): NULLS,
    ("PutRecords", "peer writes null members"): NULLS,
    ("GetRecords", "peer writes null members"): NULLS,
    ("ListStreams", "StreamSummaries: kwb has it, peer does not"):
        "ListStreams returns StreamSummaries (API reference); kinesis-local only StreamNames",
    ("UpdateShardCount", "StreamARN: kwb has it, peer does not"):
        "UpdateShardCount returns StreamARN (API reference); kinesis-local does not",
    ("PutRecord", "EncryptionType: peer has it, kwb does not"): ENCRYPTION,
    ("PutRecords", "EncryptionType: peer has it, kwb does not"): ENCRYPTION,
    ("GetRecords", "Records[].EncryptionType: peer has it, kwb does not"): ENCRYPTION,
    ("CreateStream bad shard count", "code ValidationException != LimitExceededException"):
        "ShardCount below its modelled minimum (1) is a ValidationException; kinesis-local says LimitExceeded",
    ("CreateStream bad name", "code ValidationException != InvalidArgumentException"):
        "a StreamName outside its modelled pattern is a ValidationException; kinesis-local says InvalidArgument",
    ("PutRecord no key", "code ValidationException != SerializationException"):
        "a missing required member is a ValidationException (Member must not be null); kinesis-local says Serialization",
    ("GetRecords bad iterator", "status 400 != 500"):
        "an undecodable iterator is InvalidArgumentException (400); kinesis-local fails with a bare 500",
    ("GetRecords bad iterator", "code InvalidArgumentException != None"):
        "(same) kinesis-local's 500 carries no __type",
    ("Unknown operation", "code UnknownOperationException != AccessDeniedException"):
        "an unknown X-Amz-Target is UnknownOperationException; kinesis-local says AccessDenied",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KinesisLocal:
    def __init__(self, node, peers):
        self.node = node
        self.peers = peers
        self.port = free_port()
        self.process = None

    def __enter__(self):
        main_js = os.path.join(self.peers, "node_modules", "kinesis-local", "main.js")
        if not os.path.exists(main_js):
            raise SystemExit(f"FAIL: {main_js} is missing: run scripts/bootstrap.sh (npm ci in tests/peers)")
        tls_port = free_port()
        env = dict(os.environ, KINESIS_MOCK_PLAIN_PORT=str(self.port), KINESIS_MOCK_TLS_PORT=str(tls_port),
                   KINESIS_MOCK_CERT_PATH=os.path.join(self.peers, "node_modules", "kinesis-local", "server.json"),
                   CREATE_STREAM_DURATION="100ms", DELETE_STREAM_DURATION="100ms", UPDATE_SHARD_COUNT_DURATION="100ms",
                   MERGE_SHARDS_DURATION="100ms", SPLIT_SHARD_DURATION="100ms", SHOULD_PERSIST_DATA="false",
                   LOG_LEVEL="WARN", AWS_REGION="us-east-1")
        self.process = subprocess.Popen([self.node, "-r", os.path.join(self.peers, "loopback.js"), main_js], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("kinesis-local exited during start-up")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    self.endpoint = f"http://127.0.0.1:{self.port}"
                    return self
            except OSError:
                time.sleep(0.2)  # waiting on a real child process
        self.process.kill()
        raise RuntimeError("kinesis-local did not listen within 60 s")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return False


def call(endpoint, operation, body, raw_body=None):
    """Signed Kinesis JSON 1.1 call. Returns (status, parsed JSON or None)."""
    data = raw_body if raw_body is not None else json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Kinesis_20131202.{operation}"}
    request = AWSRequest(method="POST", url=endpoint + "/", data=data, headers=headers)
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "kinesis", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(endpoint + "/", data=data, headers=dict(request.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, {"<non-json>": text[:200].decode(errors="replace")}


def null_members(value, path=""):
    """Paths of members whose value is null (AWS omits an absent member instead)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            found += [sub] if item is None else null_members(item, sub)
    elif isinstance(value, list):
        for item in value:
            found += null_members(item, path + "[]")
    return found


def shape(value):
    if isinstance(value, dict):
        # Null members count as absent here; null_members() reports them separately.
        return {key: shape(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        merged = {}
        for item in value:
            s = shape(item)
            if isinstance(s, dict) and isinstance(merged, dict):
                for key, sub in s.items():
                    merged.setdefault(key, sub)
            else:
                merged = s
        return [merged] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def compare_shapes(ours, theirs, path, out):
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            sub = f"{path}.{key}" if path else key
            if key not in theirs:
                out.append(f"{sub}: kwb has it, peer does not")
            elif key not in ours:
                out.append(f"{sub}: peer has it, kwb does not")
            else:
                compare_shapes(ours[key], theirs[key], sub, out)
    elif isinstance(ours, list) and isinstance(theirs, list):
        if ours and theirs:
            compare_shapes(ours[0], theirs[0], path + "[]", out)
    elif ours != theirs:
        out.append(f"{path}: kwb {json.dumps(ours) if not isinstance(ours, str) else ours}, "
                   f"peer {json.dumps(theirs) if not isinstance(theirs, str) else theirs}")


def error_code(body):
    if not isinstance(body, dict):
        return None
    code = body.get("__type")
    return code.split("#")[-1] if code else None


def wait_status(endpoint, name, wanted):
    for _ in range(200):
        status, body = call(endpoint, "DescribeStreamSummary", {"StreamName": name})
        if wanted is None and status == 400:
            return
        if status == 200 and body["StreamDescriptionSummary"]["StreamStatus"] == wanted:
            return
        time.sleep(0.05)
    raise AssertionError(f"{endpoint}: {name} never reached {wanted}")


def steps(record):
    """The scenario: each step sends one request to both servers through `record`."""
    stream = "differential"
    record("CreateStream", "CreateStream", {"StreamName": stream, "ShardCount": 2})
    yield ("wait", stream, "ACTIVE")
    record("CreateStream duplicate", "CreateStream", {"StreamName": stream, "ShardCount": 2})
    record("DescribeStreamSummary", "DescribeStreamSummary", {"StreamName": stream})
    record("DescribeStream", "DescribeStream", {"StreamName": stream})
    record("ListStreams", "ListStreams", {})
    record("ListShards", "ListShards", {"StreamName": stream})
    data = base64.b64encode(b"hello").decode()
    record("PutRecord", "PutRecord", {"StreamName": stream, "Data": data, "PartitionKey": "a"})
    record("PutRecords", "PutRecords", {"StreamName": stream,
                                        "Records": [{"Data": data, "PartitionKey": f"k{i}"} for i in range(3)]})
    iterator = record("GetShardIterator", "GetShardIterator",
                      {"StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})
    record("GetRecords", "GetRecords", lambda side: {"ShardIterator": iterator[side]["ShardIterator"]})
    record("AddTagsToStream", "AddTagsToStream", {"StreamName": stream, "Tags": {"team": "data"}})
    record("ListTagsForStream", "ListTagsForStream", {"StreamName": stream})
    record("IncreaseStreamRetentionPeriod", "IncreaseStreamRetentionPeriod", {"StreamName": stream, "RetentionPeriodHours": 48})
    yield ("wait", stream, "ACTIVE")
    record("IncreaseStreamRetentionPeriod shorter", "IncreaseStreamRetentionPeriod",
           {"StreamName": stream, "RetentionPeriodHours": 30})
    record("DescribeLimits", "DescribeLimits", {})
    # Errors.
    record("DescribeStream missing", "DescribeStream", {"StreamName": "missing"})
    record("CreateStream bad shard count", "CreateStream", {"StreamName": "bad", "ShardCount": 0})
    record("CreateStream bad name", "CreateStream", {"StreamName": "bad name!", "ShardCount": 1})
    record("PutRecord no key", "PutRecord", {"StreamName": stream, "Data": data})
    record("PutRecord wrong type", "PutRecord", {"StreamName": stream, "Data": data, "PartitionKey": 5})
    record("GetRecords bad iterator", "GetRecords", {"ShardIterator": "not-an-iterator"})
    record("GetShardIterator missing shard", "GetShardIterator",
           {"StreamName": stream, "ShardId": "shardId-000000000099", "ShardIteratorType": "TRIM_HORIZON"})
    record("Unknown operation", "NoSuchOperation", {})
    record("Malformed JSON", "ListStreams", None, raw_body=b"{not json")
    # Resharding, then delete.
    record("UpdateShardCount", "UpdateShardCount", {"StreamName": stream, "TargetShardCount": 4, "ScalingType": "UNIFORM_SCALING"})
    yield ("wait", stream, "ACTIVE")
    record("ListShards after reshard", "ListShards", {"StreamName": stream})
    record("UpdateShardCount too far", "UpdateShardCount", {"StreamName": stream, "TargetShardCount": 9, "ScalingType": "UNIFORM_SCALING"})
    record("DeleteStream", "DeleteStream", {"StreamName": stream})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.environ.get("KWB_BINARY"), required=False)
    parser.add_argument("--node", default="/usr/bin/node")
    parser.add_argument("--peers", default=os.path.join(os.path.dirname(__file__), "..", "..", "peers"))
    args = parser.parse_args()
    if not args.binary:
        parser.error("pass --binary PATH (or set KWB_BINARY)")

    differences = {}
    with KinesisLocal(args.node, args.peers) as peer, \
            Emulator(args.binary, "--create-delay-ms", "100", "--update-delay-ms", "100", "--no-control-plane-limits") as kwb:
        sides = {"kwb": kwb.endpoint, "peer": peer.endpoint}

        def record(step, operation, body, raw_body=None):
            answers = {}
            for side, endpoint in sides.items():
                request = body(side) if callable(body) else body
                answers[side] = call(endpoint, operation, request, raw_body)
            (ours_status, ours), (their_status, theirs) = answers["kwb"], answers["peer"]
            found = []
            if ours_status != their_status:
                found.append(f"status {ours_status} != {their_status}")
            if error_code(ours) != error_code(theirs):
                found.append(f"code {error_code(ours)} != {error_code(theirs)}")
            if ours_status == 200 and their_status == 200:
                compare_shapes(shape(ours), shape(theirs), "", found)
                for side, body in (("kwb", ours), ("peer", theirs)):
                    if null_members(body):
                        found.append(f"{side} writes null members")
            differences[step] = found
            return {side: answer[1] for side, answer in answers.items()}

        for action in steps(record):
            _, name, status = action
            for endpoint in sides.values():
                wait_status(endpoint, name, status)

    unexpected, vanished = [], []
    for step, found in differences.items():
        for difference in found:
            if (step, difference) not in KNOWN_DIFFERENCES:
                unexpected.append(f"{step}: {difference}")
    for (step, difference) in KNOWN_DIFFERENCES:
        if difference not in differences.get(step, []):
            vanished.append(f"{step}: {difference}")
    for line in unexpected:
        print("NEW DIFFERENCE", line)
    for line in vanished:
        print("LISTED DIFFERENCE NO LONGER SEEN", line)
    if unexpected or vanished:
        return 1
    print(f"differential: {len(differences)} requests, {len(KNOWN_DIFFERENCES)} known differences, no new ones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
