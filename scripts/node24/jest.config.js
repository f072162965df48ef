/* jest.config.js with better-sqlite3 mapped to the copy built for Node 24 (scripts/node24/test.sh sets the path). */
const path = require('node:path');
const base = require('../../jest.config.js');

const rootDir = path.resolve(__dirname, '..', '..');
const target = process.env.NODE24_BETTER_SQLITE3;
if (!target) throw new Error('NODE24_BETTER_SQLITE3 is not set: run this through npm run test:node24');

module.exports = {
  ...base,
  rootDir,
  projects: base.projects.map((p) => ({
    ...p,
    rootDir,
    moduleNameMapper: { ...(p.moduleNameMapper ?? {}), '^better-sqlite3$': target }
  }))
};
