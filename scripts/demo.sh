#!/usr/bin/env bash
# The main job on the embedded default environment (`local`: an in-process SageMaker
# emulator whose state lives in .biaswatch/local-state.json). No AWS account needed.
# validate → bias preview on a sample → plan → apply → empty plan → out-of-band change →
# drift (exit 2) → apply → drift (exit 0)
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${BIASWATCH_PYTHON:-.venv/bin/python}"
BW="$PY -m compiler"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
expect() {  # expect CODE command...: run, show, and check the exit code
  local want=$1; shift
  "$@"; local got=$?
  if [ "$got" -ne "$want" ]; then echo "demo: '$*' exited $got, expected $want" >&2; exit 1; fi
  echo "(exit $got)"
}

step "Starting from an empty local account"
rm -f .biaswatch/local-state.json
rm -rf .biaswatch/cache

step "biaswatch validate"
expect 0 $BW validate

step "biaswatch preview credit-risk-bias --data examples/credit-risk-sample.csv   (bias metrics before deploying)"
expect 0 $BW preview credit-risk-bias --data examples/credit-risk-sample.csv

step "biaswatch plan --detailed-exitcode   (2 = changes to apply)"
expect 2 $BW plan --detailed-exitcode

step "biaswatch apply --auto-approve"
expect 0 $BW apply --auto-approve

step "biaswatch plan --detailed-exitcode   (0 = SageMaker matches git)"
expect 0 $BW plan --detailed-exitcode

step "Someone changes SageMaker behind git's back"
expect 0 "$PY" scripts/out_of_band_change.py .biaswatch/local-state.json

step "biaswatch drift   (2 = drift found)"
expect 2 $BW drift

step "biaswatch apply --auto-approve   (restores what git says)"
expect 0 $BW apply --auto-approve

step "biaswatch drift   (0 = no drift)"
expect 0 $BW drift

step "Demo complete"
