#!/usr/bin/env node
// Entry point for `npx coupa-sf …`: runs the TypeScript CLI in one Node process (bin/connector-node.js says how).
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { connectorNodeArgs } = require('./connector-node');

const main = path.join(__dirname, '..', 'middleware', 'src', 'cli', 'main.ts');
const result = spawnSync(process.execPath, [...connectorNodeArgs(), main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
