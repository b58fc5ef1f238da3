#!/usr/bin/env bash
# Checks that no include runs back up the library ladder (docs/architecture.md),
# and that no BERT class is named outside the bert plugin and the text library:
# each framework area and storage may include only the public headers of its own
# library and of the libraries below it. Prints each offending line as
# file:line: and exits 1 when there is one. Usage: scripts/check_layers.sh [repo root]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

# The library each area's sources and public headers belong to.
declare -A library=(
  [core]=core [plugin]=core [options]=core [text]=text [data]=data [metrics]=data [spec]=spec
  [io]=nn [model]=nn [train]=nn [storage]=storage
)
# The libraries each library may include (itself and those below it).
declare -A allowed=(
  [core]="core" [text]="core text" [data]="core text data" [spec]="core text data spec"
  [nn]="core text data nn" [storage]="core storage"
)

area_of() {  # framework/include/mtlab/<area>/…, framework/<area>/…, storage/…
  case "$1" in
    framework/include/mtlab/*) cut -d/ -f4 <<<"$1" ;;
    framework/*) cut -d/ -f2 <<<"$1" ;;
    storage/*) echo storage ;;
  esac
}

bad=0
while IFS= read -r file; do
  area="$(area_of "$file")"
  own="${library[$area]:-}"
  [[ -n "$own" ]] || continue
  while IFS=: read -r line included; do
    lib="${library[$included]:-}"
    if [[ -z "$lib" || " ${allowed[$own]} " != *" $lib "* ]]; then
      echo "$file:$line: mtlab_$own includes mtlab/$included/ (mtlab_${lib:-?}), which is not below it"
      bad=1
    fi
  done < <(grep -noE '^#include "mtlab/[a-z_]+/' "$file" | sed -E 's|#include "mtlab/([a-z_]+)/|\1|')
done < <(git ls-files 'framework/*.h' 'framework/*.cpp' 'storage/*.h' 'storage/*.cpp')
# BERT lives in its plugin (plugins/bert) and the WordPiece tokenizer in the text
# library: the framework's other areas, the runner and storage go through the
# Backbone and Tokenizer interfaces and the plugin registry.
while IFS= read -r hit; do
  echo "$hit: names a BERT class outside plugins/bert and the text library"
  bad=1
done < <(git grep -nE '\bBert(Model|Config|Tokenizer)\b' -- framework runner storage \
           ':!framework/text' ':!framework/include/mtlab/text' || true)
if ((bad)); then exit 1; fi
echo "layers: ok — no include runs back up the ladder, and BERT stays in its plugin"
