#!/usr/bin/env bash
# Re-fetches the chart library `mtlab report` embeds (runner/report/vendor/):
# uPlot at one exact version from the npm registry, checked against the
# tarball's SHA-256 before anything is copied. Needs npm. To move to another
# version, change both lines below and say why in docs/cli.md.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="1.6.32"
SHA256="4b8a8191e425658e3ea8c8c1314b0fc679c861ee3a1af2b20c7b16ba50b5133d"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "uplot@${VERSION}" >/dev/null)
tarball="$work/uplot-${VERSION}.tgz"
echo "${SHA256}  ${tarball}" | sha256sum --check --quiet \
  || { echo "vendor_uplot: uplot-${VERSION}.tgz does not have the expected SHA-256" >&2; exit 1; }
tar -xzf "$tarball" -C "$work"
dest=runner/report/vendor
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" "$work/package/LICENSE" "$dest/"
echo "vendor_uplot: uPlot ${VERSION} copied to ${dest}"
