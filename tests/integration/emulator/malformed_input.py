"""Bad input never crashes the emulator and always gets AWS's 400 shape.

Raw HTTP (http.client) so the requests can be as broken as we like: invalid JSON, wrong types,
oversized fields, unknown or missing targets, a body past the size limit, garbage instead of HTTP.
After each, the server must still answer /_kwb/health and a real call.
"""
import http.client
import json
import socket
import sys
import urllib.parse

from emulator_fixture import Emulator, parse_args

HEADERS = {"Content-Type": "application/x-amz-json-1.1"}


def call(host, port, target, body, extra_headers=None):
    connection = http.client.HTTPConnection(host, port, timeout=10)
    headers = dict(HEADERS)
    if target is not None:
        headers["X-Amz-Target"] = target
    headers.update(extra_headers or {})
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (json.loads(data) if data else {})


def expect_error(host, port, target, body, error_type, message_part=None):
    status, payload = call(host, port, target, body)
    assert status == 400, (target, body[:80], status, payload)
    assert payload.get("__type") == error_type, (target, body[:80], payload)
    if message_part is not None:
        assert message_part in payload.get("message", ""), (payload, message_part)


def healthy(host, port):
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.request("GET", "/_kwb/health")
    response = connection.getresponse()
    ok = response.status == 200 and json.loads(response.read())["status"] == "ok"
    connection.close()
    return ok


def main():
    args = parse_args()
    with Emulator(args.binary) as emulator:
        url = urllib.parse.urlparse(emulator.endpoint)
        host, port = url.hostname, url.port
        k = "Kinesis_20131202."

        status, _ = call(host, port, k + "CreateStream", json.dumps({"StreamName": "m", "ShardCount": 1}))
        assert status == 200

        cases = [
            (k + "ListStreams", "{not json", "SerializationException", None),
            (k + "ListStreams", "[]", "SerializationException", "Start of list found where not expected"),
            (k + "CreateStream", '{"StreamName":"x","ShardCount":"1"}', "SerializationException", "can not be converted to an Integer"),
            (k + "CreateStream", '{"StreamName":true,"ShardCount":1}', "SerializationException", "java.lang.Boolean"),
            (k + "CreateStream", '{"StreamName":{"a":1},"ShardCount":1}', "SerializationException", "Start of structure"),
            (k + "PutRecords", '{"StreamName":"m","Records":{}}', "SerializationException", None),
            (k + "PutRecord", '{"StreamName":"m","PartitionKey":"k","Data":"***="}', "SerializationException", "Blob"),
            (k + "CreateStream", json.dumps({"StreamName": "x" * 200, "ShardCount": 1}), "ValidationException", "'streamName'"),
            (k + "CreateStream", json.dumps({"StreamName": "bad name!", "ShardCount": 1}), "ValidationException", "regular expression"),
            (k + "CreateStream", json.dumps({"StreamName": "x", "ShardCount": -1}), "ValidationException", "greater than or equal to 1"),
            (k + "PutRecord", json.dumps({"StreamName": "m", "PartitionKey": "k" * 300, "Data": "AA=="}), "ValidationException", "partitionKey"),
            (k + "PutRecord", json.dumps({"StreamName": "m", "PartitionKey": "", "Data": "AA=="}), "ValidationException", "partitionKey"),
            (k + "PutRecord", json.dumps({"StreamName": "m", "PartitionKey": "k", "Data": "A" * (1400000)}), "ValidationException", "'data'"),
            (k + "GetRecords", json.dumps({"ShardIterator": "x" * 600}), "ValidationException", "shardIterator"),
            (k + "GetRecords", json.dumps({"ShardIterator": "Zm9v"}), "InvalidArgumentException", "Invalid ShardIterator"),
            (k + "GetShardIterator", json.dumps({"StreamName": "m", "ShardId": "shardId-000000000000", "ShardIteratorType": "SIDEWAYS"}), "ValidationException", "enum value set"),
            (k + "DescribeStream", json.dumps({"StreamName": "nope"}), "ResourceNotFoundException", "Stream nope under account"),
            (k + "Launch", "{}", "UnknownOperationException", None),
            ("Wrong_Service.ListStreams", "{}", "UnknownOperationException", None),
            (None, "{}", "UnknownOperationException", None),
        ]
        for target, body, error_type, part in cases:
            expect_error(host, port, target, body, error_type, part)
            assert emulator.alive()

        # A body past the limit gets 413 and the connection is closed.
        connection = http.client.HTTPConnection(host, port, timeout=10)
        big = b'{"StreamName":"m","Records":[' + b"1" * (11 * 1024 * 1024) + b"]}"
        try:
            connection.request("POST", "/", body=big, headers={**HEADERS, "X-Amz-Target": k + "PutRecords"})
            response = connection.getresponse()
            assert response.status == 413, response.status
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server may close before the client finished sending
        connection.close()

        # Garbage instead of HTTP: the connection closes, the server stays up.
        for garbage in (b"\x00\x01\x02 not http\r\n\r\n", b"GET / HTTP/9.9\r\nHost\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
            with socket.create_connection((host, port), timeout=5) as sock:
                sock.sendall(garbage)
                try:
                    sock.recv(4096)
                except (ConnectionResetError, socket.timeout):
                    pass
        assert emulator.alive()
        assert healthy(host, port)
        status, payload = call(host, port, k + "ListStreams", "{}")
        assert status == 200 and payload["StreamNames"] == ["m"], payload
    print("malformed-input test passed")


if __name__ == "__main__":
    sys.exit(main())
