#!/usr/bin/env bash
# Offline checks of infra/terraform, run by .ci/run: formatting (terraform fmt) and checkov,
# which must report no failed check (each skip is inline, with its reason). checkov runs
# from its own virtualenv, build/venv-checkov, installed here from checkov.requirements.txt.
set -euo pipefail
cd "$(dirname "$0")"
venv=../../build/venv-checkov

# a TF_CLI_CONFIG_FILE that names no file only makes terraform print warnings
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi
if ! command -v terraform >/dev/null; then
  echo "terraform-check: the terraform binary (1.11 or later) is missing on this machine" >&2
  exit 1
fi
echo "terraform-check: terraform fmt -check -recursive infra/terraform"
terraform fmt -check -recursive -diff .

export BC_SKIP_MAPPING=TRUE  # offline: no call to Prisma Cloud for its check mapping
if ! cmp -s checkov.requirements.txt "$venv/.installed" || [ ! -x "$venv/bin/checkov" ]; then
  echo "terraform-check: installing checkov into build/venv-checkov"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python="$(command -v python3.11 || command -v python3)"
  if ! { "$python" -m venv "$venv" &&
         "$venv/bin/pip" install --quiet --disable-pip-version-check -r checkov.requirements.txt; } >"$venv.log" 2>&1; then
    grep -v "^WARNING: Location" "$venv.log" | cut -c1-300 | tail -n 20 >&2 || true
    echo "terraform-check: FAILED: checkov could not be installed (log above, $venv.log)" >&2
    exit 1
  fi
  cp checkov.requirements.txt "$venv/.installed"
fi
echo "terraform-check: $(grep '^checkov==' checkov.requirements.txt) (offline)"
"$venv/bin/checkov" --directory . --framework terraform --skip-download --compact --quiet
