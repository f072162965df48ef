#!/usr/bin/env bash
# Gives the connector's integration user its least-privilege permission set.
# Usage: scripts/scratch-org/assign-integration-user.sh USERNAME [ALIAS]
set -euo pipefail
cd "$(dirname "$0")/../.."
USERNAME="${1:?usage: assign-integration-user.sh USERNAME [ALIAS]}"
ALIAS="${2:-coupa-connector}"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_AUTOUPDATE=true
sf() { npx --no-install sf "$@"; }   # the clone's Salesforce CLI (dev dependency)
sf org assign permset --name Coupa_Integration_User --on-behalf-of "$USERNAME" --target-org "$ALIAS"
