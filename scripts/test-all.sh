#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, lint, typecheck, build, every test, package checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --services
export PATH="$HOME/.troupe-tools/node_modules/.bin:$PATH"

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
started=$(date +%s)

step "lint (biome)"
pnpm lint

step "typecheck"
pnpm typecheck --output-logs=errors-only

step "build"
pnpm build --output-logs=errors-only

step "tests (vitest)"
mkdir -p .turbo
vitest_status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.turbo/vitest-results.json || vitest_status=$?
node -e '
  const r = require("./.turbo/vitest-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
[ "$vitest_status" = 0 ] || exit "$vitest_status"

step "package checks (publint + are-the-types-wrong)"
pnpm check:packages

echo "test-all finished in $(( $(date +%s) - started )) s"
