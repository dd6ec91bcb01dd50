#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml at the repository root):
#   github-action.sh build    install and bundle the CLI in the action's folder (dist/cli.js)
#   github-action.sh check    token-lens check: annotations, job summary, outputs, SARIF
#   github-action.sh report   token-lens diff against the base (or count outside a pull request):
#                             job summary, the pull-request comment, outputs
#   github-action.sh finish   fail the step with the worst exit code of check and report
# Inputs arrive as TL_* environment variables set by action.yml, never interpolated into a
# script, and each becomes one argument. The comment, summary and SARIF logic is the CLI's
# (src/cli/github/); this script only assembles command lines.
set -euo pipefail

action_path="${TL_ACTION_PATH:-${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}}"
# Tests run the TypeScript source instead of the bundle.
cli="${TOKEN_LENS_CLI:-$action_path/dist/cli.js}"

output() { echo "$1=$2" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"; }

is_true() {
  case "${1:-}" in
    true | True | TRUE | 1 | yes) return 0 ;;
    false | False | FALSE | 0 | no | '') return 1 ;;
    *) echo "::error title=Token Lens::expected true or false, not \"$1\"" >&2; exit 2 ;;
  esac
}

# Options shared by check and report.
common=()
[[ -n "${TL_MODEL:-}" ]] && common+=(--model "$TL_MODEL")
[[ -n "${TL_CONFIG:-}" ]] && common+=(--config "$TL_CONFIG")
[[ -n "${TL_RPM:-}" ]] && common+=(--rpm "$TL_RPM")
[[ -n "${TL_CACHE_DIR:-}" ]] && common+=(--cache-dir "$TL_CACHE_DIR")
if is_true "${TL_OFFLINE:-false}"; then common+=(--offline); fi

# PATHs: separated by spaces or new lines (a path with a space: use a glob).
read -r -a paths <<< "$(tr '\n' ' ' <<< "${TL_PATHS:-.}")"
if (( ${#paths[@]} == 0 )); then paths=(.); fi

# Runs the CLI, records its exit code as the step output exit-code, and never fails the step.
run_cli() {
  local code=0
  node "$cli" "$@" || code=$?
  output exit-code "$code"
}

# The ref to compare with: the base as given, as a remote-tracking branch, or fetched (a
# shallow checkout has neither: only the base's tree is needed, so depth 1 is enough).
resolve_base() {
  local base="$1"
  if git rev-parse --verify --quiet "origin/$base^{commit}" > /dev/null; then echo "origin/$base"; return; fi
  if git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then echo "$base"; return; fi
  if git fetch --quiet --no-tags --depth=1 origin "+refs/heads/$base:refs/remotes/origin/$base" 2> /dev/null; then echo "origin/$base"; return; fi
  if git fetch --quiet --no-tags --depth=1 origin "$base" 2> /dev/null; then echo FETCH_HEAD; return; fi
  echo "::warning title=Token Lens::cannot find or fetch the diff base \"$base\"" >&2
  echo "$base"
}

case "${1:-}" in
  build)
    cd "$action_path"
    # --ignore-scripts: no install script is needed to bundle (esbuild's binary comes in its
    # platform package), and none of the dependencies' scripts runs on the caller's runner.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    npm run build
    ;;
  check)
    args=(check --github --step-summary --step-outputs "${common[@]}")
    [[ -n "${TL_BUDGET:-}" ]] && args+=(--budget "$TL_BUDGET")
    [[ -n "${TL_BUDGET_USD:-}" ]] && args+=(--budget-usd "$TL_BUDGET_USD")
    [[ -n "${TL_MAX_TOOL_TOKENS:-}" ]] && args+=(--max-tool-tokens "$TL_MAX_TOOL_TOKENS")
    [[ -n "${TL_MAX_CONTEXT_TOKENS:-}" ]] && args+=(--max-context-tokens "$TL_MAX_CONTEXT_TOKENS")
    [[ -n "${TL_MAX_SERVER_TOKENS:-}" ]] && args+=(--max-server-tokens "$TL_MAX_SERVER_TOKENS")
    # Runs code from the checkout: only when the workflow opts in.
    if is_true "${TL_START_MCP_SERVERS:-false}"; then args+=(--start-mcp-servers); fi
    [[ -n "${TL_SARIF:-}" ]] && args+=(--sarif "$TL_SARIF")
    run_cli "${args[@]}" -- "${paths[@]}"
    ;;
  report)
    comment=()
    if is_true "${TL_COMMENT:-true}"; then comment=(--pr-comment); fi
    if [[ -n "${TL_DIFF_BASE:-}" ]]; then
      ref="$(resolve_base "$TL_DIFF_BASE")"
      run_cli diff "$ref" --github --step-summary --step-outputs "${comment[@]}" "${common[@]}" -- "${paths[@]}"
    else
      # Not a pull request (or no base asked for): what each file costs now.
      run_cli count --step-summary --step-outputs "${comment[@]}" "${common[@]}" -- "${paths[@]}"
    fi
    ;;
  finish)
    worst=0
    for code in "${TL_CHECK_EXIT:-0}" "${TL_REPORT_EXIT:-0}"; do
      if [[ -n "$code" ]] && (( code > worst )); then worst=$code; fi
    done
    case "$worst" in
      0) ;;
      1) echo "Token Lens: a limit is exceeded (see the annotations and the job summary)." >&2 ;;
      *) echo "Token Lens: a usage or input error (exit $worst; see the log above)." >&2 ;;
    esac
    exit "$worst"
    ;;
  *)
    echo "usage: github-action.sh build|check|report|finish" >&2
    exit 2
    ;;
esac
