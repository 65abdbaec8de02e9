#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs dependencies, starts PostgreSQL, Redis and an
# S3 server (tools/services.sh), runs lint + typecheck for every project and every Jest test,
# and ends with one line "N passed, N failed" (lint/typecheck of each project count as one check each).
#   npm test            (or: bash tools/test-all.sh)
# Extra arguments go to Jest, e.g. `bash tools/test-all.sh libs/engine`.
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_NO_CLOUD=true NX_DAEMON=false NX_SKIP_NX_CACHE=true AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export FORCE_COLOR=0

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing dependencies (npm ci)"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "== starting services"
# shellcheck source=tools/services.sh
source tools/services.sh || { echo "could not start services"; echo "0 passed, 1 failed"; exit 1; }
trap services_stop EXIT

mkdir -p .ci-reports
checks_passed=0; checks_failed=0
for target in lint typecheck; do
  echo "== $target"
  for p in $(npx nx show projects 2>/dev/null | sort); do
    if npx nx run "$p:$target" --output-style=static --skip-nx-cache >".ci-reports/$target-$p.log" 2>&1; then
      checks_passed=$((checks_passed + 1))
    else
      checks_failed=$((checks_failed + 1)); echo "FAILED: $p:$target"; tail -40 ".ci-reports/$target-$p.log"
    fi
  done
done

echo "== jest"
npx jest -c jest.config.cjs --ci --maxWorkers=2 --json --outputFile=.ci-reports/jest.json "$@"
jest_rc=$?

node -e '
const fs = require("fs");
let p = 0, f = 0;
try { const r = JSON.parse(fs.readFileSync(".ci-reports/jest.json", "utf8")); p = r.numPassedTests; f = r.numFailedTests + r.numRuntimeErrorTestSuites; if (r.numTotalTests === 0) f += 1; }
catch (e) { console.error("no Jest report:", e.message); f += 1; }
p += Number(process.argv[1]); f += Number(process.argv[2]);
console.log(`${p} passed, ${f} failed`);
process.exit(f > 0 ? 1 : 0);
' "$checks_passed" "$checks_failed"
summary_rc=$?
[ $jest_rc -ne 0 ] && [ $summary_rc -eq 0 ] && { echo "jest exited $jest_rc"; echo "0 passed, 1 failed"; exit 1; }
exit $summary_rc
