#!/usr/bin/env bash
# The project's test command (README): typecheck, lint/format check, layering check (docs/architecture.md),
# dead-code check (knip: unused files, exports and dependencies; knip.jsonc), then every vitest suite with the
# coverage gate on shared/.
# Ends with the plain "N passed, N failed" line that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
npx tsc -p . || exit 1
npx biome ci . || exit 1
node --import tsx scripts/check-layers.ts || exit 1
npx knip || exit 1
rm -f vitest-report.json
# The shared/ coverage gate of vitest.config.ts (thresholds fail the run) applies to the full suite only:
# `npm test -- <files>` runs those files without it.
coverage=--coverage
[ $# -gt 0 ] && coverage=
npx vitest run $coverage --reporter=default --reporter=json --outputFile.json=vitest-report.json "$@"
status=$?
if [ -f vitest-report.json ]; then
  node -e "const r=JSON.parse(require('fs').readFileSync('vitest-report.json','utf8'));console.log(r.numPassedTests+' passed, '+(r.numFailedTests)+' failed'+(r.numPendingTests?', '+r.numPendingTests+' skipped':''))"
fi
exit $status
