#!/usr/bin/env bash
# shellcheck disable=SC2016  # single-quoted $names are jq variables, bound with --arg
# Smoke-test a running agno-session-aio /sessions API end to end.
#
#   scripts/test-session-api.sh BASE_URL            e.g. http://127.0.0.1:8080
#
# Env: OS_SECURITY_KEY  sent as "Authorization: Bearer <key>" when set
#      DB_ID            added as ?db_id= to /sessions calls (needed with several databases and no AGNO_DEFAULT_DB_ID)
#
# Creates one uniquely named session, exercises list/detail/rename/runs on it and deletes it again.
# Prints "PASS <step>" per step; stops at the first "FAIL <step>: <reason>" with exit status 1.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BASE_URL" >&2
  exit 2
fi
base=${1%/}
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "FAIL setup: $tool is not installed" >&2; exit 2; }
done

# ${auth[@]+...} below: an empty array trips `set -u` on bash < 4.4 (macOS).
auth=()
if [[ -n ${OS_SECURITY_KEY:-} ]]; then
  auth=(-H "Authorization: Bearer ${OS_SECURITY_KEY}")
fi
db_query=${DB_ID:+db_id=$(jq -rn --arg v "$DB_ID" '$v | @uri')}

# Unique per run, so the script is safe against a shared database; user_id scopes the list check.
run_id="$(date +%s)-$$-${RANDOM}"
session_id="smoke-${run_id}"
user_id="smoke-user-${run_id}"
created=false
deleted=false

body_file=$(mktemp)
cleanup() {
  # Best effort: do not leave the smoke session behind when a later step failed.
  if [[ $created == true && $deleted == false ]]; then
    curl -sS -o /dev/null --max-time 10 ${auth[@]+"${auth[@]}"} -X DELETE "$(url "/sessions/${session_id}")" || true
  fi
  rm -f "$body_file"
}
trap cleanup EXIT

step=setup
fail() { echo "FAIL ${step}: $*" >&2; exit 1; }
pass() { echo "PASS ${step}"; }

# url PATH: BASE_URL + PATH, with db_id appended to /sessions paths.
url() {
  local path=$1
  if [[ -n $db_query && $path == /sessions* ]]; then
    if [[ $path == *\?* ]]; then path+="&${db_query}"; else path+="?${db_query}"; fi
  fi
  printf '%s%s' "$base" "$path"
}

# call METHOD PATH [JSON_BODY]: sets $status and $body.
call() {
  local method=$1 path=$2 data=${3-}
  local args=(-sS --max-time 10 -o "$body_file" -w '%{http_code}' -X "$method" ${auth[@]+"${auth[@]}"})
  if [[ -n $data ]]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$data")
  fi
  status=$(curl "${args[@]}" "$(url "$path")") || fail "$method $path: curl could not complete the request"
  body=$(<"$body_file")
}

expect_status() {
  [[ $status == "$1" ]] || fail "expected HTTP $1, got $status: ${body:0:300}"
}

# expect FILTER [jq args...]: the jq FILTER must be true for $body.
expect() {
  local filter=$1
  shift
  jq -e "$@" "$filter" <<<"$body" >/dev/null 2>&1 || fail "response does not satisfy '$filter': ${body:0:300}"
}

step=health
call GET /healthz
expect_status 200
expect '.status == "ok"'
pass

step=create
# A name (or state) is required for the later rename: AgentOS's rename cannot set a name on a
# session created without session_data (contract §4.6).
call POST /sessions "$(jq -cn --arg id "$session_id" --arg uid "$user_id" \
  '{session_id: $id, session_name: "smoke test", session_state: {smoke: true}, user_id: $uid, agent_id: "smoke-agent"}')"
expect_status 201
created=true
expect '.session_id == $id and .session_name == "smoke test"' --arg id "$session_id"
pass

step=list
call GET "/sessions?limit=5&user_id=${user_id}"
expect_status 200
expect 'any(.data[]; .session_id == $id) and .meta.limit == 5' --arg id "$session_id"
pass

step=detail
call GET "/sessions/${session_id}"
expect_status 200
expect '.session_id == $id and .user_id == $uid' --arg id "$session_id" --arg uid "$user_id"
pass

step=rename
new_name="smoke renamed ${run_id}"
call POST "/sessions/${session_id}/rename" "$(jq -cn --arg n "$new_name" '{session_name: $n}')"
expect_status 200
expect '.session_id == $id and .session_name == $n' --arg id "$session_id" --arg n "$new_name"
pass

step=runs
call GET "/sessions/${session_id}/runs"
expect_status 200
expect '. == []'
pass

step=delete
call DELETE "/sessions/${session_id}"
expect_status 204
deleted=true
call GET "/sessions/${session_id}"
expect_status 404
pass
