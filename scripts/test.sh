#!/usr/bin/env bash
# Runs the test suite in its layers: builds everything in Release, then runs the xunit tests, which use one Azurite of the
# run (the repository's pinned npm package), fake upstreams and proxies on free loopback ports, and stop them afterwards.
#
#   scripts/test.sh               the fast layers, 1 and 2: what .ci/run runs and every change is checked with
#   scripts/test.sh --in-process  layer 1: pure classes and the core inside the test process, classes side by side
#   scripts/test.sh --end-to-end  layer 2: both hosts' own processes end to end, one test at a time per host
#   scripts/test.sh --slow        layer 3: load, soak, memory, long outages, the Functions-host runs of host-independent specs
#   scripts/test.sh --all         all three
#
# The Functions-host tests run the Functions app under `func start` with the `func` found on PATH (Azure Functions Core
# Tools, or another launcher of the Functions host). Without one, they are left out, saying so; under CI (CI set) that is
# an error, never a silent skip.
set -euo pipefail
case "${1:-}" in
  "") layer="Layer!=Slow" ;;
  --in-process) layer="Layer!=Slow&Layer!=EndToEnd" ;;
  --end-to-end) layer="Layer=EndToEnd" ;;
  --slow) layer="Layer=Slow" ;;
  --all) layer="" ;;
  -h | --help)
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "Unknown argument '$1'; see scripts/test.sh --help" >&2
    exit 2
    ;;
esac

source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"

ensure_node_packages

# Debian's package <package> for <test>, installed when /usr/bin/<package> is missing and the script runs as root with
# apt-get; otherwise a line saying how (that test then fails, naming what is missing).
ensure_debian_package() {
  local package="$1" test="$2"
  [ -x "/usr/bin/$package" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's $package for $test..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  else
    echo "$test needs Debian's $package at /usr/bin/$package: sudo apt-get install $package" >&2
  fi
}

# One test opens the HTML failure report in headless Chromium: Debian's package, never a downloaded browser.
ensure_debian_package chromium "the report test"
# The metrics test scrapes the standalone host with a real Prometheus, which it starts on loopback.
ensure_debian_package prometheus "the metrics test"

host=""
if func_path="$(command -v func)"; then
  echo "Functions-host tests: func is $func_path ($(func --version 2>/dev/null | head -n 1))"
elif [ -n "${CI:-}" ]; then
  echo "CI is set and no func is on PATH: the Functions-host tests cannot run. Put a Functions host launcher on PATH." >&2
  exit 1
else
  echo "No func on PATH: skipping the Functions-host tests (install Azure Functions Core Tools to run them)."
  host="Host!=Functions"
fi

filter=()
expression="${layer}${layer:+${host:+&}}${host}"
[ -z "$expression" ] || filter=(--filter "$expression")

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
# One results file per test project (a fixed file name would have the projects overwrite each other).
dotnet test Proxy.sln -c Release --nologo "${filter[@]}" --logger "trx;LogFilePrefix=results" --results-directory "$results" || status=$?

# One closing line any CI can read, summed over the runner's own results files.
passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  passed=$((passed + $(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')))
  failed=$((failed + $(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')))
done
echo "$passed passed, $failed failed"
[ "$passed" -gt 0 ] || status=1
exit "$status"
