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

# The browser tests drive Debian's Chromium through playwright-core (browsers cannot be downloaded
# through npm here); install it when missing (root, as CI runs).
if ! command -v chromium >/dev/null 2>&1 && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing chromium (browser tests)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
    || echo "could not install chromium: the browser tests will fail and say what to install"
fi

echo "== starting services"
# shellcheck source=tools/services.sh
source tools/services.sh || { echo "could not start services"; echo "0 passed, 1 failed"; exit 1; }
trap services_stop EXIT

mkdir -p .ci-reports
rm -f .ci-reports/*.ok .ci-reports/*.failed
echo "== lint and typecheck (every project; two at a time)"
check_one() {
  local task=$1 log=".ci-reports/${1/:/-}.log"
  if npx nx run "$task" --output-style=static --skip-nx-cache >"$log" 2>&1; then touch ".ci-reports/${1/:/-}.ok"
  else touch ".ci-reports/${1/:/-}.failed"; fi
}
export -f check_one
npx nx show projects 2>/dev/null | sort | while read -r p; do echo "$p:lint"; echo "$p:typecheck"; done \
  | xargs -P 2 -I{} bash -c 'check_one {}'
checks_passed=$(ls .ci-reports/*.ok 2>/dev/null | wc -l)
checks_failed=$(ls .ci-reports/*.failed 2>/dev/null | wc -l)
for f in .ci-reports/*.failed; do
  [ -e "$f" ] || continue
  log="${f%.failed}.log"; echo "FAILED: $(basename "${f%.failed}")"; tail -40 "$log"
done
echo "lint/typecheck: $checks_passed passed, $checks_failed failed"

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
