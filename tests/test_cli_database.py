"""Every yibao command on a missing or unmigrated database says in Chinese what to run first."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def yibao(tmp_path, *args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YIBAO_")}
    clean.update({"YIBAO_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-c", "from yibao.cli import main; main()", *args],
                          cwd=PROJECT, env=clean, capture_output=True, text=True)


@pytest.mark.parametrize("args", [
    ("workdays", "add", "2026-09-30", "5"),
    ("workdays", "count", "2026-09-30", "2026-10-15"),
    ("cases", "sweep"),
    ("offsite", "expire"),
    ("catalog", "load"),
    ("contributions", "arrears", "--unit", "91140105MA0K123457", "--month", "2026-11"),
])
def test_a_command_on_a_fresh_database_names_the_command_to_run_first(tmp_path, args):
    result = yibao(tmp_path, *args)
    assert result.returncode == 2
    assert "数据库尚未建立" in result.stderr and "yibao migrate" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_postgresql_database_is_named_not_a_traceback(tmp_path):
    result = yibao(tmp_path, "workdays", "add", "2026-09-30", "5",
                   YIBAO_DATABASE_URL="postgres://postgres@127.0.0.1:5432/yibao_no_such_database")
    assert result.returncode == 2
    assert "无法连接数据库" in result.stderr and "yibao migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_missing_recent_migrations_is_told_to_migrate(tmp_path):
    migrated = yibao(tmp_path, "migrate", "workdays", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    result = yibao(tmp_path, "workdays", "add", "2026-09-30", "5")
    assert result.returncode == 2 and "项迁移未应用" in result.stderr and "yibao migrate" in result.stderr


def test_file_only_commands_and_help_need_no_database(tmp_path):
    assert yibao(tmp_path, "catalog", "validate").returncode == 0
    assert yibao(tmp_path, "workdays", "--help").returncode == 0
