#!/usr/bin/env bash
# Renders the first page of the paper-notation LaTeX of the O(N) LPA (symbolic N and d,
# order 3) as docs/paper_notation.png, the picture in the README's "Code generation" section.
# Needs pdflatex and bibtex (TeX Live) and pdftoppm (poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python -m rgsym.cli derive derivations/on_lpa.toml --set truncation.order=3 \
    --set 'theory.N="N"' --set 'theory.d="d"' --emit latex -o "$out" >/dev/null
(
    cd "$out"
    pdflatex -interaction=nonstopmode -halt-on-error betas.tex >/dev/null
    bibtex betas >/dev/null
    pdflatex -interaction=nonstopmode -halt-on-error betas.tex >/dev/null
    SOURCE_DATE_EPOCH=0 FORCE_SOURCE_DATE=1 pdflatex -interaction=nonstopmode -halt-on-error betas.tex >/dev/null
)
pdftoppm -png -r 90 -f 1 -l 1 -singlefile "$out/betas.pdf" docs/paper_notation
echo "wrote docs/paper_notation.png"
