#!/usr/bin/env bash
# One entry point for people and CI.
#   bash run.sh brief   set up .venv from requirements.lock, then build reports/brief.{html,pdf}
#   bash run.sh test    set up .venv (with test tools), then run the test suite
# Extra arguments go to snakemake (brief) or pytest (test).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON=${PYTHON:-python3}
VENV=.venv
QUARTO_VERSION=1.10.19

quiet_pip() {
  # pip, without the notes some machines' pip configuration prints for absent local mirrors
  "$VENV/bin/python" -m pip --quiet --disable-pip-version-check "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }
}

setup() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "citydiplomacy needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2; exit 1; }
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  # reinstall only when the lock file changed since the last install
  if ! cmp -s requirements.lock "$VENV/.installed.lock"; then
    echo "Installing locked dependencies into $VENV (once) ..."
    quiet_pip install -r requirements.lock
    quiet_pip install --no-deps -e .
    cp requirements.lock "$VENV/.installed.lock"
  fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

try_quarto() {
  # Quarto renders the brief where it can be had; elsewhere pandoc + Typst do, from the same sources.
  command -v quarto >/dev/null && return 0
  [ -e "$VENV/.quarto-tried" ] && return 0
  echo "Looking for Quarto (pip install quarto-cli==$QUARTO_VERSION) ..."
  if timeout 600 "$VENV/bin/python" -m pip install --disable-pip-version-check "quarto-cli==$QUARTO_VERSION" >"$VENV/.quarto-install.log" 2>&1; then
    echo "Quarto installed: the brief will be rendered with Quarto."
  else
    echo "Quarto could not be installed here (see $VENV/.quarto-install.log): the brief will be rendered with pandoc + Typst."
  fi
  touch "$VENV/.quarto-tried"
}

case "${1:-}" in
  brief)
    shift; setup; try_quarto
    snakemake "$@"
    echo "The brief: reports/brief.html and reports/brief.pdf"
    ;;
  test)
    shift; setup
    python -m pytest "$@"
    ;;
  *)
    sed -n '2,5p' "$0" >&2; exit 2 ;;
esac
