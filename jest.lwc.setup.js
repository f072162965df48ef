/* global jest */
const fs = require('node:fs');
const path = require('node:path');
const { XMLParser } = require('fast-xml-parser');
const { registerSa11yMatcher } = require('@sa11y/jest');

registerSa11yMatcher();

// sfdx-lwc-jest resolves `@salesforce/label/c.Name` to the string 'c.Name'. Resolve each label to its English value
// from CustomLabels instead, so tests read what users read; a label that is not defined stays 'c.Name' and fails them.
const LABELS = path.join(__dirname, 'force-app/main/default/labels/CustomLabels.labels-meta.xml');
if (fs.existsSync(LABELS)) {
  const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'labels' });
  const doc = parser.parse(fs.readFileSync(LABELS, 'utf8'));
  for (const label of doc.CustomLabels.labels || []) {
    const value = String(label.value);
    jest.doMock(`@salesforce/label/c.${label.fullName}`, () => ({ __esModule: true, default: value }), {
      virtual: true
    });
  }
}
