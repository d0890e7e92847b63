#!/usr/bin/env bash
# Install what yibao needs on a fresh Debian machine: system packages (a CJK font
# for PDFs, and for the test suite Debian's Chromium), then the Python venv.
# Usage: scripts/install.sh [--test] [--bench]   (--bench: wrk, the load generator of `yibao bench`)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
for arg in "$@"; do
  [ "$arg" = "--test" ] && want_test=1
  [ "$arg" = "--bench" ] && want_bench=1
done

packages=(fonts-wqy-zenhei)
[ "$want_test" = 1 ] && packages+=(chromium poppler-utils)
[ "$want_bench" = 1 ] && packages+=(wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "安装系统软件包：${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extra=""
[ "$want_test" = 1 ] && extra="[test]"
# Reinstall only when pyproject.toml changed since the last install of this flavour.
stamp=".venv/.installed${extra}"
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip==25.3
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
  echo "$digest" > "$stamp"
fi
