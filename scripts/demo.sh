#!/usr/bin/env bash
# Starts the test authorization server and VS Code (code-server) with OAuth Explorer on a sample
# workspace that points at it, installing what is missing first. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node esbuild.mjs >/dev/null 2>&1 || node esbuild.mjs
exec node --import tsx scripts/demo.ts "$@"
