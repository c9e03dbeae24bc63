#!/usr/bin/env bash
# The main demo from a fresh clone: installs what it needs (npm ci), builds the CLI (dist/), then runs
# scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node bin/build.mjs
exec node --import tsx scripts/demo.ts
