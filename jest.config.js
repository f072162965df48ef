/* One jest run, one project per part of the repository. */
const fs = require('node:fs');
const { jestConfig: lwcJestConfig } = require('@salesforce/sfdx-lwc-jest/config');

const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const node = (displayName, roots) => ({
  displayName,
  testEnvironment: 'node',
  roots,
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/*.test.ts'],
});

// A part of the repository that has no folder yet simply has no tests yet.
const present = (project) => project.roots.every((r) => fs.existsSync(r.replace('<rootDir>', __dirname)));

module.exports = {
  projects: [
    {
      ...lwcJestConfig,
      displayName: 'lwc',
      roots: ['<rootDir>/force-app'],
      modulePathIgnorePatterns: ['<rootDir>/.localdevserver'],
      setupFilesAfterEnv: ['<rootDir>/jest.lwc.setup.js'],
    },
    node('middleware', ['<rootDir>/middleware']),
    node('emulators', ['<rootDir>/emulators']),
    node('scripts', ['<rootDir>/scripts']),
    node('integration', ['<rootDir>/test']),
  ].filter(present),
};
