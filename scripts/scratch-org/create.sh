#!/usr/bin/env bash
# Creates a scratch org with the Coupa connector package, permission sets and sample data, then opens it.
# Usage: scripts/scratch-org/create.sh [ALIAS] [DURATION_DAYS]   (needs the Salesforce CLI `sf` and a Dev Hub)
set -euo pipefail
cd "$(dirname "$0")/../.."

ALIAS="${1:-coupa-connector}"
DAYS="${2:-7}"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_AUTOUPDATE=true

step() { printf '\n==> %s\n' "$*"; }

if ! command -v sf >/dev/null 2>&1; then
  echo "The Salesforce CLI is missing: npm install --global @salesforce/cli" >&2
  exit 1
fi

step "Creating scratch org '$ALIAS' for $DAYS days"
sf org create scratch --definition-file config/project-scratch-def.json --alias "$ALIAS" --set-default \
  --duration-days "$DAYS" --wait 15

step "Deploying the package and the scratch-org setup"
sf project deploy start --source-dir force-app --source-dir scratch-org-setup --target-org "$ALIAS" --wait 20

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
