"""`kwb emulator --verify-signatures`: SigV4 checked against configured keys, AWS's errors otherwise.

Keys come from all three sources at once (--access-key, --credentials FILE, KWB_EMULATOR_CREDENTIALS),
and each must work. boto3 signs the ordinary requests; a small independent signer below makes the
requests boto3 will not make (a stale X-Amz-Date, a presigned query, a CBOR body), so the test does
not trust the emulator's own signer to check itself.
"""
import datetime
import hashlib
import hmac
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from botocore.exceptions import ClientError

from emulator_fixture import Emulator, boto3_client, parse_args

FLAG_KEY = ("AKIDFLAG", "flag-secret")
FILE_KEY = ("AKIDFILE", "file-secret")
ENV_KEY = ("AKIDENV", "env-secret")
REGION = "us-east-1"


def expect_error(call, code, status):
    try:
        call()
    except ClientError as error:
        got = error.response["Error"]["Code"]
        got_status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got == code, f"expected {code}, got {got}: {error.response['Error']}"
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"
        return error.response["Error"].get("Message", "")
    raise AssertionError(f"expected {code}, the call succeeded")


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(endpoint, key, body, content_type, target, when, presign=False, service="kinesis"):
    """Returns (url, headers) for a POST signed at `when` (header or presigned-query SigV4)."""
    key_id, secret = key
    parsed = urllib.parse.urlparse(endpoint)
    host = parsed.netloc
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{REGION}/{service}/aws4_request"
    headers = {"Content-Type": content_type, "X-Amz-Target": target, "Host": host}
    query = {}
    if presign:
        signed = ["host"]
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"{key_id}/{scope}",
            "X-Amz-Date": amz_date,
            "X-Amz-Expires": "300",
            "X-Amz-SignedHeaders": "host",
        }
    else:
        headers["X-Amz-Date"] = amz_date
        signed = sorted(h.lower() for h in headers)
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}" for k, v in sorted(query.items()))
    lowered = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in signed)
    canonical = "\n".join(["POST", "/", canonical_query, canonical_headers, ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), amz_date[:8]), REGION), service), "aws4_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    url = endpoint + "/"
    if presign:
        url += "?" + canonical_query + "&X-Amz-Signature=" + signature
    else:
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
                                    f"SignedHeaders={';'.join(signed)}, Signature={signature}")
    del headers["Host"]  # urllib writes it, with the same value
    return url, headers


def post(url, headers, body):
    """(status, body bytes) without raising on 4xx."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        credentials = os.path.join(tmp, "credentials")
        with open(credentials, "w") as out:
            out.write(f"[default]\naws_access_key_id = {FILE_KEY[0]}\naws_secret_access_key = {FILE_KEY[1]}\n")
        flags = ["--no-control-plane-limits", "--verify-signatures", "--access-key", f"{FLAG_KEY[0]}:{FLAG_KEY[1]}", "--credentials", credentials]
        env = {"KWB_EMULATOR_CREDENTIALS": f"{ENV_KEY[0]}:{ENV_KEY[1]}"}
        with Emulator(args.binary, *flags, env=env) as emulator:
            endpoint = emulator.endpoint
            json_type = "application/x-amz-json-1.1"

            # The right key passes, from each source.
            for key in (FLAG_KEY, FILE_KEY, ENV_KEY):
                client = boto3_client(endpoint, key_id=key[0], secret=key[1])
                assert "StreamNames" in client.list_streams(), key[0]
            good = boto3_client(endpoint, key_id=FLAG_KEY[0], secret=FLAG_KEY[1])
            good.create_stream(StreamName="signed", ShardCount=1)

            # A wrong secret: the signature does not match.
            wrong_secret = boto3_client(endpoint, key_id=FLAG_KEY[0], secret="not-the-secret")
            message = expect_error(wrong_secret.list_streams, "InvalidSignatureException", 400)
            assert "signature we calculated does not match" in message, message
            expect_error(lambda: wrong_secret.put_record(StreamName="signed", Data=b"x", PartitionKey="k"),
                         "InvalidSignatureException", 400)
            # An unknown key: rejected before the signature is looked at.
            unknown = boto3_client(endpoint, key_id="AKIDUNKNOWN", secret=FLAG_KEY[1])
            expect_error(unknown.list_streams, "UnrecognizedClientException", 400)

            # No signature at all, and a malformed one.
            status, body = post(endpoint + "/", {"Content-Type": json_type, "X-Amz-Target": "Kinesis_20131202.ListStreams"}, b"{}")
            assert status == 400 and b"MissingAuthenticationTokenException" in body, (status, body)
            status, body = post(endpoint + "/", {"Content-Type": json_type, "X-Amz-Target": "Kinesis_20131202.ListStreams",
                                                 "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDFLAG/20240101"}, b"{}")
            assert status == 400 and b"IncompleteSignatureException" in body, (status, body)

            # Our own signer agrees with boto3's, at the current time.
            now = datetime.datetime.now(datetime.timezone.utc)
            url, headers = sign(endpoint, FLAG_KEY, b"{}", json_type, "Kinesis_20131202.ListStreams", now)
            status, body = post(url, headers, b"{}")
            assert status == 200, (status, body)
            # The 5-minute rule: 6 minutes old is expired, 4 minutes old passes.
            url, headers = sign(endpoint, FLAG_KEY, b"{}", json_type, "Kinesis_20131202.ListStreams",
                                now - datetime.timedelta(minutes=6))
            status, body = post(url, headers, b"{}")
            assert status == 400 and b"InvalidSignatureException" in body and b"Signature expired" in body, (status, body)
            url, headers = sign(endpoint, FLAG_KEY, b"{}", json_type, "Kinesis_20131202.ListStreams",
                                now + datetime.timedelta(minutes=6))
            status, body = post(url, headers, b"{}")
            assert status == 400 and b"Signature not yet current" in body, (status, body)
            url, headers = sign(endpoint, FLAG_KEY, b"{}", json_type, "Kinesis_20131202.ListStreams",
                                now - datetime.timedelta(minutes=4))
            assert post(url, headers, b"{}")[0] == 200
            # A body altered after signing.
            status, body = post(url, headers, b'{"Limit": 1}')
            assert status == 400 and b"InvalidSignatureException" in body, (status, body)

            # Presigned query signatures.
            url, headers = sign(endpoint, FILE_KEY, b"{}", json_type, "Kinesis_20131202.ListStreams", now, presign=True)
            status, body = post(url, headers, b"{}")
            assert status == 200, (status, body)
            url, headers = sign(endpoint, (FILE_KEY[0], "wrong"), b"{}", json_type, "Kinesis_20131202.ListStreams", now,
                                presign=True)
            status, body = post(url, headers, b"{}")
            assert status == 400 and b"InvalidSignatureException" in body, (status, body)
            url, headers = sign(endpoint, FILE_KEY, b"{}", json_type, "Kinesis_20131202.ListStreams",
                                now - datetime.timedelta(minutes=10), presign=True)
            status, body = post(url, headers, b"{}")
            assert status == 400 and b"Signature expired" in body, (status, body)

            # CBOR: the error comes back in CBOR (an empty map is b"\xa0").
            cbor_type = "application/x-amz-cbor-1.1"
            url, headers = sign(endpoint, ("AKIDUNKNOWN", "x"), b"\xa0", cbor_type, "Kinesis_20131202.ListStreams", now)
            status, body = post(url, headers, b"\xa0")
            assert status == 400 and body[:1] != b"{" and b"UnrecognizedClientException" in body, (status, body)
            url, headers = sign(endpoint, ENV_KEY, b"\xa0", cbor_type, "Kinesis_20131202.ListStreams", now)
            assert post(url, headers, b"\xa0")[0] == 200

            # CloudWatch answers the Query services' codes.
            cw_good = boto3_client(endpoint, key_id=ENV_KEY[0], secret=ENV_KEY[1], service="cloudwatch")
            cw_good.list_metrics()
            cw_unknown = boto3_client(endpoint, key_id="AKIDUNKNOWN", secret="x", service="cloudwatch")
            expect_error(cw_unknown.list_metrics, "InvalidClientTokenId", 403)
            cw_wrong = boto3_client(endpoint, key_id=ENV_KEY[0], secret="wrong", service="cloudwatch")
            expect_error(cw_wrong.list_metrics, "SignatureDoesNotMatch", 403)

            # The admin endpoints stay open.
            with urllib.request.urlopen(endpoint + "/_kwb/health", timeout=10) as response:
                assert response.status == 200
            assert emulator.alive()

        # Misconfiguration fails at start with a clear message, not at the first request.
        import subprocess
        result = subprocess.run([args.binary, "emulator", "--port", "0", "--verify-signatures"],
                                capture_output=True, text=True, timeout=30,
                                env={k: v for k, v in os.environ.items() if k != "KWB_EMULATOR_CREDENTIALS"})
        assert result.returncode != 0 and "needs at least one key" in result.stderr, result
    print("signatures_boto3: ok")


if __name__ == "__main__":
    sys.exit(main())
