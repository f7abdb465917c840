#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright; no
# browser is downloaded by Playwright. Install it when it is missing and we can.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing Debian's chromium for the browser tests"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
else
  echo "the browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install chromium)" >&2
fi
