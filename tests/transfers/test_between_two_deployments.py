"""A transfer between two separate running instances on loopback.

Instance "a" serves Taiyuan (transfer-out), instance "b" Jincheng (transfer-in);
each has its own SQLite file and knows the other as a peer with a shared secret.
The documents travel over HTTP, signed; the staff actions run inside each
instance (``manage.py shell`` on its database, see peer_actions.py).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from yibao.transfers.peers import SENDER_HEADER, SIGNATURE_HEADER, canonical, sign

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET = "loopback-shared-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    base = tmp_path_factory.mktemp("two-instances")
    ports = {"a": free_port(), "b": free_port()}
    envs = {}
    for code, other, regions in (("a", "b", {"140500": "晋城市"}), ("b", "a", {"140100": "太原市"})):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("YIBAO_", "DJANGO_"))}
        env.update(
            YIBAO_DATABASE_URL=f"sqlite:///{base / code}.sqlite3",
            YIBAO_DATA_DIR=str(base / code),
            YIBAO_INSTANCE_CODE=code,
            YIBAO_TRANSFER_PEERS=json.dumps({other: {"url": f"http://127.0.0.1:{ports[other]}", "secret": SECRET,
                                                     "regions": regions}}),
            PYTHONUNBUFFERED="1",
        )
        (base / code).mkdir()
        envs[code] = env
    # Migrate once and copy the file: the two databases start identical.
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=envs["a"], check=True)
    shutil.copy(base / "a.sqlite3", base / "b.sqlite3")

    def run(code: str, action: str, *args: str) -> dict:
        call = f"from tests.transfers.peer_actions import main; main({action!r}, *{list(args)!r})"
        done = subprocess.run([PYTHON, "manage.py", "shell", "-c", call], cwd=ROOT, env=envs[code],
                              capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            raise AssertionError(f"{code} {action} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(lines[-1].removeprefix("RESULT "))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda args: run(*args), [("a", "setup", "out"), ("b", "setup", "in")]))
    servers = {}
    try:
        for code, port in ports.items():
            servers[code] = subprocess.Popen(
                [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=envs[code],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for code, port in ports.items():
            wait_for_port(port, servers[code])
        yield {"run": run, "ports": ports}
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def post(port: int, document: dict, *, sender: str, secret: str = SECRET) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/transfers/documents", data=canonical(document), method="POST",
        headers={"Content-Type": "application/json", SENDER_HEADER: sender,
                 SIGNATURE_HEADER: "sha256=" + sign(document, secret)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_transfer_between_two_running_instances_moves_the_balance_exactly_once(instances):
    run, ports = instances["run"], instances["ports"]

    applied = run("b", "apply")  # Jincheng accepts and reviews: the 联系函 is queued for a
    assert applied["status"] == "letter_sent"
    assert run("b", "deliver") == {"delivered": 1}  # … and posted after commit by b's outbox
    assert run("b", "deliver") == {}  # delivered once; nothing left
    dispatched = run("a", "dispatch")  # Taiyuan: 信息表 and funds queued for b
    assert dispatched["status"] == "sheet_sent"
    assert run("a", "deliver") == {"delivered": 1}

    # The 信息表 delivered again (a retry) changes nothing and returns the first receipt.
    sheet = run("a", "sent_document", "transfer_sheet")
    first = post(ports["b"], sheet, sender="a")
    again = post(ports["b"], sheet, sender="a")
    assert first[0] == again[0] == 200 and first[1] == again[1]

    # A document signed with the wrong secret is refused with a Chinese reason.
    status, body = post(ports["b"], {**sheet, "document_id": sheet["document_id"] + "-forged"}, sender="a",
                        secret="not-the-secret")
    assert status == 401 and "签名验证失败" in body["detail"]

    # A document whose 信息表 amount and funds disagree is refused and changes nothing.
    forged = {**sheet, "document_id": sheet["document_id"] + "-2", "funds": {**sheet["funds"], "amount": "1.00"}}
    status, body = post(ports["b"], forged, sender="a")
    assert status == 422 and "金额不符" in body["detail"]

    assert run("b", "complete") == {"case_status": "completed"}
    assert run("b", "deliver") == {"delivered": 1}  # the completion notice to a

    out_end, in_end = run("a", "report"), run("b", "report")
    assert out_end["balance"] == "0.00"
    assert out_end["movements"] == [["transfer_out", "-1234.56"]]
    assert out_end["status"] == "completed"  # told by b's completion notice
    assert out_end["legs"] == [["transfer_out", "done", 10]]
    assert in_end["balance"] == "1334.56"  # 100.00 already there + 1,234.56 moved in
    assert in_end["movements"] == [["transfer_in", "1234.56"]]
    assert in_end["status"] == "completed"
    assert in_end["legs"] == [["letter", "done", 5], ["transfer_in", "done", 5]]
    assert in_end["sheet_rows"][0]["months"] == "12"
    assert ["transfer_sheet", "received"] in in_end["documents"]
    assert ["contact_letter", "received"] in out_end["documents"]
