#!/usr/bin/env bash
# A bounded schemathesis run over /api/openapi.json against a fresh demo database:
# anonymously, as a demo person and as a demo clerk. It must end with 0 server errors
# and 0 undocumented status codes (checks not_a_server_error, status_code_conformance).
# Budget: YIBAO_SCHEMATHESIS_EXAMPLES examples per operation (default 15), deterministic.
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${YIBAO_SCHEMATHESIS_EXAMPLES:-15}
port=${YIBAO_SCHEMATHESIS_PORT:-8765}
work=$(mktemp -d)
export YIBAO_DATA_DIR="$work"
unset YIBAO_DATABASE_URL  # always a throw-away SQLite database, never a shared one
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

.venv/bin/yibao demo > "$work/demo.log"
tokens=$(.venv/bin/python manage.py shell -c '
from django.contrib.auth import get_user_model
from yibao.api.auth import issue_token
users = get_user_model().objects
print(issue_token(user=users.get(username="p:140105198503122515"), kind="person", channel="other")[1])
print(issue_token(user=users.get(username="ty-xiaodian-accept"), kind="staff", channel="other")[1])
')
person_token=$(echo "$tokens" | sed -n 1p)
staff_token=$(echo "$tokens" | sed -n 2p)

.venv/bin/gunicorn yibao.wsgi:application --bind "127.0.0.1:${port}" --workers 2 --timeout 30 \
  --error-logfile "$work/server.log" >> "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 30); do curl -fsS "http://127.0.0.1:${port}/api/openapi.json" -o /dev/null && break; sleep 1; done

run() {
  .venv/bin/schemathesis run "http://127.0.0.1:${port}/api/openapi.json" \
    --checks not_a_server_error,status_code_conformance \
    --max-examples "$examples" --generation-deterministic --workers 1 \
    --request-timeout 20 --phases examples,coverage,fuzzing --warnings off "$@"
}
status=0
echo "== schemathesis: anonymous"; run || status=1
echo "== schemathesis: person 王建国"; run -H "Authorization: Bearer ${person_token}" || status=1
echo "== schemathesis: staff ty-xiaodian-accept"; run -H "Authorization: Bearer ${staff_token}" || status=1
if [ "$status" -ne 0 ]; then
  echo "schemathesis 发现服务器错误或未在接口文档中声明的状态码；服务器日志：" >&2
  tail -50 "$work/server.log" >&2
fi
exit "$status"
