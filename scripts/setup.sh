#!/usr/bin/env bash
# Installs what the demo and the test suites need; safe to run again. Sourced by demo.sh and test.sh.
#   npm packages: npm ci (when node_modules is missing or older than the lockfile)
#   the CLI compiled to dist/ (bin/build.mjs; bin/pipewright.mjs also rebuilds it when a source changed)
#   Debian packages: postgresql (Postgres ingest tests and `npm run test:postgres`, the store/engine suites on Postgres), python3-sklearn / python3-xgboost / python3-pandas / python3-torch
#   (the Python training runners), chromium (the web page's browser tests), redis-server (BullMQ workers),
#   bubblewrap (the step sandbox; docs/security.md).
#   example data: data/penguins.json, data/weather.csv and two weather extracts, from vega-datasets when missing.
# Where they cannot be installed (no root, no apt), the suites that need them are left out and named;
# in CI (CI=true) nothing may be left out, so that is an error.
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

APT_PACKAGES=(postgresql python3-sklearn python3-xgboost python3-pandas python3-torch chromium redis-server bubblewrap)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="none"; fi
  fi
  if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  still=()
  for p in "${missing[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || still+=("$p"); done
  missing=("${still[@]}")
fi

# Suites left out for what could not be installed (globs for vitest --exclude).
PIPEWRIGHT_TEST_EXCLUDE=""
for p in "${missing[@]}"; do
  case "$p" in
    postgresql) glob="test/**/*postgres*.int.test.ts" ;; # also skips `npm run test:postgres`
    python3-sklearn|python3-xgboost|python3-pandas|python3-torch)
      glob="test/training/train.test.ts,test/training/learners.test.ts,test/training/features.test.ts" ;;
    chromium) glob="test/**/*.browser.int.test.ts" ;;
    redis-server) glob="test/workers/*.int.test.ts" ;;
    bubblewrap) glob="test/security/sandbox.int.test.ts" ;; # steps run in the loud fallback instead
    *) glob="" ;;
  esac
  [ -n "$glob" ] && PIPEWRIGHT_TEST_EXCLUDE="${PIPEWRIGHT_TEST_EXCLUDE:+$PIPEWRIGHT_TEST_EXCLUDE,}$glob"
done
export PIPEWRIGHT_TEST_EXCLUDE
if ((${#missing[@]})); then
  echo "setup: could not install ${missing[*]} (needs root or passwordless sudo with apt-get)." >&2
  echo "setup: these suites will be left out: ${PIPEWRIGHT_TEST_EXCLUDE//,/ }" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "setup: in CI nothing may be left out; failing." >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2 || exit 1
fi

# The compiled CLI (about a quarter of a second; the CLI would otherwise build it on its first start).
node bin/build.mjs || exit 1
# The example data the README's commands and examples/ name, from vega-datasets (an npm dependency):
# data/penguins.json, data/weather.csv (Seattle's daily weather) and two extracts of it. Files already there
# are kept.
mkdir -p data
[ -f data/penguins.json ] || cp node_modules/vega-datasets/data/penguins.json data/penguins.json
[ -f data/weather.csv ] || cp node_modules/vega-datasets/data/seattle-weather.csv data/weather.csv
# Two extracts to compare with `pipewright drift`: all of 2012, and the summer of 2015.
weather=node_modules/vega-datasets/data/seattle-weather.csv
[ -f data/weather-2012.csv ] || awk -F, 'NR == 1 || $1 ~ /^2012-/' "$weather" >data/weather-2012.csv
[ -f data/weather-2015-summer.csv ] || awk -F, 'NR == 1 || $1 ~ /^2015-0[6-8]-/' "$weather" >data/weather-2015-summer.csv
