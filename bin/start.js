#!/usr/bin/env node
// `npm start`: scripts/start.ts (the live connector when configured, otherwise the sandbox), started as the connector
// is everywhere (bin/connector-node.js: tsx's CommonJS hook, the old-generation limit, signals passed on).
const path = require('node:path');
const { runConnector } = require('./connector-node');

runConnector(path.join(__dirname, '..', 'scripts', 'start.ts'), process.argv.slice(2));
