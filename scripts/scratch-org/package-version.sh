#!/usr/bin/env bash
# Builds a new unlocked package version of force-app (creating the package on first use).
# Usage: scripts/scratch-org/package-version.sh [DEV_HUB_ALIAS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVHUB="${1:-devhub}"
PACKAGE="Coupa Connector"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_AUTOUPDATE=true
sf() { npx --no-install sf "$@"; }   # the clone's Salesforce CLI (dev dependency)

if ! grep -q "\"$PACKAGE\":" sfdx-project.json; then
  sf package create --name "$PACKAGE" --package-type Unlocked --path force-app --no-namespace --target-dev-hub "$DEVHUB"
fi
sf package version create --package "$PACKAGE" --installation-key-bypass --code-coverage --wait 30 --target-dev-hub "$DEVHUB"
