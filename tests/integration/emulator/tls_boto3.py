"""`kwb emulator --tls`: HTTPS with a generated self-signed certificate (or a given one).

boto3 trusts the printed certificate (verify=PATH) and runs create/put/get; without it the
handshake is refused; our kwb CLI trusts it through AWS_CA_BUNDLE. With --data-dir the certificate
is kept next to the data and reused by a restart. Also prints rough figures: TLS handshake time and
PutRecords latency over one keep-alive connection.
"""
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

from botocore.exceptions import SSLError

from emulator_fixture import Emulator, boto3_client, parse_args, wait_for_status


def handshake_ms(endpoint, cert):
    parsed = urllib.parse.urlparse(endpoint)
    context = ssl.create_default_context(cafile=cert)
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=parsed.hostname) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3"), tls.version()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        with Emulator(args.binary, "--tls", "--data-dir", data_dir, "--create-delay-ms", "0") as emulator:
            assert emulator.endpoint.startswith("https://"), emulator.endpoint
            cert = emulator.certificate
            assert cert and os.path.isfile(cert), cert
            assert cert.startswith(data_dir), f"certificate {cert} should sit next to the data in {data_dir}"
            first_pem = open(cert).read()

            client = boto3_client(emulator.endpoint, verify=cert)
            client.create_stream(StreamName="tls", ShardCount=1)
            wait_for_status(client, "tls", "ACTIVE")
            put = client.put_records(StreamName="tls", Records=[{"Data": b"x" * 100, "PartitionKey": "k"}] * 10)
            assert put["FailedRecordCount"] == 0
            shard = client.list_shards(StreamName="tls")["Shards"][0]["ShardId"]
            iterator = client.get_shard_iterator(StreamName="tls", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
            records = client.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
            assert len(records) == 10 and records[0]["Data"] == b"x" * 100

            # Without the certificate the client refuses the server.
            untrusted = boto3_client(emulator.endpoint)
            try:
                untrusted.list_streams()
                raise AssertionError("a client without the certificate connected")
            except SSLError:
                pass

            # Our own CLI, trusting the certificate through AWS_CA_BUNDLE.
            if os.path.basename(args.binary) == "kwb":
                env = dict(os.environ, AWS_CA_BUNDLE=cert, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                           AWS_SECRET_ACCESS_KEY="secret", AWS_REGION="us-east-1")
                result = subprocess.run([args.binary, "--endpoint-url", emulator.endpoint, "--output", "json",
                                         "streams", "list"], capture_output=True, text=True, timeout=60, env=env)
                assert result.returncode == 0 and "tls" in result.stdout, result
                env.pop("AWS_CA_BUNDLE")
                result = subprocess.run([args.binary, "--endpoint-url", emulator.endpoint, "streams", "list"],
                                        capture_output=True, text=True, timeout=60, env=env)
                assert result.returncode != 0, "kwb trusted a self-signed certificate it was not given"

            # Rough figures (printed for the report, not asserted).
            handshake = handshake_ms(emulator.endpoint, cert)
            latencies = []
            batch = [{"Data": b"y" * 100, "PartitionKey": f"k{i}"} for i in range(100)]
            for _ in range(5):  # stay under the 1,000 records/s shard limit
                start = time.perf_counter()
                client.put_records(StreamName="tls", Records=batch)
                latencies.append((time.perf_counter() - start) * 1000)
            print(f"tls: handshake median {handshake:.2f} ms; PutRecords(100 x 100 B) over keep-alive "
                  f"median {statistics.median(latencies):.2f} ms (boto3 client time included)")

        # A restart reuses the certificate, so clients keep trusting it.
        with Emulator(args.binary, "--tls", "--data-dir", data_dir) as emulator:
            assert emulator.certificate == cert and open(cert).read() == first_pem
            client = boto3_client(emulator.endpoint, verify=cert)
            assert "tls" in client.list_streams()["StreamNames"]

        # A given pair is served as is; a missing file fails at start.
        with Emulator(args.binary, "--tls", "--tls-cert", cert, "--tls-key", os.path.join(data_dir, "tls", "key.pem")) as emulator:
            boto3_client(emulator.endpoint, verify=cert).list_streams()
        result = subprocess.run([args.binary, "emulator", "--port", "0", "--tls", "--tls-cert", "/nonexistent.pem",
                                 "--tls-key", "/nonexistent.key"], capture_output=True, text=True, timeout=30)
        assert result.returncode != 0 and "TLS certificate" in result.stderr, result
    print("tls_boto3: ok")


if __name__ == "__main__":
    sys.exit(main())
