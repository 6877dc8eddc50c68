#!/usr/bin/env python3
"""Fuzzes a running Berth with schemathesis (every check) as three clients: anonymous, an
account holder who has moved in (so the provider backend is reached too), and an admin. It
starts the server itself on a fresh data directory.

Usage: fuzz.py BERTH_BIN [--seconds N] [--st PATH]   (FUZZ_ST_ARGS: more arguments for `st run`)
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
import shlex
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
    subprocess.run([a.berth, "--data-dir", data, "user", "add", "--email", admin, "--role", "admin,reviewer,finance"],
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
        admin_token = staff_session(base, admin)
        holder_token = login(base, holder)
        move_in(base, admin_token, holder_token)
        clients = [("anonymous", None), ("holder", holder_token), ("admin", admin_token)]
        failed = []
        for name, token in clients:
            cmd = [a.st, "--config-file", os.path.join(HERE, "schemathesis.toml"), "run",
                   f"{base}/api/v1/openapi.json", "--checks", "all", "--max-time", str(a.seconds),
                   "--seed", "20261201", "--report", "junit,ndjson",
                   "--report-dir", os.path.join(reports, name), "--no-color"]
            if token:
                cmd += ["-H", f"Authorization: Bearer {token}"]
            # A quick loop on some operations, e.g. FUZZ_ST_ARGS="--include-tag events".
            cmd += shlex.split(os.environ.get("FUZZ_ST_ARGS", ""))
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


def upload(base, token, path, fields, file_name, data, mime):
    """A multipart POST: text `fields` and one `file` part."""
    boundary = "fuzzboundary7f3a"
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: {mime}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(base + path, data=b"".join(parts), method="POST")
    req.add_header("content-type", f"multipart/form-data; boundary={boundary}")
    req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def must(result, *ok):
    status, body = result
    if status not in ok:
        raise SystemExit(f"setup step failed: {status} {body}")
    return body


def pending_item(base, admin, kind):
    body = must(call(base, "GET", f"/api/v1/review/items?kind={kind}&status=pending", token=admin), 200)
    return body["items"][0]


def move_in(base, admin, holder):
    """Takes the account holder through the journey, so that the fuzzer reaches the provider
    backend and product release too: verification (with the deposit), application, customer
    service and settlement."""
    company = "深圳模糊测试科技有限公司"
    must(call(base, "PUT", "/api/v1/me/enterprise", {
        "subject_type": "enterprise", "company_name": company, "uscc": "914403001922038216",
        "registered_address": "深圳市南山区科技园",
        "license_valid_until": "2046-12-31",
        "legal_rep": {"name": "张三", "id_type": "prc_id", "id_number": "11010519491231002X",
                      "id_valid_until": None},
        "authorized_person": {"same_as_legal_rep": True},
        "corporate_account": {"bank_name": "招商银行", "province": "广东", "city": "深圳",
                              "branch_name": "深圳南山支行", "account_number": "6222020200112233445"},
    }, holder), 200)
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert upload(base, holder, "/api/v1/me/enterprise/documents", {"kind": "business_license"},
                  "licence.pdf", pdf, "application/pdf") == 201
    must(call(base, "POST", "/api/v1/me/enterprise/submit", None, holder), 200)
    item = pending_item(base, admin, "enterprise_verification")
    # The documents are approved first; only then is the deposit paid.
    item = must(call(base, "GET", f"/api/v1/review/items/{item['id']}", token=admin), 200)
    must(call(base, "POST", f"/api/v1/review/items/{item['id']}/decision",
              {"decision": "approve", "version": item["version"]}, admin), 200)
    sent = must(call(base, "POST", f"/api/v1/review/items/{item['id']}/micro-deposit", None, admin), 200)
    must(call(base, "POST", "/api/v1/me/enterprise/micro-deposit/confirm",
              {"amount_fen": sent["amount_fen"]}, holder), 200)
    must(call(base, "PUT", "/api/v1/me/application", {
        "contact": {"name": "李四", "title": "商务经理", "mobile": "13800138000", "email": "contact@example.com"},
        "business_brief": "We build SaaS for IoT device fleets and offer O&M services on the cloud.",
        "categories": ["iot", "ops-services"], "service_types": ["saas", "offline-service"],
        "service_hours": "5x8", "years_in_industry": 6, "agreement_version": "2026-01",
    }, holder), 200)
    must(call(base, "POST", "/api/v1/me/application/submit", None, holder), 200)
    item = pending_item(base, admin, "partner_application")
    must(call(base, "POST", f"/api/v1/review/items/{item['id']}/decision",
              {"decision": "approve", "version": item["version"]}, admin), 200)
    must(call(base, "PUT", "/api/v1/provider/customer-service", {
        "phone": "400-123-4567", "email": "service@example.com", "dongdong_group_id": "12345678",
        "service_hours": "工作日 9:00-18:00"}, holder), 200)
    must(call(base, "PUT", "/api/v1/provider/settlement", {
        "account_name": company, "bank_name": "招商银行", "branch_name": "深圳南山支行",
        "branch_code": "308584000013", "account_number": "6222020200112233445"}, holder), 200)
    state = must(call(base, "GET", "/api/v1/me/move-in", token=holder), 200)
    if state["state"] != "moved_in":
        raise SystemExit(f"the holder did not move in: {state}")


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
