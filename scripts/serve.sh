#!/usr/bin/env bash
# Install, create the SQLite database, load the catalog and the demo city, and
# start the platform on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/yibao demo
.venv/bin/python manage.py collectstatic --noinput -v 0
host=${YIBAO_HOST:-127.0.0.1}
port=${YIBAO_PORT:-8000}
cat <<TXT

================================================================
 yibao 已启动：http://${host}:${port}/
   办事指南  http://${host}:${port}/guides/taiyuan/
   事项比对  http://${host}:${port}/guides/compare/
   接口文档  http://${host}:${port}/api/docs
   管理后台  http://${host}:${port}/admin/
 登录      http://${host}:${port}/accounts/login/
 演示账号：见上方列表（密码均为 yibao-demo-2026）
 （按 Ctrl+C 停止）
================================================================
TXT
exec .venv/bin/gunicorn yibao.wsgi:application --bind "${host}:${port}" --workers "${YIBAO_WORKERS:-3}" --access-logfile -
