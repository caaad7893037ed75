#!/usr/bin/env bash
# Runs the whole test suite: builds everything in Release, then runs the xunit tests, which start
# their own Azurite (the repository's pinned npm package), fake upstreams and proxy processes
# on free loopback ports, and stop them afterwards.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"

ensure_node_packages

# One test opens the HTML failure report in headless Chromium: Debian's package, never a downloaded browser.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the report test..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The report test needs Debian's chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2
  fi
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
dotnet test Proxy.sln -c Release --nologo --logger "trx;LogFileName=results.trx" --results-directory "$results" || status=$?

# One closing line any CI can read, counted from the runner's own results file.
trx="$(find "$results" -name '*.trx' | head -n 1)"
if [ -n "$trx" ]; then
  passed="$(grep -o 'passed="[0-9]*"' "$trx" | head -n 1 | tr -dc '0-9')"
  failed="$(grep -o 'failed="[0-9]*"' "$trx" | head -n 1 | tr -dc '0-9')"
  echo "${passed:-0} passed, ${failed:-0} failed"
  [ "${passed:-0}" -gt 0 ] || status=1
else
  echo "0 passed, 0 failed"
  status=1
fi
exit "$status"
