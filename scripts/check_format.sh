#!/usr/bin/env bash
# The format check of the test command: every C++ file of the tree as .clang-format says
# (Google style, 100 columns, includes regrouped and sorted). Fix with:
#   find core mdps algorithms experiments tests bench python examples \
#     \( -name '*.cpp' -o -name '*.hpp' \) \
#     | xargs clang-format -i
# Exits 77 (skipped) where clang-format is not installed (scripts/setup.sh --with-format).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check_format: clang-format is not installed (scripts/setup.sh --with-format)" >&2
  exit 77
fi
cd "$root"
find core mdps algorithms experiments tests bench python examples \
  \( -name '*.cpp' -o -name '*.hpp' \) -print0 \
  | xargs -0 clang-format --dry-run --Werror
