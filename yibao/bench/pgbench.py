"""The database ceiling: the API's queries (token and clerk included) run by pgbench (-c 16, -M prepared, random persons).

pgbench picks a random integer per transaction (``\\set``), so each script first
turns a random person id into that person's ID number (a primary-key read,
``\\gset``) and then runs the API's query. ``-r`` reports each statement's mean
latency apart; the per-transaction log (``-l``) gives p50 and p99 of the whole
transaction.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from yibao.api.auth import token_query
from yibao.enrollment import selectors
from yibao.enrollment.models import Person
from yibao.enrollment.selectors import staff_region_query

ID_SENTINEL = "__YIBAO_ID_NUMBER__"
PID_SENTINEL = 987_654_321_987


def pgbench_sql(queryset) -> str:
    """The queryset's SQL with pgbench variables: the sentinel parameters become :number / :pid,
    the others are inlined as literals (they are constants of the selector, e.g. status '1')."""
    sql, params = queryset.query.sql_with_params()
    values = []
    for param in params:
        if param == ID_SENTINEL:
            values.append(":number")
        elif param == PID_SENTINEL:
            values.append(":pid")
        elif isinstance(param, int):
            values.append(str(param))
        else:
            values.append("'" + str(param).replace("'", "''") + "'")
    text = sql % tuple(values)
    return " ".join(text.split()) + ";"


@dataclass
class Script:
    name: str
    text: str
    statements: list[str]  # the measured statements (the endpoint's data reads)


def auth_statements(*, key_hash: str, user_id: int) -> list[str]:
    """What every request of a clerk pays before the endpoint's own reads: the token (with its
    user) and the clerk's region, as resolve_token and staff_region send them."""
    return [pgbench_sql(token_query(key_hash)[:1]), pgbench_sql(staff_region_query(user_id))]


def scripts(first_id: int, last_id: int, *, key_hash: str, user_id: int) -> list[Script]:
    """pgbench scripts for the API's two endpoints: the same SQL their selectors send, the
    authentication included (token and clerk), as one request of the endpoint runs it."""
    auth = auth_statements(key_hash=key_hash, user_id=user_id)
    auth_text = "".join(f"{statement}\n" for statement in auth)
    pick = (f"\\set pid random({first_id}, {last_id})\n"
            # ">=" and not "=": a gap in the ids (a deleted person) still gives a row.
            f"SELECT id AS pid, id_number AS number FROM {Person._meta.db_table} WHERE id >= :pid "
            "ORDER BY id LIMIT 1 \\gset\n")
    person = pgbench_sql(selectors.person_record_query(ID_SENTINEL))
    periods = pgbench_sql(selectors.periods_query(PID_SENTINEL))
    contributions = pgbench_sql(selectors.contributions_query(PID_SENTINEL, months=12))
    return [
        Script("token + clerk + person + active periods (SQL)", f"{pick}{auth_text}{person}\n{periods}\n",
               [*auth, person, periods]),
        Script("token + clerk + person + 12-month contributions (SQL)",
               f"{pick}{auth_text}{person}\n{contributions}\n", [*auth, person, contributions]),
        # The contribution query alone, as the earlier in-process figures measured it.
        Script("12-month contributions only (SQL)",
               f"\\set pid random({first_id}, {last_id})\n{contributions}\n", [contributions]),
    ]


@dataclass
class PgbenchResult:
    name: str
    tps: float
    p50_ms: float
    p99_ms: float
    statement_ms: float  # summed mean latency of the measured statements (-r)
    transactions: int
    failed: int

    def line(self) -> str:
        return (f"{self.name:<56} {self.transactions:>7} 次 {self.tps:>8.1f} 次/秒  "
                f"p50={self.p50_ms:6.2f} ms  p99={self.p99_ms:6.2f} ms  （其中查询语句平均 {self.statement_ms:.3f} ms）"
                + (f"  失败 {self.failed}" if self.failed else ""))


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return candidates[-1] if candidates else None


def connection_arguments() -> tuple[list[str], dict[str, str]]:
    """pgbench's -h/-p/-U/dbname and PGPASSWORD for Django's default database."""
    params = connection.settings_dict
    args = []
    if params.get("HOST"):
        args += ["-h", str(params["HOST"])]
    if params.get("PORT"):
        args += ["-p", str(params["PORT"])]
    if params.get("USER"):
        args += ["-U", str(params["USER"])]
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return args, env


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def parse_log(lines: list[str]) -> list[float]:
    """Transaction latencies in ms from pgbench -l lines (client, tx, latency_us, script, epoch, us)."""
    latencies = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[2].isdigit():
            latencies.append(int(parts[2]) / 1000)
    return sorted(latencies)


def parse_output(output: str, statements: list[str]) -> tuple[float, int, int, float]:
    """(tps, transactions, failed, summed mean ms of ``statements``) from pgbench's report with -r."""
    tps = float(re.search(r"^tps = ([\d.]+)", output, re.M).group(1))
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", output).group(1))
    failed_match = re.search(r"number of failed transactions: (\d+)", output)
    statement_ms = 0.0
    for statement in statements:
        wanted = " ".join(statement.split())
        for line in output.splitlines():
            match = re.match(r"^\s+([\d.]+)\s+(?:\d+\s+)*(\S.*)$", line)
            if match and wanted.startswith(" ".join(match.group(2).split())):
                statement_ms += float(match.group(1))
                break
    return tps, transactions, int(failed_match.group(1)) if failed_match else 0, statement_ms


def run_pgbench(script: Script, *, clients: int, threads: int, duration: int, executable: str) -> PgbenchResult:
    args, env = connection_arguments()
    with tempfile.TemporaryDirectory(prefix="yibao-pgbench-") as work:
        path = Path(work) / "script.sql"
        path.write_text(script.text, encoding="utf-8")
        command = [executable, "-n", "-M", "prepared", "-c", str(clients), "-j", str(threads),
                   "-T", str(duration), "-r", "-l", "--log-prefix", str(Path(work) / "tx"),
                   "-f", str(path), *args, connection.settings_dict["NAME"]]
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench 失败（退出码 {done.returncode}）：{done.stderr.strip()[-500:]}")
        log_lines: list[str] = []
        for log in sorted(Path(work).glob("tx*")):
            log_lines += log.read_text().splitlines()
    tps, transactions, failed, statement_ms = parse_output(done.stdout, script.statements)
    latencies = parse_log(log_lines)
    return PgbenchResult(script.name, tps, percentile(latencies, 0.5), percentile(latencies, 0.99),
                         statement_ms, transactions, failed)
