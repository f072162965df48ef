#!/usr/bin/env bash
# Creates a scratch org with the Coupa connector package, permission sets and sample data, then opens it.
# Usage: scripts/scratch-org/create.sh [ALIAS] [DURATION_DAYS]   (needs `npm ci` (it installs the Salesforce CLI) and a Dev Hub)
set -euo pipefail
cd "$(dirname "$0")/../.."

ALIAS="${1:-coupa-connector}"
DAYS="${2:-7}"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_AUTOUPDATE=true

step() { printf '\n==> %s\n' "$*"; }
# The Salesforce CLI of this clone (a dev dependency), never one downloaded on the fly.
sf() { npx --no-install sf "$@"; }

if ! sf --version >/dev/null 2>&1; then
  echo "The Salesforce CLI is missing: run npm ci in the repository (it installs @salesforce/cli)" >&2
  exit 1
fi

step "Creating scratch org '$ALIAS' for $DAYS days"
sf org create scratch --definition-file config/project-scratch-def.json --alias "$ALIAS" --set-default \
  --duration-days "$DAYS" --wait 15

step "Deploying the package (force-app)"
sf project deploy start --source-dir force-app --target-org "$ALIAS" --wait 20

# Not a package directory on purpose: its standard value set replaces the org's Account Type values, which is right
# for a new scratch org only. In a sandbox or production, add the Vendor value in Setup instead. Converted and
# deployed in metadata-API format, so source tracking never records it as part of the project.
step "Deploying the scratch-org setup (Account Type values with Vendor; scratch orgs only)"
SETUP_DIR="$(mktemp -d)"
trap 'rm -rf "$SETUP_DIR"' EXIT
sf project convert source --root-dir scratch-org-setup --output-dir "$SETUP_DIR/mdapi"
sf project deploy start --metadata-dir "$SETUP_DIR/mdapi" --target-org "$ALIAS" --wait 10

step "Assigning permission sets to the current user"
sf org assign permset --name Coupa_Viewer --name Coupa_Onboarding_Requester --target-org "$ALIAS"

step "Importing sample data"
npx --no-install tsx scripts/sample-data/import.ts --target-org "$ALIAS"

step "Opening the org"
if [ -z "${CI:-}" ]; then
  sf org open --target-org "$ALIAS" --path lightning/o/Account/list
else
  sf org open --target-org "$ALIAS" --url-only
fi
