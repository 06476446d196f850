#!/usr/bin/env bash
# Runs every test in one node:test invocation, so the runner's own summary closes the output.
# Installs what the tests need when it is missing and we may (root with apt-get): Debian's chromium
# for the browser tests and etcd-server for the etcd store tests (without them those tests skip).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the tests (Debian packages)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npx tsc --noEmit -p .

# tsx reads tsconfig.json from the working directory; named here, it maps the runtime's package
# name to its sources (`paths`) in every process the tests start, whatever their working directory.
export TSX_TSCONFIG_PATH="$PWD/tsconfig.json"

files=${TEST_FILES:-$(find test -name '*.test.ts' | sort)}
if [ -n "${SKIP_SLOW:-}" ]; then files=$(printf '%s\n' $files | grep -v '\.slow\.test\.ts$'); fi

# The runner leads a process group of its own, which every process a test starts joins (unless it
# asks for a group of its own). A test file the runner stops at its timeout cannot end what it
# started; whatever is left when the run ends is ended here, so that nothing carries its load into
# the next run. Ctrl-C and SIGTERM reach the whole group.
# shellcheck disable=SC2086
setsid node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=900000 \
  --test-reporter=spec $files &
runner=$!
trap 'kill -TERM -- "-$runner" 2>/dev/null' INT TERM

# --test-timeout is kept inside each file's process: a file stuck in a loop that never yields never
# reaches it. The runner's direct children are the test files; one older than the limit is ended,
# and the runner then reports that file as failed, so a hang fails the run with its name instead of
# stopping it.
file_limit_s=${TEST_FILE_LIMIT_S:-1500}
(
  while kill -0 "$runner" 2>/dev/null; do
    sleep 15
    ps -o pid=,etimes=,args= --ppid "$runner" 2>/dev/null | while read -r pid secs args; do
      if [ "$secs" -gt "$file_limit_s" ]; then
        echo "a test file ran ${secs} s, over the ${file_limit_s}-s limit; ending it: ${args##* }" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  done
) &
watchdog=$!

rc=0
wait "$runner" || rc=$?
kill "$watchdog" 2>/dev/null || true
left=$(pgrep -a -r D,R,S,T,t,I -g "$runner" || true) # zombies need no ending
if [ -n "$left" ]; then
  echo "ending what the tests left running:"
  echo "$left" | cut -c1-200
  pkill -TERM -g "$runner" 2>/dev/null || true
  sleep 2
  pkill -KILL -g "$runner" 2>/dev/null || true
fi
exit "$rc"
