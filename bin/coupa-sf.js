#!/usr/bin/env node
// Entry point for `npx coupa-sf …`: runs the TypeScript CLI through tsx without a build step.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const tsx = require.resolve('tsx/cli');
const main = path.join(__dirname, '..', 'middleware', 'src', 'cli', 'main.ts');
const result = spawnSync(process.execPath, [tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
