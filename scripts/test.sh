#!/usr/bin/env bash
# Install everything and run the whole test suite (plus lint and the migration
# check). Set YIBAO_DATABASE_URL to run it against PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test --bench
echo "数据库：${YIBAO_DATABASE_URL:-SQLite（默认）}"
.venv/bin/ruff check yibao tests
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "有模型变更缺少迁移文件：运行 python manage.py makemigrations"; exit 1; }
# Two workers on this 2-core machine (pytest-xdist); YIBAO_TEST_WORKERS=0 runs in one process.
exec .venv/bin/python -m pytest -n "${YIBAO_TEST_WORKERS:-auto}" "$@"
