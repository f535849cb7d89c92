#!/usr/bin/env bash
# Starts `quire` under a virtual X server (xvfb-run) on a generated sample PDF, finds a word,
# asks a question (answered by a tiny random model made with quire-cli, so the words are
# gibberish but the chat, citations and attention view are real), runs a small batch in the
# batch dialog and writes screenshots of the main views to a folder, for a person to look at:
#   tests/ui/screenshots.sh [BUILD_DIR] [OUT_DIR]     (defaults: build/h, screenshots)
# The screenshots are taken by quire itself (--screenshot DIR, ui/screenshot_tour.h), so no
# screen-capture package is needed. The store lives in a throwaway QUIRE_HOME.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-build/h}"
out="${2:-screenshots}"
quire="${build}/bin/quire"
[ -x "${quire}" ] || { echo "screenshots.sh: ${quire} not found; build the quire target" >&2; exit 2; }
command -v xvfb-run >/dev/null || { echo "screenshots.sh: xvfb-run missing; apt-get install xvfb xauth" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${out}"
/usr/bin/python3 "${here}/make_sample_pdf.py" "${work}/harbour.pdf"
# A small folder for the batch dialog's screenshot: every file is one document.
mkdir -p "${work}/logbooks"
for n in 1 2 3; do
  printf 'Logbook %s\n\nThe lighthouse was lit at dusk on day %s; the keeper noted %s ships.\n' \
    "${n}" "${n}" "$((n * 4))" > "${work}/logbooks/day-${n}.txt"
done
# The model questions go to, chosen in the settings as Model > Manage Models would.
cli="${build}/bin/quire-cli"
[ -x "${cli}" ] || { echo "screenshots.sh: ${cli} not found; build the quire-cli target" >&2; exit 2; }
"${cli}" debug make-model --shape tiny --type q8_0 --seed 1 --out "${work}/tiny.gguf" >/dev/null
mkdir -p "${work}/home/config"
printf '[model]\npath=%s\n\n[engine]\ncontext_size=8192\n' "${work}/tiny.gguf" \
  > "${work}/home/config/quire.ini"

QUIRE_HOME="${work}/home" QUIRE_LOG=info timeout 120 \
  xvfb-run -a -s "-screen 0 1400x900x24" \
  "${quire}" "${work}/harbour.pdf" --screenshot "${out}" --find lighthouse \
  --ask "When was the lighthouse first lit?" --batch-folder "${work}/logbooks"

missing=0
for name in 01-document 02-find 03-zoom 04-chat 05-settings 06-attention 07-models 08-export 09-batch; do
  if [ -s "${out}/${name}.png" ]; then echo "${out}/${name}.png"; else echo "missing: ${name}.png" >&2; missing=1; fi
done
exit "${missing}"
