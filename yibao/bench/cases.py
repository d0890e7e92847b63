"""Whole cases through the API (issue 15 §2): submit → 受理 → [审核] → 办结 at 16 clients.

Two simple items of Taiyuan, each a real business effect at 办结:
- 职工参保登记(新参): a unit files one new employee with its own token (each client its own
  unit of the demo unit's agency, as many units file at once in a city: a unit's cases take its
  row lock at 办结); a 受理 clerk of that agency accepts, a 审核 clerk reviews and completes (the
  person, the periods, the personal account and the base are written);
- 城乡居民参保登记: a 受理 clerk enters a new resident at the window (渠道：窗口), accepts and
  completes (the person and the 390 period are written).

Before the timed run, one case of each kind goes through the Django test client in process with
every statement counted per action: the "statements per case" printed beside the rate. The timed
run drives a gunicorn of the same WSGI application (as ``bench http``) with ``concurrency``
client threads, each with one keep-alive connection, walking case after case until the duration
ends. The persons are new (fresh ID numbers checked against the database), so the run leaves real
cases and enrollments in the benchmark database: never run it against the ``test`` database.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yibao.accounts.models import UNIT_PREFIX, UnitAccount
from yibao.agencies.services import demo_username
from yibao.api.auth import issue_token, revoke_token
from yibao.bench import http_load
from yibao.cases.checklist import Situation, compute_checklist
from yibao.catalog import selectors as catalog_selectors
from yibao.enrollment.models import Person, Unit, UnitStatus
from yibao.ids import make_resident_id

# A scan as the upload check accepts it (content-sniffed PDF); one per required material.
SCAN = base64.b64encode(b"%PDF-1.4\n% bench scan\n").decode()
CITY = "taiyuan"
NAMES = "刘芳 陈刚 王磊 李娜 张伟 赵敏 孙强 周洁 吴昊 郑丽".split()


class BenchSetupError(RuntimeError):
    """The database lacks what the benchmark needs (demo not loaded…), said in Chinese."""


@dataclass(frozen=True)
class Kind:
    """One item's lifecycle as the clients drive it."""

    name: str
    item: str
    situation: dict
    steps: tuple[tuple[str, str], ...]  # (token role, action) after the submission


EMPLOYEE = Kind("职工参保登记(新参)", "employee-enrollment-new", {},
                (("accept", "accept"), ("review", "review"), ("review", "complete")))
RESIDENT = Kind("城乡居民参保登记（窗口录入）", "resident-enrollment-register", {"situations": ["新参保人员"]},
                (("accept", "accept"), ("accept", "complete")))
KINDS = {"employee": EMPLOYEE, "resident": RESIDENT}


@dataclass
class Setup:
    unit_uscc: str
    unit_name: str
    agency_code: str
    tokens: dict[str, str]  # "accept" / "review" / "unit" (the demo unit) / "unit:<k>" (client k's) → raw token
    token_rows: list = field(default_factory=list)
    units: int = 1  # unit tokens "unit:0" … (fewer than the clients when the agency has fewer units)
    files: dict[str, list[dict]] = field(default_factory=dict)  # kind → files of its required materials


def _required_files(item_key: str, situation: dict, applicant_kind: str) -> list[dict]:
    version = catalog_selectors.current_version(CITY)
    item = catalog_selectors.get_item(version, item_key)
    if item is None:
        raise BenchSetupError(f"太原市事项清单中没有「{item_key}」：请先运行 yibao demo")
    lines = compute_checklist(item.data, Situation(applicant_kind=applicant_kind, **situation))
    return [{"position": line.position, "name": f"材料{line.position}.pdf", "content_base64": SCAN}
            for line in lines if line.required and not line.commitment_alternative]


def _unit_users(unit: Unit, count: int) -> list:
    """Users of ``count`` active units of ``unit``'s agency (the demo unit first), with unit accounts
    created for the benchmark where they have none (verified_by "bench")."""
    User = get_user_model()
    units = [unit] + list(Unit.objects.filter(home_agency=unit.home_agency, status=UnitStatus.ACTIVE)
                          .exclude(pk=unit.pk).order_by("pk")[:count - 1])
    users = []
    for each in units:
        account = UnitAccount.objects.select_related("user").filter(uscc=each.uscc).first()
        if account is None:
            user = User.objects.create(username=UNIT_PREFIX + each.uscc, first_name=each.name[:150])
            user.set_unusable_password()
            user.save()
            account = UnitAccount.objects.create(user=user, uscc=each.uscc, name=each.name, verified_by="bench")
        users.append(account.user)
    return users


def prepare(*, unit_uscc: str = "91140105MA0K123457", units: int = 1) -> Setup:
    """Tokens for ``units`` units of the demo unit's agency and that agency's 受理 and 审核 clerks,
    and each kind's files."""
    account = UnitAccount.objects.select_related("user").filter(uscc=unit_uscc).first()
    unit = Unit.objects.select_related("home_agency").filter(uscc=unit_uscc).first()
    if account is None or unit is None:
        raise BenchSetupError(f"没有单位 {unit_uscc} 的账号或参保登记：请先运行 yibao demo")
    User = get_user_model()
    tokens: dict[str, str] = {}
    rows = []
    for role, user, kind in (("unit", account.user, "unit"),
                             *((role, User.objects.filter(username=demo_username(unit.home_agency.slug, role)).first(),
                                "staff") for role in ("accept", "review"))):
        if user is None:
            raise BenchSetupError(f"没有经办人员 {demo_username(unit.home_agency.slug, role)}：请先运行 yibao demo")
        row, raw = issue_token(user=user, kind=kind, channel="app", name="bench cases")
        tokens[role] = raw
        rows.append(row)
    unit_users = _unit_users(unit, units)
    for k, user in enumerate(unit_users):
        row, raw = issue_token(user=user, kind="unit", channel="app", name="bench cases")
        tokens[f"unit:{k}"] = raw
        rows.append(row)
    return Setup(unit_uscc=unit_uscc, unit_name=unit.name, agency_code=unit.home_agency.code, tokens=tokens,
                 token_rows=rows, units=len(unit_users),
                 files={"employee": _required_files(EMPLOYEE.item, EMPLOYEE.situation, "unit"),
                        "resident": _required_files(RESIDENT.item, RESIDENT.situation, "person")})


def release(setup: Setup) -> None:
    for row in setup.token_rows:
        revoke_token(token=row, actor="bench")


class NewPersons:
    """Fresh ID numbers of the unit's county (thread-safe), none of them in the database."""

    def __init__(self, county: str, seed: int) -> None:
        self._county = county if len(county) == 6 and county.isdigit() else "140105"
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._ready: list[str] = []

    def _refill(self) -> None:
        wanted: set[str] = set()
        while len(wanted) < 500:
            year = self._rng.randint(1960, 2004)
            body = f"{self._county}{year}{self._rng.randint(1, 12):02d}{self._rng.randint(1, 28):02d}" \
                   f"{self._rng.randint(0, 999):03d}"
            wanted.add(make_resident_id(body))
        taken = set(Person.objects.filter(id_number__in=wanted).values_list("id_number", flat=True))
        self._ready += sorted(wanted - taken)

    def take(self) -> str:
        with self._lock:
            if not self._ready:
                self._refill()
            return self._ready.pop()


def submission(kind: str, setup: Setup, id_number: str, rng: random.Random, client: int = 0) -> tuple[str, str, dict]:
    """(token role, path, body) of one new case of ``kind`` filed by client number ``client``."""
    name = rng.choice(NAMES)
    if kind == "employee":
        return f"unit:{client % setup.units}", "/api/cases", {
            "city": CITY, "item": EMPLOYEE.item, "files": setup.files["employee"], "phone": "13800000000",
            "form_data": {"persons": [{"id_number": id_number, "name": name, "base": "5000",
                                     "start_date": "2026-12-01"}]}}
    return "accept", "/api/staff/cases", {
        "applicant_kind": "person", "applicant_id_number": id_number, "applicant_name": name,
        "phone": "13800000000", "item": RESIDENT.item, "situation": RESIDENT.situation,
        "files": setup.files["resident"]}


def step_request(number: str, action: str, version: int) -> tuple[str, dict]:
    if action == "accept":
        return f"/api/staff/cases/{number}/accept", {"version": version}
    return f"/api/staff/cases/{number}/advance", {"action": action, "opinion": "同意", "version": version}


# --- statements per case, in process ------------------------------------------------------------

@functools.cache
def _client() -> Client:
    return Client(HTTP_HOST="localhost")  # one per process: loading the middleware is not the action's cost


def count_statements(kind: str, setup: Setup, persons: NewPersons) -> list[tuple[str, int]]:
    """Statements per request (committed) of one case of ``kind`` through the Django test client,
    in the steady state the timed run measures: a first case fills the process's caches (each
    token's identity and its once-a-minute last_used_at, the reference rows, the holidays), the
    second is counted."""
    _walk_counted(kind, setup, persons)
    return _walk_counted(kind, setup, persons)


def _walk_counted(kind: str, setup: Setup, persons: NewPersons) -> list[tuple[str, int]]:
    client = _client()
    rng = random.Random(0)
    role, path, body = submission(kind, setup, persons.take(), rng)
    counts: list[tuple[str, int]] = []

    def post(role: str, path: str, body: dict, label: str) -> dict:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(path, json.dumps(body), content_type="application/json",
                                   headers={"Authorization": f"Bearer {setup.tokens[role]}"})
        if response.status_code not in (200, 201):
            raise BenchSetupError(f"{label} 失败（{response.status_code}）：{response.content.decode()[:300]}")
        counts.append((label, len(captured.captured_queries)))
        return response.json()

    case = post(role, path, body, "submit")
    for step_role, action in KINDS[kind].steps:
        step_path, step_body = step_request(case["number"], action, case["version"])
        case = post(step_role, step_path, step_body, action)
    if case["status"] != "completed":
        raise BenchSetupError(f"{kind} 办件未办结（{case['status']}）")
    return counts


# --- the timed run ------------------------------------------------------------------------------

def _written_tables() -> list[str]:
    """The tables whole cases write: their dead row versions (four updates of each case) are what
    autovacuum clears in production."""
    from yibao.api.models import ApiToken
    from yibao.audit.models import AuditEntry
    from yibao.cases.models import Case, CaseEvent, CaseFile, CaseMaterial, CaseNumberCounter
    from yibao.enrollment.models import (
        BaseDeclaration,
        Contribution,
        InsurancePeriod,
        PersonalAccount,
    )

    return [model._meta.db_table for model in (
        Case, CaseEvent, CaseMaterial, CaseFile, CaseNumberCounter, AuditEntry, Person, InsurancePeriod,
        PersonalAccount, BaseDeclaration, Contribution, ApiToken)]


def vacuum_written_tables() -> str:
    """VACUUM (ANALYZE) the tables cases write, on PostgreSQL; the note to print (or "").

    Without it, runs repeated on a server whose autovacuum is off (this machine's is) read through
    every dead version of the cases they updated before: 33 instead of 53 employee cases/s after a
    few runs. A production server vacuums them itself.
    """
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (autovacuum,) = cursor.fetchone()
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(connection.ops.quote_name(t) for t in _written_tables())}")
    return f"已先 VACUUM (ANALYZE) 办件相关表（本库 autovacuum={autovacuum}）"

@dataclass
class CaseOutcome:
    kind: str
    seconds: float
    completed: int = 0
    case_latencies: list[float] = field(default_factory=list)  # one whole case, seconds
    request_latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, round(share * len(ordered) + 0.5 - 1e-9))) - 1] * 1000


def drive_cases(*, kind: str, setup: Setup, persons: NewPersons, host: str, port: int, concurrency: int,
                duration: float, seed: int) -> CaseOutcome:
    """``concurrency`` clients, each walking whole cases of ``kind`` until ``duration`` ends."""
    steps = KINDS[kind].steps
    results: list[CaseOutcome] = []
    # Ask for fresh numbers before the clock starts, not inside it.
    for _ in range(max(1, concurrency)):
        persons._refill()

    def client(k: int, ready, running) -> None:
        mine = CaseOutcome(kind, 0.0)
        rng = random.Random(seed * 1000 + k)
        conn = http.client.HTTPConnection(host, port, timeout=60)

        def post(role: str, path: str, body: dict) -> dict | None:
            began = time.perf_counter()
            try:
                conn.request("POST", path, json.dumps(body).encode(),
                             {"Authorization": f"Bearer {setup.tokens[role]}", "Content-Type": "application/json"})
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                mine.errors[type(exc).__name__] = mine.errors.get(type(exc).__name__, 0) + 1
                return None
            mine.request_latencies.append(time.perf_counter() - began)
            if response.status not in (200, 201):
                key = f"{response.status} {path.rsplit('/', 1)[-1]}"
                mine.errors[key] = mine.errors.get(key, 0) + 1
                return None
            return json.loads(payload)

        ready()
        try:
            walk(k, mine, rng, post, running)
        except Exception as exc:  # noqa: BLE001 — a client's crash is reported, not lost with its thread
            mine.errors[f"客户端异常 {type(exc).__name__}: {exc}"] = 1
        finally:
            conn.close()
            connections.close_all()  # this thread's own, if it had to ask for more ID numbers
        results.append(mine)

    def walk(k: int, mine: CaseOutcome, rng: random.Random, post, running) -> None:
        while running():
            began = time.perf_counter()
            role, path, body = submission(kind, setup, persons.take(), rng, k)
            case = post(role, path, body)
            for step_role, action in steps:
                if case is None:
                    break
                step_path, step_body = step_request(case["number"], action, case["version"])
                case = post(step_role, step_path, step_body)
            if case is not None and case.get("status") == "completed":
                mine.completed += 1
                mine.case_latencies.append(time.perf_counter() - began)

    total = CaseOutcome(kind, http_load.run_together(client, concurrency=concurrency, duration=duration))
    for r in results:
        total.completed += r.completed
        total.case_latencies += r.case_latencies
        total.request_latencies += r.request_latencies
        for key, count in r.errors.items():
            total.errors[key] = total.errors.get(key, 0) + count
    return total


def cases_suite(options: dict) -> list[str]:
    """``yibao bench cases``: statements per case, then cases per second over HTTP, per kind."""
    concurrency = options.get("concurrency") or 16
    duration = options["duration"]
    kinds = [options["kind"]] if options.get("kind") in KINDS else list(KINDS)
    setup = prepare(units=concurrency)
    persons = NewPersons(setup.agency_code, options["seed"])
    results = options.setdefault("_results", {}).setdefault("cases", {})
    lines = [f"整件办理（{CITY}，单位 {setup.unit_name}，经办机构 {setup.agency_code}）：{concurrency} 个客户端，"
             f"每类 {duration} 秒；负载 {os.getloadavg()[0]:.1f}"]
    try:
        counted = {}
        for kind in list(kinds):
            try:
                counted[kind] = count_statements(kind, setup, persons)
            except BenchSetupError as exc:
                # E.g. 城乡居民参保登记 outside its collection period (1 September – 20 December):
                # the other kind is still measured.
                lines.append(f"  跳过 {KINDS[kind].name}：{exc}")
                kinds.remove(kind)
        if not kinds:
            return lines
        vacuumed = vacuum_written_tables()
        if vacuumed:
            lines.append(f"  {vacuumed}")
        for kind in kinds:
            parts = "，".join(f"{label} {n}" for label, n in counted[kind])
            lines.append(f"  SQL 语句数/件 {KINDS[kind].name}：{sum(n for _, n in counted[kind])}（{parts}）")
        port = http_load.free_port()
        command = http_load.gunicorn_command(port=port, workers=options["workers"], threads=options["threads"],
                                             worker_class=options.get("worker_class") or "gthread")
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"yibao-bench-cases-{port}.log"
        server = http_load.Server(command, port, log)
        try:
            server.wait_ready()
            for kind in kinds:
                vacuum_written_tables()  # the previous kind's run left its dead versions too
                if options["warmup"]:
                    drive_cases(kind=kind, setup=setup, persons=persons, host="127.0.0.1", port=port,
                                concurrency=concurrency, duration=options["warmup"], seed=options["seed"] + 7)
                outcome = drive_cases(kind=kind, setup=setup, persons=persons, host="127.0.0.1", port=port,
                                      concurrency=concurrency, duration=duration, seed=options["seed"])
                text = (f"  {KINDS[kind].name:<24} 办结 {outcome.completed:>5} 件 {outcome.rate:7.1f} 件/秒  "
                        f"每件 p50={_percentile(outcome.case_latencies, .5):7.1f} ms "
                        f"p99={_percentile(outcome.case_latencies, .99):7.1f} ms  "
                        f"每请求 p50={_percentile(outcome.request_latencies, .5):6.1f} ms "
                        f"p99={_percentile(outcome.request_latencies, .99):6.1f} ms  "
                        f"负载 {os.getloadavg()[0]:.1f}")
                results[KINDS[kind].name] = {"rate": outcome.rate,
                                             "statements": sum(n for _, n in counted[kind])}
                if outcome.errors:
                    text += "  错误 " + "，".join(f"{k}×{v}" for k, v in sorted(outcome.errors.items()))
                lines.append(text)
        finally:
            server.stop()
    finally:
        release(setup)
    return lines
