"""Integration test: `kwb serve` stays responsive while stream writes wait on a slow AWS.

On real AWS a CreateStream stays CREATING for tens of seconds, and a write that waits for ACTIVE
holds one of the server's I/O threads. Here `kwb serve --aws --threads 4` talks to a separate
`kwb emulator --create-delay-ms 4000` (both on 127.0.0.1), so it has 2 wait slots. Six creates are
sent at once; meanwhile /healthz, GET /api/streams and a sign-in must keep answering within a
second. Exactly 2 creates wait (201 after ~4 s), the other 4 answer 202 CREATING at once, and the
refresher records all six ACTIVE without anyone asking.

  serve_slow_aws.py --binary build/src/cli/kwb
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_api import Server, check, failures, login, main_on_store  # noqa: E402  (same folder, shared harness)

CREATE_DELAY_MS = 4000
STREAMS = [f"slow-{i}" for i in range(6)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_call(server, *args, **kwargs):
    start = time.monotonic()
    result = server.call(*args, **kwargs)
    return result, time.monotonic() - start


def run(binary, database_url):
    data_dir = tempfile.mkdtemp(prefix="kwb-serve-slow-")
    port = free_port()
    emulator = subprocess.Popen(
        [binary, "emulator", "--port", str(port), "--create-delay-ms", str(CREATE_DELAY_MS),
         "--data-dir", os.path.join(data_dir, "emulator")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "slow",
               "AWS_SECRET_ACCESS_KEY": "slow-secret", "AWS_REGION": "us-east-1", "KWB_STREAM_WAIT_SECONDS": "30"}
        with Server(binary, data_dir, database_url, extra_env=env, target_args=["--aws", "--threads", "4"]) as server:
            admin = login(server, "admin", "admin123")
            answers = {}

            def create(name):
                answers[name] = timed_call(server, "POST", "/api/streams", admin, {"name": name, "shard_count": 1})

            writers = [threading.Thread(target=create, args=(name,)) for name in STREAMS]
            for w in writers:
                w.start()
            time.sleep(0.5)  # every create is now inside the server, two of them waiting
            slowest = 0.0
            for _ in range(5):
                for method, path, token in (("GET", "/healthz", None), ("GET", "/api/streams", admin)):
                    (status, _, _), took = timed_call(server, method, path, token)
                    check(status == 200, f"{path} answers while creates wait ({status})")
                    slowest = max(slowest, took)
                (status, _, _), took = timed_call(server, "POST", "/api/auth/login",
                                                  body={"username": "admin", "password": "admin123"})
                check(status == 200, f"sign-in answers while creates wait ({status})")
                slowest = max(slowest, took)
                time.sleep(0.2)
            check(slowest < 1.0, f"every request answered within 1 s while creates waited (slowest {slowest:.2f} s)")
            for w in writers:
                w.join(60)

            waited = [n for n, ((status, _, _), _) in answers.items() if status == 201]
            deferred = [n for n, ((status, body, _), took) in answers.items()
                        if status == 202 and body.get("status") == "CREATING" and took < 2.0]
            check(len(waited) == 2, f"two creates waited for ACTIVE (201): {sorted(waited)}")
            check(all(answers[n][1] >= CREATE_DELAY_MS / 1000 - 0.5 for n in waited),
                  "the waiting creates answered once the stream was ACTIVE")
            check(len(deferred) == 4, f"four creates answered 202 CREATING at once: {sorted(deferred)}")

            deadline = time.monotonic() + 30
            statuses = {}
            while time.monotonic() < deadline:
                status, body, _ = server.call("GET", "/api/streams", admin)
                statuses = {s["name"]: s.get("status") for s in body.get("streams", [])} if status == 200 else {}
                if all(statuses.get(n) == "ACTIVE" for n in STREAMS):
                    break
                time.sleep(0.5)
            check(all(statuses.get(n) == "ACTIVE" for n in STREAMS), f"the refresher made all six ACTIVE: {statuses}")
            check(server.stop() == 0, "graceful exit")
    finally:
        emulator.terminate()
        emulator.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main_on_store(run, "kwb_serve_slow_"))
