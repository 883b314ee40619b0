#!/usr/bin/env bash
# Runs every check and test suite of OAuth Explorer on this machine, installing what they need:
# npm packages (npm ci), Debian's chromium and libkrb5-dev, Node 24 and code-server (cached in
# .vscode-test/). Test artifacts (screenshots, VS Code logs) go to test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "Installing chromium and code-server when missing"
node --import tsx test/harness/install.ts >/dev/null

step "Formatting (prettier --check)"
npx prettier --check .

step "Type check (tsc)"
npx tsc -p .

step "Build (esbuild)"
node esbuild.mjs

step "Unit, integration and webview tests (mocha, plain Node and headless Chromium)"
npx mocha

step "Extension tests inside VS Code (code-server and headless Chromium)"
node --import tsx test/vscode/run.ts

step "Servers view in the workbench, as a person sees it (Playwright, code-server and Chromium)"
npx mocha --config test/workbench/mocharc.json

printf '\nAll tests passed in %d s.\n' "$(( $(date +%s) - started ))"
