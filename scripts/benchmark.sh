#!/usr/bin/env bash
# Measures what the proxy costs over calling the upstream directly, side by side in one run, and prints a
# Markdown table of every figure with its goal. Exits non-zero when a figure misses its goal by more than
# the noise it measured. Loopback only; takes a few minutes; best on an otherwise idle machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"

ensure_node_packages
# The Functions-host column runs the Functions app under the `func` on PATH, from its Release build output.
dotnet build src/Proxy.Functions -c Release --nologo -v quiet
dotnet run --project tests/Proxy.Benchmarks -c Release
