const eslintJs = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');
const lwcConfig = require('@salesforce/eslint-config-lwc');
const jestPlugin = require('eslint-plugin-jest');

const scope = (files, configs) => configs.map((c) => ({ ...c, files }));

module.exports = [
  {
    ignores: ['node_modules/**', 'coverage/**', 'dist/**', 'data/**', '.sf/**', '.sfdx/**', '**/.preview-build/**']
  },
  // Lightning Web Components: the Salesforce recommended rules.
  ...scope(['force-app/**/lwc/**/*.js'], lwcConfig.configs.recommended),
  {
    files: ['force-app/**/lwc/**/__tests__/**/*.js', 'force-app/**/lwc/**/*.test.js'],
    plugins: { jest: jestPlugin },
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: { '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off' }
  },
  // TypeScript: middleware, emulators, scripts and tests.
  ...scope(['**/*.ts'], [eslintJs.configs.recommended, ...tseslint.configs.recommended]),
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off'
    }
  },
  // The admin console's browser script (served as is, no build step).
  {
    files: ['middleware/src/http/console/**/*.js'],
    ...eslintJs.configs.recommended,
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } }
  },
  {
    files: ['*.js', 'bin/**/*.js', 'scripts/**/*.js'],
    ...eslintJs.configs.recommended,
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } }
  }
];
