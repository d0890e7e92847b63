#!/usr/bin/env bash
# Install, create the SQLite database, load the catalog and the demo city, and
# start the platform on http://127.0.0.1:8000 (YIBAO_HOST / YIBAO_PORT to change).
#
# Safe to expose by default: DEBUG off (YIBAO_DEBUG=1 for the debug pages), a
# secret key generated on first run and kept in the data directory (var/secret_key,
# outside version control; or YIBAO_SECRET_KEY), allowed hosts and the address
# printed in verification QR codes derived from the address served
# (YIBAO_PUBLIC_URL and YIBAO_ALLOWED_HOSTS override; an https:// public URL
# turns on Secure cookies and HSTS).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export YIBAO_HOST=${YIBAO_HOST:-127.0.0.1}
export YIBAO_PORT=${YIBAO_PORT:-8000}
if [[ "$YIBAO_HOST" == "0.0.0.0" || "$YIBAO_HOST" == "::" ]]; then
  # Listening on every address: allow this machine's names and addresses, and
  # print its first address unless a public URL was given.
  addresses=$(hostname -I 2>/dev/null || true)
  extra=$(echo "$(hostname 2>/dev/null || true) $addresses" | tr -s ' ' ',' | sed 's/^,//;s/,$//')
  export YIBAO_ALLOWED_HOSTS="${YIBAO_ALLOWED_HOSTS:+$YIBAO_ALLOWED_HOSTS,}${extra}"
  first=$(echo "$addresses" | awk '{print $1}')
  export YIBAO_PUBLIC_URL=${YIBAO_PUBLIC_URL:-http://${first:-127.0.0.1}:${YIBAO_PORT}}
fi
export YIBAO_PUBLIC_URL=${YIBAO_PUBLIC_URL:-http://${YIBAO_HOST}:${YIBAO_PORT}}
.venv/bin/yibao demo
.venv/bin/python manage.py collectstatic --noinput -v 0
url=${YIBAO_PUBLIC_URL%/}
case "${YIBAO_DEBUG:-0}" in
  1|true|yes|on) mode="开发模式（YIBAO_DEBUG=1：显示调试页面，切勿对外开放）" ;;
  *) mode="生产模式（调试页面关闭；开发时可设 YIBAO_DEBUG=1）" ;;
esac
cat <<TXT

================================================================
 yibao 已启动：${url}/   监听 ${YIBAO_HOST}:${YIBAO_PORT}
   ${mode}
   办事指南  ${url}/guides/taiyuan/
   事项比对  ${url}/guides/compare/
   接口文档  ${url}/api/docs
   管理后台  ${url}/admin/
 登录      ${url}/accounts/login/
 核验二维码指向 ${url}（另设 YIBAO_PUBLIC_URL 可改）
 演示账号：见上方列表（密码均为 yibao-demo-2026）
 （按 Ctrl+C 停止）
================================================================
TXT
# One process per core with four threads each: the sizing under which the benchmark's Django
# application served the most (docs/benchmarks.md); YIBAO_WORKERS / YIBAO_THREADS change it.
exec .venv/bin/gunicorn yibao.wsgi:application --bind "${YIBAO_HOST}:${YIBAO_PORT}" \
  --workers "${YIBAO_WORKERS:-$(nproc)}" --worker-class gthread --threads "${YIBAO_THREADS:-4}" --access-logfile -
