#!/usr/bin/env bash
# Validates infra/ offline: builds infra/main.bicep to ARM JSON, lints it, and checks that every .bicep file is
# as `bicep format` writes it, with the Bicep CLI pinned in infra/tools/bicep-cli.csproj, which NuGet restores
# (no az CLI, no network beyond NuGet). Every linter rule is at "error" (infra/bicepconfig.json), and since the
# CLI exits 0 on warnings (an API version it has no types for, BCP081, is one), any line that mentions a
# warning fails the run too.
#
# Usage: scripts/validate-infra.sh [OUTPUT_DIR]
#   OUTPUT_DIR, when given, keeps the compiled template there as main.json (the infra tests read it);
#   otherwise it goes to a temporary directory that is removed on exit.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

tools_project=infra/tools/bicep-cli.csproj
template=infra/main.bicep

work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT
if [ $# -gt 0 ]; then
  out_dir="$1"
  mkdir -p "$out_dir"
else
  out_dir="$work_dir"
fi
out_file="$out_dir/main.json"
# A template left from an earlier run must not pass for this one's.
rm -f "$out_file"

dotnet restore "$tools_project" --nologo --verbosity quiet

# The package root after restore honours NUGET_PACKAGES and any NuGet.config, so ask MSBuild rather than guess.
version="$(dotnet msbuild "$tools_project" -nologo -getProperty:BicepVersion)"
package_root="$(dotnet msbuild "$tools_project" -nologo -getProperty:NuGetPackageRoot)"
bicep="${package_root%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
if [ ! -f "$bicep" ]; then
  echo "validate-infra: the Bicep CLI $version is not at $bicep after restoring $tools_project" >&2
  exit 1
fi
# NuGet does not keep the executable bit.
chmod +x "$bicep"
echo "validate-infra: Bicep CLI $("$bicep" --version | sed 's/^Bicep CLI version //')"

status=0
# Runs one Bicep command, shows its output, and fails on a non-zero exit or any warning in the output.
run_bicep() {
  local what="$1"
  shift
  local output rc=0
  output="$("$bicep" "$@" 2>&1)" || rc=$?
  if [ -n "$output" ]; then
    printf '%s\n' "$output"
  fi
  if [ "$rc" -ne 0 ]; then
    echo "validate-infra: FAILED $what (exit code $rc)"
    status=1
  elif grep -qi 'warning' <<<"$output"; then
    echo "validate-infra: FAILED $what (warnings above)"
    status=1
  else
    echo "validate-infra: ok     $what"
  fi
}

run_bicep "bicep build $template -> $out_file" build "$template" --no-restore --outfile "$out_file"
run_bicep "bicep lint $template (every core rule at error, infra/bicepconfig.json)" lint "$template" --no-restore

# Formatting: format copies of the .bicep files (with the same bicepconfig.json) and compare.
mapfile -t bicep_files < <(find infra -name '*.bicep' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
for file in "${bicep_files[@]}" infra/bicepconfig.json; do
  mkdir -p "$work_dir/format/$(dirname "$file")"
  cp "$file" "$work_dir/format/$file"
done
run_bicep "bicep format (${#bicep_files[@]} files)" format --pattern "$work_dir/format/infra/**/*.bicep"
for file in "${bicep_files[@]}"; do
  if ! diff -u "$file" "$work_dir/format/$file"; then
    echo "validate-infra: FAILED $file is not as bicep format writes it (the diff above is what it would change)"
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "validate-infra: infra/ builds, lints and is formatted clean"
fi
exit "$status"
