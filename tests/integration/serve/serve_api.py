"""Integration test of `kwb serve --embedded`: the real process, real HTTP on 127.0.0.1.

Covers the main flow (login, create/describe/scale/tag/delete a stream, checked through the API
and through a direct Kinesis DescribeStreamSummary to the embedded emulator), the authorization
matrix generated from the served OpenAPI document, login lockout, injection-shaped input, the
metrics and the access log (no secrets), and graceful shutdown.

  serve_api.py --binary build/src/cli/kwb [--database-url postgresql://...]

With --postgres, the URL comes from KWB_TEST_DATABASE_URL (a fresh schema per run, dropped
after) and the test FAILS when it is unset: CI must not pass by skipping.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

JWT_SECRET = "integration-test-jwt-secret-0123456789abcdef"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, alg_header=None) -> str:
    header = alg_header or {"alg": "HS256", "typ": "JWT"}
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode()
    if header.get("alg") == "none":
        return f"{head}.{body}."
    sig = hmac.new(JWT_SECRET.encode(), signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


class Server:
    def __init__(self, binary, data_dir, database_url=None, extra_env=None, target_args=None):
        self.binary = binary
        self.data_dir = data_dir
        self.database_url = database_url
        self.extra_env = extra_env or {}
        self.target_args = target_args or ["--embedded"]
        self.stderr_lines = []

    def __enter__(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("KWB_")}
        env.update({
            "KWB_JWT_SECRET": JWT_SECRET,
            "KWB_PASSWORD_HASH_COST": "minimum",
            "KWB_LOGIN_MAX_FAILURES": "3",
            "KWB_LOGIN_LOCKOUT_SECONDS": "600",
            "KWB_STREAM_WAIT_SECONDS": "20",
            "HOME": self.data_dir,  # no ~/.aws of the machine running the test
        })
        env.update(self.extra_env)
        cmd = [self.binary, "serve", *self.target_args, "--port", "0", "--data-dir", self.data_dir]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line or self.process.poll() is not None:
                break
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            self.process.kill()
            self._drain.join(5)
            raise RuntimeError(f"kwb serve did not start: {line!r}\n" + "".join(self.stderr_lines))
        self.base = match.group(1)
        return self

    def _read_stderr(self):
        for line in self.process.stderr:
            self.stderr_lines.append(line)
            sys.stderr.write(line)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        self._drain.join(5)
        return code

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return False

    def call(self, method, path, token=None, body=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload, hdrs = response.status, response.read(), response.headers
        except urllib.error.HTTPError as e:
            status, payload, hdrs = e.code, e.read(), e.headers
        text = payload.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return status, parsed, hdrs


failures = []


def check(condition, message):
    if condition:
        print("ok   ", message)
    else:
        print("FAIL ", message)
        failures.append(message)


def login(server, user, password):
    status, body, _ = server.call("POST", "/api/auth/login", body={"username": user, "password": password})
    if status != 200:
        raise RuntimeError(f"login {user} failed: {status} {body}")
    return body["token"]


def main_flow(server, admin):
    status, system, _ = server.call("GET", "/api/system", admin)
    check(status == 200 and system["aws_target"]["mode"] == "embedded", "GET /api/system shows the embedded target")
    endpoint = system["aws_target"]["kinesis_endpoint"]
    check(endpoint.startswith("http://127.0.0.1:"), f"embedded emulator on loopback ({endpoint})")
    _, ready, _ = server.call("GET", "/readyz")
    check(ready["aws_target"]["kinesis_endpoint"] == endpoint, "/readyz names the same endpoint")

    name = "it-" + uuid.uuid4().hex[:8]
    spec = {"name": name, "shard_count": 2, "tags": {"team": "workbench"}}
    status, created, hdrs = server.call("POST", "/api/streams", admin, spec)
    check(status == 201 and created["status"] == "ACTIVE" and created["shard_count"] == 2,
          f"create {name}: 201 ACTIVE with 2 shards ({status} {created})")
    check(hdrs.get("X-Request-Id"), "responses carry X-Request-Id")
    status, again, _ = server.call("POST", "/api/streams", admin, spec)
    check(status == 200 and again["name"] == name, f"same create again: 200 ({status})")
    status, conflict, _ = server.call("POST", "/api/streams", admin, dict(spec, shard_count=3))
    check(status == 409, f"same name, different shard count: 409 ({status} {conflict})")

    status, described, _ = server.call("GET", f"/api/streams/{name}", admin)
    check(status == 200 and described["status"] == "ACTIVE" and len(described["shards"]) == 2
          and described["managed"] is True, f"describe: ACTIVE, 2 shards, managed ({status})")

    import boto3  # Debian's python3-boto3
    kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    check(summary["StreamStatus"] == "ACTIVE" and summary["OpenShardCount"] == 2,
          "direct Kinesis DescribeStreamSummary agrees: ACTIVE, 2 shards")

    status, scaled, _ = server.call("POST", f"/api/streams/{name}/scale", admin, {"target_shard_count": 5})
    check(status == 200 and scaled["steps"] == [4, 5] and scaled["shard_count"] == 5,
          f"scale 2 -> 5 in steps of at most x2: {scaled}")
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    check(summary["StreamStatus"] == "ACTIVE" and summary["OpenShardCount"] == 5,
          "direct DescribeStreamSummary after scaling: ACTIVE, 5 shards")
    status, described, _ = server.call("GET", f"/api/streams/{name}", admin)
    check(described["shard_count"] == 5, "API shows 5 shards after scaling")

    # Injection-shaped tags are stored and returned verbatim.
    evil = {"owner": "x'); DROP TABLE users;--", "note": "\" OR 1=1 --"}
    status, tagged, _ = server.call("PUT", f"/api/streams/{name}/tags", admin, {"tags": evil})
    check(status == 200, f"PUT tags: 200 ({status} {tagged})")
    status, described, _ = server.call("GET", f"/api/streams/{name}", admin)
    check(described["tags"] == evil, f"injection-shaped tags come back verbatim: {described['tags']}")
    status, listed, _ = server.call("GET", "/api/streams", admin)
    entry = [s for s in listed["streams"] if s["name"] == name]
    check(status == 200 and entry and entry[0]["managed"] and entry[0]["tags"] == evil,
          "GET /api/streams merges the recorded row (tags verbatim)")
    for bad in ["x'; DROP TABLE users;--", "a b", "../etc"]:
        status, error, _ = server.call("POST", "/api/streams", admin, {"name": bad, "shard_count": 1})
        check(status == 400 and error["error"].get("field") == "name", f"name {bad!r} rejected with field 'name'")
    status, _, _ = server.call("GET", "/api/users", admin)
    check(status == 200, "users table intact after injection attempts")
    status, error, _ = server.call("POST", "/api/streams", admin, {"name": "ok-name", "shard_count": 0})
    check(status == 400 and error["error"]["field"] == "shard_count", "shard_count 0 -> 400 naming the field")
    status, error, _ = server.call("GET", "/api/streams/does-not-exist", admin)
    check(status == 404, f"unknown stream -> 404 ({status})")

    status, deleted, _ = server.call("DELETE", f"/api/streams/{name}", admin)
    check(status == 202 and deleted["status"] == "DELETING", f"delete: 202 DELETING ({status})")
    gone = False
    for _ in range(100):
        status, _, _ = server.call("GET", f"/api/streams/{name}", admin)
        if status == 404:
            gone = True
            break
        time.sleep(0.1)  # waiting on another process's state change, bounded
    check(gone, "the stream disappears after DELETE")
    status, listed, _ = server.call("GET", "/api/streams", admin)
    check(all(s["name"] != name for s in listed["streams"]), "deleted stream no longer listed")

    _, metrics, _ = server.call("GET", "/metrics")
    check('kwb_aws_calls_total{operation="CreateStream",outcome="ok"} 1' in metrics, "metrics count AWS calls")
    check('route="/api/streams/{name}"' in metrics and "kwb_http_request_duration_seconds_bucket" in metrics,
          "metrics count requests by route pattern with a histogram")


def authorization_matrix(server, admin):
    status, doc, _ = server.call("GET", "/api/openapi.json")
    check(status == 200 and doc["openapi"].startswith("3.1"), "OpenAPI 3.1 served at /api/openapi.json")
    status, _, _ = server.call("POST", "/api/users", admin,
                               {"username": "viewer1", "password": "viewer-password", "role": "viewer"})
    check(status == 201, "admin creates a viewer")
    viewer = login(server, "viewer1", "viewer-password")
    admin_claims = None
    revoked = login(server, "admin", "admin123")
    check(server.call("POST", "/api/auth/logout", revoked)[0] == 200, "logout")
    payload = revoked.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    now = int(time.time())
    expired = sign(dict(claims, jti=uuid.uuid4().hex, iat=now - 7200, exp=now - 3600))
    alg_none = sign(dict(claims, jti=uuid.uuid4().hex), {"alg": "none", "typ": "JWT"})
    good_parts = admin.split(".")
    tampered = good_parts[0] + "." + b64url(json.dumps(dict(claims, role="admin", sub="viewer1")).encode()) + "." + good_parts[2]
    bad_tokens = {"tampered": tampered, "expired": expired, "alg-none": alg_none, "revoked": revoked}
    del admin_claims

    count = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            access = operation["x-kwb-access"]
            concrete = path.replace("{name}", "matrix-target").replace("{id}", "matrix-id")
            if access == "public":
                continue
            count += 1
            status, _, hdrs = server.call(method.upper(), concrete, body={})
            check(status == 401 and hdrs.get("WWW-Authenticate") == "Bearer", f"{method.upper()} {path}: no token -> 401")
            for label, token in bad_tokens.items():
                status, _, _ = server.call(method.upper(), concrete, token, body={})
                check(status == 401, f"{method.upper()} {path}: {label} token -> 401 ({status})")
            if access in ("operator", "admin"):
                status, _, _ = server.call(method.upper(), concrete, viewer, body={})
                check(status == 403, f"{method.upper()} {path}: viewer -> 403 ({status})")
            elif operation["operationId"] != "logout":
                status, _, _ = server.call(method.upper(), concrete, viewer, body={})
                check(status not in (401, 403), f"{method.upper()} {path}: viewer allowed ({status})")
    check(count >= 10, f"matrix covered {count} protected operations")


def lockout(server):
    # Failures count per user AND per client address (all of ours are 127.0.0.1), both limited to
    # KWB_LOGIN_MAX_FAILURES=3: the user's third failure locks it, and the address with it.
    server.call("POST", "/api/users", login(server, "admin", "admin123"),
                {"username": "locky", "password": "locky-password", "role": "viewer"})
    statuses = [server.call("POST", "/api/auth/login", body={"username": "locky", "password": "wrong-pass"})
                for _ in range(3)]
    check([s[0] for s in statuses] == [401, 401, 429], f"3 failures: 401, 401, 429 ({[s[0] for s in statuses]})")
    check(int(statuses[-1][2].get("Retry-After", "0")) > 0, "429 carries Retry-After")
    status, _, _ = server.call("POST", "/api/auth/login", body={"username": "locky", "password": "locky-password"})
    check(status == 429, "locked user refused even with the right password")
    status, _, _ = server.call("POST", "/api/auth/login", body={"username": "nobody-here", "password": "x"})
    check(status == 429, "the locked client address is refused for other users too")


def run(binary, database_url):
    data_dir = tempfile.mkdtemp(prefix="kwb-serve-it-")
    try:
        with Server(binary, data_dir, database_url) as server:
            status, _, _ = server.call("GET", "/healthz")
            check(status == 200, "/healthz")
            admin = login(server, "admin", "admin123")
            main_flow(server, admin)
            authorization_matrix(server, admin)
            lockout(server)
            code = server.stop()
            check(code == 0, f"SIGTERM: graceful exit 0 ({code})")
            log = "".join(server.stderr_lines)
            check("admin123" not in log and JWT_SECRET not in log and admin not in log,
                  "stderr never holds a password, token or the JWT secret")
            check("DEFAULT PASSWORD" in log, "loud warning while admin has the default password")
            check('"type":"access"' in log, "JSON access log lines on stderr")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main_on_store(run_checks, schema_prefix):
    """Parses --binary/--postgres, runs run_checks(binary, database_url) on SQLite (database_url
    None) or in a fresh PostgreSQL schema of KWB_TEST_DATABASE_URL (dropped afterwards), and turns
    the recorded failures into the exit status. Shared by every serve_*.py test."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--postgres", action="store_true", help="use KWB_TEST_DATABASE_URL (required)")
    args = parser.parse_args()
    database_url = None
    schema = None
    base_url = os.environ.get("KWB_TEST_DATABASE_URL", "")
    if args.postgres:
        if not base_url:
            print("FAIL KWB_TEST_DATABASE_URL is not set (start scripts/test_services.sh)")
            return 1
        schema = schema_prefix + uuid.uuid4().hex[:10]
        subprocess.run(["psql", base_url, "-qc", f"CREATE SCHEMA {schema}"], check=True)
        sep = "&" if "?" in base_url else "?"
        database_url = f"{base_url}{sep}options=-csearch_path%3D{schema}"
    try:
        run_checks(args.binary, database_url)
    finally:
        if schema:
            subprocess.run(["psql", base_url, "-qc", f"DROP SCHEMA {schema} CASCADE"], check=False)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main_on_store(run, "kwb_serve_it_"))
