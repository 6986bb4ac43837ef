#!/usr/bin/env bash
# The house format: swift-format's lint with the project's .swift-format (Hummingbird's
# settings, 150 columns), no line over 150 characters (swift-format leaves string literals
# alone) and no Swift file over 400 lines. Fails naming each violation.
# Fix most with: swift format --in-place -r Sources Tests Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
swift format lint --strict -r Sources Tests Package.swift || status=1
long=$(find Sources Tests -name '*.swift' -print0 | xargs -0 awk 'length($0) > 150 { print FILENAME ":" FNR ": " length($0) " characters" }')
if [ -n "$long" ]; then
  echo "lines over 150 characters:"; echo "$long"; status=1
fi
big=$(find Sources Tests -name '*.swift' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 400 { print $2 ": " $1 " lines" }')
if [ -n "$big" ]; then
  echo "files over 400 lines:"; echo "$big"; status=1
fi
exit $status
