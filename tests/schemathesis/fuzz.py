#!/usr/bin/env python3
"""Fuzzes a running Berth with schemathesis (every check) as three clients: anonymous, an
activated account holder, and an admin. It starts the server itself on a fresh data directory.

Usage: fuzz.py BERTH_BIN [--seconds N] [--st PATH]
Exit status: 0 when every run passed, 1 otherwise. Reports land in target/schemathesis/.
"""
import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "correct horse battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        return e.code, json.loads(text) if text else None


def newest_code(mail_dir, email, after):
    for _ in range(100):
        files = sorted(glob.glob(os.path.join(mail_dir, "*.eml")))
        for f in reversed(files[after:]):
            text = open(f, encoding="utf-8").read()
            if f"To: {email}" in text:
                m = re.search(r"(?<!\d)(\d{6})(?!\d)", text.split("\n\n", 1)[-1])
                if m:
                    return m.group(1)
        time.sleep(0.1)
    raise SystemExit(f"no code mailed to {email}")


def login(base, email):
    status, body = call(base, "POST", "/api/v1/sessions", {"email": email, "password": PASSWORD})
    if status != 201:
        raise SystemExit(f"login {email}: {status} {body}")
    if body.get("status") == "second_factor_required":
        raise SystemExit("second factor needed: use staff_session()")
    return body["token"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("berth")
    ap.add_argument("--seconds", type=int, default=150, help="per client")
    ap.add_argument("--st", default=shutil.which("st") or "st")
    a = ap.parse_args()
    reports = os.path.abspath(os.path.join(HERE, "..", "..", "target", "schemathesis"))
    shutil.rmtree(reports, ignore_errors=True)
    os.makedirs(reports)
    data = tempfile.mkdtemp(prefix="berth-fuzz-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BERTH_LOG="warn")
    admin = "admin@fuzz.test"
    subprocess.run([a.berth, "--data-dir", data, "user", "add", "--email", admin, "--role", "admin"],
                   input=PASSWORD + "\n", text=True, check=True, env=env)
    log = open(os.path.join(reports, "server.log"), "w")
    server = subprocess.Popen([a.berth, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}"],
                              stdout=log, stderr=log, env=env)
    try:
        for _ in range(300):
            try:
                if call(base, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        holder = "holder@fuzz.test"
        status, body = call(base, "POST", "/api/v1/accounts", {"email": holder, "password": PASSWORD})
        assert status == 201, (status, body)
        code = newest_code(os.path.join(data, "mail"), holder, 0)
        status, body = call(base, "POST", "/api/v1/accounts/activate", {"email": holder, "code": code})
        assert status == 200, (status, body)
        clients = [("anonymous", None), ("holder", login(base, holder)), ("admin", staff_session(base, admin))]
        failed = []
        for name, token in clients:
            cmd = [a.st, "--config-file", os.path.join(HERE, "schemathesis.toml"), "run",
                   f"{base}/api/v1/openapi.json", "--checks", "all", "--max-time", str(a.seconds),
                   "--seed", "20261201", "--report", "junit,ndjson",
                   "--report-dir", os.path.join(reports, name), "--no-color"]
            if token:
                cmd += ["-H", f"Authorization: Bearer {token}"]
            print(f"\n=== schemathesis as {name} ({a.seconds} s)", flush=True)
            # From the reports folder: schemathesis keeps its cache where it runs.
            if subprocess.run(cmd, cwd=reports).returncode != 0:
                failed.append(name)
            if server.poll() is not None:
                raise SystemExit("the server stopped during the run")
        print("\nschemathesis:", "failed as " + ", ".join(failed) if failed else "0 failures as every client")
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def totp(secret_b32, at=None):
    """The six-digit code an authenticator app shows (RFC 6238, SHA-1, 30 s)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def staff_session(base, email):
    """A staff session: the first log-in enrols the second factor, as a new admin does."""
    status, body = call(base, "POST", "/api/v1/sessions", {"email": email, "password": PASSWORD})
    assert status == 201 and body.get("second_factor") == "enrolment_required", (status, body)
    token = body["token"]
    status, body = call(base, "POST", "/api/v1/me/second-factor", {}, token)
    assert status == 200, (status, body)
    status, body = call(base, "POST", "/api/v1/me/second-factor/confirm", {"code": totp(body["secret"])}, token)
    assert status == 200, (status, body)
    return token


if __name__ == "__main__":
    sys.exit(main())
