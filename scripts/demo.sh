#!/usr/bin/env bash
# The main job on embedded defaults, offline and with no keys.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.troupe-tools/node_modules/.bin:$PATH"
pnpm --filter @troupe/example-quickstart start
