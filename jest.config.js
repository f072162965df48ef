/* One jest run, one project per part of the repository. */
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
  ],
};
