#!/usr/bin/env bash
# Measures what the proxy costs over calling the upstream directly, side by side in one run, and prints a
# Markdown table of every figure with its goal. Exits non-zero when a figure misses its goal by more than
# the noise it measured. Loopback only; takes a few minutes; best on an otherwise idle machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"

ensure_node_packages

# nginx is one of the peers the proxy is measured against (a plain reverse proxy, Debian's package). Installed when
# missing and this runs as root; otherwise the benchmark leaves its row out and says so.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  else
    echo "nginx is not installed and this is not root: the nginx row is left out (run as root, or apt-get install nginx)."
  fi
fi

# The Functions-host column runs the Functions app under the `func` on PATH, from its Release build output.
dotnet build src/Proxy.Functions -c Release --nologo -v quiet
# Builds the bare YARP forwarder (tests/Proxy.Benchmarks.BareYarp) with it. Arguments pass on: --short, --peers-only.
dotnet run --project tests/Proxy.Benchmarks -c Release -- "$@"
