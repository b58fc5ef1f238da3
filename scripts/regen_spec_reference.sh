#!/usr/bin/env bash
# Rewrites docs/spec.md's generated key reference (between its markers) from
# `mtlab validate --print-reference` of the build tree; tests/spec/test_reference.cpp
# fails until it is run after a key, default or help text changed.
set -euo pipefail
cd "$(dirname "$0")/.."
mtlab="${MTLAB_BUILD_DIR:-build}/bin/mtlab"
python3 - "$("$mtlab" validate --print-reference)" <<'PY'
import sys
path = "docs/spec.md"
text = open(path).read()
begin = "<!-- BEGIN GENERATED REFERENCE (mtlab validate --print-reference) -->\n"
end = "<!-- END GENERATED REFERENCE -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + sys.argv[1].rstrip("\n") + "\n" + end + tail)
PY
