"""`yibao bench`: the pieces that produce the figures (percentiles, pgbench scripts and reports),
the HTTP driver against a live server, gunicorn started and stopped, and the refusals.

No test asserts a speed: the figures are measured by hand (docs/benchmarks.md).
"""

import sys
import types
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import AgencyFactory, StaffFactory
from yibao.agencies.models import Region
from yibao.api.auth import issue_token
from yibao.api.models import ApiToken
from yibao.bench import http_load, pgbench
from yibao.enrollment import selectors
from yibao.enrollment.models import Person
from yibao.enrollment.synthetic import generate_city

PGBENCH_REPORT = """\
pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/script.sql
query mode: prepared
number of clients: 16
number of threads: 2
duration: 20 s
number of transactions actually processed: 25095
number of failed transactions: 0 (0.000%)
latency average = 0.079 ms
tps = 1254.750000 (without initial connection time)
statement latencies in milliseconds and failures:
         0.000           0  \\set pid random(1, 1000)
         0.032           0  SELECT id AS pid, id_number AS number FROM enrollment_person WHERE id >= :pid ORDER BY id LIMIT 1
         0.250           0  SELECT a FROM b WHERE c = :number LIMIT 1;
         0.125           0  SELECT d FROM e WHERE f = :pid;
"""


@pytest.fixture
def city(catalog):
    """Taiyuan with two county agencies, 60 synthetic persons and a clerk of the region."""
    region = Region.objects.get(slug="taiyuan")
    AgencyFactory(region=region, code="140105", slug="t-xiaodian", name="小店区医疗保障服务中心")
    agency = AgencyFactory(region=region, code="140106", slug="t-yingze", name="迎泽区医疗保障服务中心")
    generate_city(region=region, persons=60, units=4, seed=3)
    clerk = StaffFactory(agency=agency, user__username="bench-clerk")
    return {"region": region, "clerk": clerk}


# --- figures -------------------------------------------------------------------------------------

def test_percentiles_are_nearest_rank_and_rps_counts_only_good_answers():
    outcome = http_load.Outcome("x", seconds=2.0, latencies=[k / 1000 for k in range(1, 101)], errors={500: 3})

    assert outcome.ok == 100 and outcome.rps == 50.0
    assert outcome.percentile(0.50) == pytest.approx(50.0)
    assert outcome.percentile(0.99) == pytest.approx(99.0)
    assert "错误 3（500×3）" in outcome.line()
    assert http_load.Outcome("empty", seconds=1.0).percentile(0.99) == 0.0


def test_pgbench_report_and_log_are_read():
    tps, transactions, failed, statement_ms = pgbench.parse_output(
        PGBENCH_REPORT, ["SELECT a FROM b WHERE c = :number LIMIT 1;", "SELECT d FROM e WHERE f = :pid;"])
    latencies = pgbench.parse_log([f"{k % 16} {k} {k * 10} 0 1700000000 {k}" for k in range(1, 201)])

    assert (tps, transactions, failed) == (1254.75, 25095, 0)
    assert statement_ms == pytest.approx(0.375)  # the two measured statements, not the id pick
    assert pgbench.percentile(latencies, 0.5) == pytest.approx(1.0)  # 100th of 200 × 10 µs
    assert pgbench.percentile(latencies, 0.99) == pytest.approx(1.98)


@pytest.mark.django_db
def test_pgbench_scripts_send_the_selectors_own_sql():
    person, periods, contributions = pgbench.scripts(1, 500, key_hash="ab" * 32, user_id=7)
    token_sql, clerk_sql = pgbench.auth_statements(key_hash="ab" * 32, user_id=7)
    # Every request pays the token and the clerk's region first: the ceiling runs them too.
    for script in (person, periods):
        assert script.statements[:2] == [token_sql, clerk_sql]
        assert f"{token_sql}\n{clerk_sql}\n" in script.text
    assert "api_apitoken" in token_sql and "'" + "ab" * 32 + "'" in token_sql and "revoked_at" in token_sql
    assert "agencies_staffmember" in clerk_sql and "= 7" in clerk_sql
    person.statements, periods.statements = person.statements[2:], periods.statements[2:]

    person_sql = str(selectors.person_record_query("X").query).split(" WHERE ")[0]
    assert person.statements[0].startswith(" ".join(person_sql.split()))
    assert person.statements[0].endswith("= :number LIMIT 1;")
    assert ":pid" in person.statements[1] and "'1'" in person.statements[1]  # status 1 参保 inlined
    assert contributions.statements == [periods.statements[1]] and "LIMIT 12;" in contributions.statements[0]
    for script in (person, periods, contributions):
        assert script.text.startswith("\\set pid random(1, 500)\n") and "%s" not in script.text
    assert "\\gset" in person.text and "\\gset" not in contributions.text


def test_gunicorn_is_started_like_serve_sh_with_keep_alive_threads():
    gthread = http_load.gunicorn_command(port=8123, workers=4, threads=4, worker_class="gthread")
    sync = http_load.gunicorn_command(port=8123, workers=3, threads=4, worker_class="sync")

    assert gthread[1:4] == ["-m", "gunicorn", "yibao.wsgi:application"]
    assert gthread[gthread.index("--bind") + 1] == "127.0.0.1:8123"
    assert gthread[gthread.index("--threads") + 1] == "4" and "--threads" not in sync


def test_serve_sh_sizes_gunicorn_as_the_benchmark_does():
    script = (Path(__file__).resolve().parents[2] / "scripts" / "serve.sh").read_text()
    assert '--workers "${YIBAO_WORKERS:-$(nproc)}"' in script
    assert '--worker-class gthread --threads "${YIBAO_THREADS:-4}"' in script


@pytest.mark.django_db
def test_the_server_uses_this_process_database_with_debug_off():
    env = http_load.server_environment()

    assert env["YIBAO_DEBUG"] == "false" and env["YIBAO_SECRET_KEY"]
    assert str(connection.settings_dict["NAME"]).split("/")[-1] in env["YIBAO_DATABASE_URL"]


# --- end to end ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_clients_drive_an_endpoint_of_a_live_server(city, live_server):
    _token, raw = issue_token(user=city["clerk"].user, kind="staff", channel="app")
    numbers = list(Person.objects.values_list("id_number", flat=True))
    host, port = live_server.url.removeprefix("http://").split(":")

    for endpoint in http_load.ENDPOINTS:
        outcome = http_load.drive(host=host, port=int(port), token=raw, endpoint=endpoint, numbers=numbers,
                                  concurrency=2, duration=0.3)
        assert outcome.ok > 0 and outcome.errors == {}, outcome.errors
        assert outcome.percentile(0.5) > 0


@pytest.mark.django_db(transaction=True)
def test_bench_http_starts_gunicorn_reports_both_endpoints_and_stops_it(city, capsys, monkeypatch):
    started = []
    real_server = http_load.Server

    def server(*args, **kwargs):
        started.append(real_server(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(http_load, "Server", server)

    call_command("bench", "http", duration=1, warmup=0, concurrency=2, workers=1, threads=2,
                 staff="bench-clerk", sample=20, client="python")

    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("GET /api/persons/")]
    # Both endpoints on Django (gunicorn) and on the hot path (granian), all answered.
    assert len(lines) == 4 and all("次/秒" in line and "p99=" in line and "错误" not in line for line in lines)
    assert "压测端上限：空接口" in out and "CPU" in out and "负载" in out
    assert "GET /guides/taiyuan/" in out and "GET /api/items?city=taiyuan" in out
    assert len(started) == 3 and all(s.process.poll() is not None for s in started)  # every server was stopped
    assert not ApiToken.objects.filter(revoked_at__isnull=True, name="yibao bench http").exists()


@pytest.mark.django_db(transaction=True)
def test_bench_sql_runs_pgbench_on_postgresql_and_refuses_elsewhere(city, capsys):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="bench sql 需要 PostgreSQL"):
            call_command("bench", "sql", duration=1, concurrency=2)
        return
    call_command("bench", "sql", duration=1, concurrency=2, staff="bench-clerk")

    out = capsys.readouterr().out
    assert out.count("次/秒") == 3 and "失败" not in out
    assert not ApiToken.objects.filter(revoked_at__isnull=True, name="yibao bench sql").exists()


# --- refusals ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_bench_http_refuses_an_unknown_clerk(city):
    with pytest.raises(CommandError, match="经办人员账号「nobody」不存在或已停用"):
        call_command("bench", "http", staff="nobody")


@pytest.mark.django_db
def test_bench_http_refuses_a_region_without_persons(catalog):
    agency = AgencyFactory(region=Region.objects.get(slug="changzhi"), code="140403")
    StaffFactory(agency=agency, user__username="empty-clerk")

    with pytest.raises(CommandError, match="该统筹区没有参保人员数据"):
        call_command("bench", "http", staff="empty-clerk")


@pytest.mark.django_db
@pytest.mark.parametrize(("options", "message"), [
    ({"duration": 0}, "参数 --duration 应为正整数"),
    ({"concurrency": 0}, "参数 --concurrency 应为正整数"),
    ({"warmup": -1}, "参数 --warmup 不能为负数"),
    ({"rows": 0}, "参数 --rows 应为正整数"),
    ({"hot_workers": 0}, "参数 --hot-workers 应为正整数"),
])
def test_bench_refuses_bad_arguments(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench", "http", **options)


@pytest.mark.django_db
def test_bench_import_says_so_when_the_import_benchmark_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "yibao.enrollment.bench_import", None)  # import fails

    with pytest.raises(CommandError, match="报盘导入基准尚不可用"):
        call_command("bench", "import")


@pytest.mark.django_db
def test_bench_import_reports_what_the_import_benchmark_measured(monkeypatch, capsys):
    calls = []
    module = types.ModuleType("yibao.enrollment.bench_import")

    def run_import_benchmark(*, rows):
        calls.append(rows)
        return {"rows": rows, "seconds": 2.5, "rows_per_second": rows / 2.5}

    module.run_import_benchmark = run_import_benchmark
    monkeypatch.setitem(sys.modules, "yibao.enrollment.bench_import", module)

    call_command("bench", "import", rows=500)

    assert calls == [500]
    assert "报盘 Excel 导入：rows = 500，seconds = 2.5，rows_per_second = 200.0" in capsys.readouterr().out


@pytest.mark.django_db
def test_bench_on_a_database_without_tables_says_to_migrate_first(monkeypatch):
    from django.db import OperationalError

    from yibao.bench.management.commands import bench

    def no_tables():
        raise OperationalError("no such table: enrollment_person")

    monkeypatch.setattr(bench, "database", no_tables)
    monkeypatch.setitem(sys.modules, "yibao.enrollment.bench_import",
                        types.SimpleNamespace(run_import_benchmark=lambda *, rows: {}))

    with pytest.raises(CommandError, match="数据库尚未就绪.*请先运行 yibao migrate 或 yibao demo"):
        call_command("bench", "import")


def test_the_server_gets_the_same_postgresql_url_with_its_options(monkeypatch):
    fake = types.SimpleNamespace(vendor="postgresql", settings_dict={
        "USER": "postgres", "PASSWORD": "p@ss", "HOST": "127.0.0.1", "PORT": 5432, "NAME": "yibao_bench",
        "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5, "pool": {"min_size": 2}}})
    monkeypatch.setattr(http_load, "connection", fake)

    assert http_load.database_url() == (
        "postgres://postgres:p%40ss@127.0.0.1:5432/yibao_bench?server_side_binding=true&prepare_threshold=5")


def test_the_hot_path_runs_one_process_per_core_with_one_thread_unless_told(monkeypatch):
    from yibao.bench.management.commands.bench import hot_sizing

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert hot_sizing({"workers": 4, "threads": 4}) == (2, 1)
    assert hot_sizing({"hot_workers": 3, "hot_threads": 2}) == (3, 2)


def test_granian_serves_the_hot_application_from_the_project_folder():
    command = http_load.granian_command(port=8124, workers=2, threads=4)

    assert command[1:5] == ["-m", "granian", "--interface", "wsgi"] and "yibao.wsgi_hot:application" in command
    assert command[command.index("--blocking-threads") + 1] == "4"


@pytest.mark.django_db(transaction=True)
def test_wrk_drives_an_endpoint_with_random_ids_when_installed(city, live_server):
    executable = http_load.find_wrk()
    if executable is None:
        pytest.fail("wrk is not installed: bash scripts/install.sh --test --bench")
    _token, raw = issue_token(user=city["clerk"].user, kind="staff", channel="app")
    numbers = list(Person.objects.values_list("id_number", flat=True))
    host, port = live_server.url.removeprefix("http://").split(":")

    outcome = http_load.drive_wrk(executable=executable, host=host, port=int(port), token=raw,
                                  endpoint=http_load.ENDPOINTS[1], numbers=numbers, concurrency=2, duration=3)

    assert outcome.ok > 0 and outcome.errors == {}, outcome.errors
    assert 0 < outcome.percentile(0.5) <= outcome.percentile(0.99)
    # A fixed path (the catalog API) is asked as it is, with no number appended.
    catalog = http_load.drive_wrk(executable=executable, host=host, port=int(port), token=raw,
                                  endpoint=http_load.CATALOG_ENDPOINTS[1], numbers=numbers, concurrency=2, duration=2)
    assert catalog.ok > 0 and catalog.errors == {}, catalog.errors
