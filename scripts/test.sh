#!/usr/bin/env bash
# Runs every test in one node:test invocation, so the runner's own summary closes the output.
# Installs what the browser test needs (Debian's chromium) when it is missing and we may.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser test (Debian package)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

npx tsc --noEmit -p .

files=$(find test -name '*.test.ts' | sort)
if [ -n "${SKIP_SLOW:-}" ]; then files=$(printf '%s\n' $files | grep -v '\.slow\.test\.ts$'); fi
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=900000 \
  --test-reporter=spec $files
