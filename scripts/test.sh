#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what it needs, then runs `npm test`
# (Biome format + lint, the type check, and every vitest suite).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npm test
