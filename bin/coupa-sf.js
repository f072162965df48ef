#!/usr/bin/env node
// Entry point for `npx coupa-sf …`: runs the TypeScript CLI in one Node process (bin/connector-node.js says how).
const path = require('node:path');
const { runConnector } = require('./connector-node');

runConnector(path.join(__dirname, '..', 'middleware', 'src', 'cli', 'main.ts'), process.argv.slice(2));
