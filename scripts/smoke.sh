#!/usr/bin/env bash
# Checks a running proxy end to end from outside, as a client and an operator see it: /health, a forwarded call, the
# key's counts, the documented error body on a 404 and a 401, and (given its storage) that the 404's failure record
# reached the archive. One PASS, FAIL or SKIPPED line per step; exit 0 when none failed, 1 when one did, 2 on bad
# arguments. Every request has a time limit; the key is never printed. See docs/smoke.md.
set -uo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"

usage() {
  cat <<'USAGE'
Usage: scripts/smoke.sh [options] URL KEY

Checks the proxy at URL (https://<app>.azurewebsites.net, http://127.0.0.1:7071) with the client key KEY.
  --path PATH             the forwarded GET that must answer 2xx (default /v1/models)
  --counted-path PATH     a GET the quota counts, for the X-RateLimit-* headers (default: the --path response; give one
                          when --path is uncounted, as /v1/models is by default)
  --storage CONNECTION    the proxy's storage, to find the 404's failure record in the archive (default: the
                          AzureWebJobsStorage environment variable; without either, that step is SKIPPED)
  --storage-account NAME  the storage account's name instead, reached as you (Azure CLI login or another Azure
                          credential; needs Storage Table Data Reader): the deployed account takes no connection
                          string (default: AzureWebJobsStorage__accountName)
  --failures-table NAME   the failure archive's table (default: Proxy__Failures__TableName, else failures)
  --archive-timeout SECS  how long to wait for the record to be archived, 1 to 3600 (default 60)
  --timeout SECS          each HTTP request's time limit, 1 to 300 (default 15)
  --cli PATH              proxy-cli to read the archive with: an executable or proxy-cli.dll (default: proxy-cli on
                          the PATH, else the repository's Release build of src/Proxy.Cli, built when missing)
  -h, --help              this text
Exit codes: 0 every step passed or was skipped, 1 a step failed, 2 bad arguments.
USAGE
}

# Bad arguments: one line saying what is wrong (never the value, which may be a pasted key), the usage, exit 2.
refuse() {
  echo "smoke.sh: $1" >&2
  usage >&2
  exit 2
}

whole_number_in() {
  [[ "$1" =~ ^[0-9]{1,4}$ ]] && ((10#$1 >= $2 && 10#$1 <= $3))
}

path=/v1/models
counted_path=
storage="${AzureWebJobsStorage:-}"
storage_account="${AzureWebJobsStorage__accountName:-}"
failures_table="${Proxy__Failures__TableName:-failures}"
archive_timeout=60
request_timeout=15
cli=
positional=()
while (($# > 0)); do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --path | --counted-path | --storage | --storage-account | --failures-table | --archive-timeout | --timeout | --cli)
      (($# >= 2)) || refuse "$1 needs a value."
      case "$1" in
        --path) path="$2" ;;
        --counted-path) counted_path="$2" ;;
        --storage) storage="$2" ;;
        --storage-account) storage_account="$2" ;;
        --failures-table) failures_table="$2" ;;
        --archive-timeout) archive_timeout="$2" ;;
        --timeout) request_timeout="$2" ;;
        --cli) cli="$2" ;;
      esac
      shift 2
      ;;
    --)
      shift
      positional+=("$@")
      break
      ;;
    -?*) refuse "unknown option $1." ;;
    *)
      positional+=("$1")
      shift
      ;;
  esac
done

((${#positional[@]} == 2)) || refuse "give the proxy's URL and a client key, and nothing else (${#positional[@]} arguments given)."
url="${positional[0]%/}"
key="${positional[1]}"
[[ "$url" =~ ^https?://[^/?#[:space:]]+(/[^?#[:space:]]*)?$ ]] || refuse "URL must be an http:// or https:// address without a query (e.g. https://<app>.azurewebsites.net)."
[[ -n "$key" && "$key" != *[[:space:]]* ]] || refuse "KEY must be a client key: not empty, no spaces."
for option in "--path:$path" "--counted-path:$counted_path"; do
  value="${option#*:}"
  [[ -z "$value" || "$value" =~ ^/[^?#[:space:]]*$ ]] || refuse "${option%%:*} must be a path starting with / (e.g. /v1/models)."
done
[[ -z "$storage_account" || "$storage_account" =~ ^[a-z0-9]{3,24}$ ]] || refuse "--storage-account must be a storage account's name: 3 to 24 lower-case letters and digits."
whole_number_in "$archive_timeout" 1 3600 || refuse "--archive-timeout must be a whole number of seconds from 1 to 3600."
whole_number_in "$request_timeout" 1 300 || refuse "--timeout must be a whole number of seconds from 1 to 300."
[[ "$failures_table" =~ ^[A-Za-z][A-Za-z0-9]{2,62}$ ]] || refuse "--failures-table must be a table name: a letter, then letters and digits, 3 to 63 in all."
command -v curl >/dev/null || { echo "smoke.sh needs curl." >&2; exit 2; }
command -v node >/dev/null || { echo "smoke.sh needs node (for its JSON checks)." >&2; exit 2; }

work="$(mktemp -d -t smoke.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The key goes to curl in a file only this user can read, never on a command line that ps shows.
(umask 077 && printf 'Authorization: Bearer %s\n' "$key" >"$work/auth")

# Enough of the key to tell which one it was: its last four characters, none of a short one.
if ((${#key} >= 16)); then masked="…${key: -4}"; else masked="****"; fi
echo "Smoke check of $url with key $masked"

passed=0 failed=0 skipped=0
report() {
  local outcome="$1" step="$2" detail="$3"
  echo "$outcome $step: $detail"
  case "$outcome" in
    PASS) passed=$((passed + 1)) ;;
    FAIL) failed=$((failed + 1)) ;;
    SKIPPED) skipped=$((skipped + 1)) ;;
  esac
}

# request NAME PATH [with-key]: GETs URL+PATH into $work/NAME.body and .headers, sets $status (000 when there was no
# answer) and $transport (curl's own error line then).
request() {
  local name="$1" target="$2" auth=()
  [ "${3:-}" = with-key ] && auth=(-H "@$work/auth")
  transport=
  status="$(curl -sS --max-time "$request_timeout" --connect-timeout "$((request_timeout < 10 ? request_timeout : 10))" \
    "${auth[@]}" -o "$work/$name.body" -D "$work/$name.headers" -w '%{http_code}' "$url$target" 2>"$work/$name.curl")" || true
  if [ "${status:-000}" = 000 ]; then
    status=000
    transport="$(tr -d '\r' <"$work/$name.curl" | head -n 1)"
    transport="${transport:-no answer}"
  fi
}

# check NAME ARGS...: the node check's one line into $detail; its success as the function's.
check() {
  # pipefail: the assignment's status is node's.
  detail="$(node "$script_dir/smoke-checks.mjs" "$@" 2>&1 | head -n 1)"
}

answered() {
  if [ "$status" = 000 ]; then echo "no answer ($transport)"; else echo "answered $status"; fi
}

# 1. Health: 200 with the health body (Healthy or Degraded; Unhealthy is a 503).
request health /health
if [ "$status" = 200 ] && check health "$work/health.body"; then
  report PASS health "GET /health answered 200, $detail"
elif [ "$status" = 200 ]; then
  report FAIL health "GET /health answered 200, but $detail"
else
  report FAIL health "GET /health $(answered), not 200"
fi

# 2. Forwarding: the key's GET of --path answers 2xx.
request forward "$path" with-key
forward_status="$status"
if [[ "$status" == 2?? ]]; then
  report PASS forward "GET $path answered $status"
else
  report FAIL forward "GET $path $(answered), not 2xx"
fi

# 3. Counting: /quota (the proxy's own answer, uncounted) shows the key's tier and counts, read from its store.
limit=
request quota /quota with-key
if [ "$status" = 200 ] && check quota "$work/quota.body"; then
  report PASS quota "GET /quota answered 200, ${detail%; limit *}"
  limit="${detail##*; limit }"
elif [ "$status" = 200 ]; then
  report FAIL quota "GET /quota answered 200, but $detail"
else
  report FAIL quota "GET /quota $(answered), not 200"
fi

# 4. A counted response carries X-RateLimit-Limit and X-RateLimit-Remaining: --counted-path's, else --path's (whose
# GET the quota does not count when it is one of Proxy__Quota__UncountedPaths, as /v1/models is by default).
if [ -z "$limit" ]; then
  report SKIPPED rate-limit "no request limit known (/quota did not answer it)"
elif [ "$limit" = none ]; then
  report SKIPPED rate-limit "the key's tier has no request limit, so no X-RateLimit-* headers"
elif [ -n "$counted_path" ]; then
  request counted "$counted_path" with-key
  if [[ "$status" == 2?? ]] && check rate-limit "$work/counted.headers" "$limit"; then
    report PASS rate-limit "GET $counted_path answered $status, $detail"
  elif [[ "$status" == 2?? ]]; then
    report FAIL rate-limit "GET $counted_path answered $status, but $detail"
  else
    report FAIL rate-limit "GET $counted_path $(answered), not 2xx"
  fi
elif [[ "$forward_status" != 2?? ]]; then
  report SKIPPED rate-limit "GET $path did not answer 2xx (the forward step); give --counted-path, a GET the quota counts"
elif check rate-limit "$work/forward.headers" "$limit"; then
  report PASS rate-limit "GET $path answered $forward_status, $detail"
else
  report SKIPPED rate-limit "GET $path is not counted (Proxy__Quota__UncountedPaths); give --counted-path, a GET the quota counts"
fi

# 5. The documented error body on a path outside the API (with the key) and on a missing key.
request_id=
missing_path=/no-such-path
request not-found "$missing_path" with-key
if [ "$status" = 404 ] && check error-body 404 "$missing_path" "$work/not-found.body" "$work/not-found.headers"; then
  report PASS error-404 "GET $missing_path answered 404 with the documented error body, $detail = x-request-id"
  request_id="${detail##* }"
elif [ "$status" = 404 ]; then
  report FAIL error-404 "GET $missing_path answered 404, but $detail"
else
  report FAIL error-404 "GET $missing_path $(answered), not 404"
fi

request unauthorized "$path"
if [ "$status" = 401 ] && check error-body 401 "$path" "$work/unauthorized.body" "$work/unauthorized.headers"; then
  report PASS error-401 "GET $path without a key answered 401 with the documented error body, $detail = x-request-id"
elif [ "$status" = 401 ]; then
  report FAIL error-401 "GET $path without a key answered 401, but $detail"
else
  report FAIL error-401 "GET $path without a key $(answered), not 401"
fi

# 6. The 404's failure record in the archive, read with proxy-cli as an operator reads it ('failures show REQUEST_ID').
# Each run of proxy-cli is bounded too: a process start and one table query take seconds, not a minute.
cli_timeout=60
run_cli() {
  # The storage and table are given in the environment, and the CLI runs in a folder of its own, so that no
  # local.settings.json of the current folder overrides them.
  local storage_setting=(AzureWebJobsStorage="$storage")
  [ -z "$storage" ] && storage_setting=(-u AzureWebJobsStorage AzureWebJobsStorage__accountName="$storage_account")
  (cd "$work" && env "${storage_setting[@]}" Proxy__Failures__TableName="$failures_table" \
    timeout "$cli_timeout" "${cli_command[@]}" "$@")
}

if [ -z "$storage" ] && [ -z "$storage_account" ]; then
  report SKIPPED failure-archive "no storage given (--storage, --storage-account or AzureWebJobsStorage)"
elif [ -z "$request_id" ]; then
  report FAIL failure-archive "no 404 request id to look for (the error-404 step failed)"
else
  cli_command=()
  if [ -n "$cli" ]; then
    # Made absolute: the CLI runs in a folder of its own.
    [[ "$cli" == */* ]] && cli="$(cd "$(dirname "$cli")" 2>/dev/null && pwd)/$(basename "$cli")"
    if [[ "$cli" == *.dll ]]; then cli_command=(dotnet "$cli"); else cli_command=("$cli"); fi
  elif command -v proxy-cli >/dev/null; then
    cli_command=(proxy-cli)
  else
    built="$repo_root/src/Proxy.Cli/bin/Release/net10.0/proxy-cli.dll"
    if [ ! -f "$built" ]; then
      echo "Building proxy-cli (src/Proxy.Cli, Release) to read the archive..."
      timeout 600 dotnet build "$repo_root/src/Proxy.Cli" -c Release --nologo -v quiet >"$work/build.log" 2>&1 || true
    fi
    cli_command=(dotnet "$built")
  fi

  if [[ "${cli_command[0]}" == dotnet && ! -f "${cli_command[1]}" ]]; then
    report FAIL failure-archive "no proxy-cli at ${cli_command[1]} (give --cli)"
  elif ! command -v "${cli_command[0]}" >/dev/null; then
    report FAIL failure-archive "no proxy-cli at ${cli_command[0]} (give --cli)"
  else
    deadline=$((SECONDS + archive_timeout))
    found=
    while :; do
      if run_cli failures show "$request_id" >"$work/archive.out" 2>"$work/archive.err" && grep -qF "$request_id" "$work/archive.out"; then
        found=yes
        break
      fi
      ((SECONDS < deadline)) || break
      sleep 2
    done
    if [ -n "$found" ]; then
      report PASS failure-archive "the 404's record (request id $request_id) is in table $failures_table"
    else
      last="$(tr -d '\r' <"$work/archive.err" | grep -v '^$' | tail -n 1)"
      report FAIL failure-archive "the 404's record (request id $request_id) was not in table $failures_table within ${archive_timeout}s${last:+ ($last)}"
    fi
  fi
fi

echo "Summary: $passed passed, $failed failed, $skipped skipped"
if ((failed > 0)); then exit 1; fi
exit 0
