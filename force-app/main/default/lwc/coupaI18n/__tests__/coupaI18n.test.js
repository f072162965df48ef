import fs from 'fs';
import path from 'path';
import { XMLParser } from 'fast-xml-parser';
import { format, list, parseList } from 'c/coupaI18n';
import LOADING from '@salesforce/label/c.Coupa_State_Loading';

const DEFAULT_DIR = path.resolve(__dirname, '../../..');
const LWC_DIR = path.join(DEFAULT_DIR, 'lwc');
const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['labels', 'customLabels'].includes(name)
});
const read = (file) => parser.parse(fs.readFileSync(path.join(DEFAULT_DIR, file), 'utf8'));

const labels = read('labels/CustomLabels.labels-meta.xml').CustomLabels.labels;
const english = new Map(labels.map((l) => [l.fullName, String(l.value)]));
const german = new Map(
  read('translations/de.translation-meta.xml').Translations.customLabels.map((l) => [l.name, String(l.label)])
);

/** Every component source file (JS and HTML), tests excluded. */
function sources() {
  return fs
    .readdirSync(LWC_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(LWC_DIR, d.name))
        .filter((f) => /\.(js|html)$/.test(f))
        .map((f) => ({ file: `${d.name}/${f}`, text: fs.readFileSync(path.join(LWC_DIR, d.name, f), 'utf8') }))
    );
}
const LABEL_IMPORT = /from\s+['"]@salesforce\/label\/c\.([A-Za-z0-9_]+)['"]/g;
const imports = sources().flatMap(({ file, text }) =>
  [...text.matchAll(LABEL_IMPORT)].map((m) => ({ file, name: m[1] }))
);
/** Components still to move to Custom Labels (empty when done). */
const NOT_YET_TRANSLATED = [];
const placeholders = (text) => [...new Set(text.match(/\{\d+\}/g) || [])].sort();

describe('c/coupaI18n', () => {
  it('fills numbered placeholders, in any order, and leaves missing ones visible', () => {
    expect(format('Page {0} of {1}', 2, 5)).toBe('Page 2 of 5');
    expect(format('{1}: {0}', 'a', 'b')).toBe('b: a');
    expect(format('{0} and {0}', 'x')).toBe('x and x');
    expect(format('Only {0} and {1}', 'one')).toBe('Only one and {1}');
    expect(format('Zero is {0}', 0)).toBe('Zero is 0');
    expect(format(undefined)).toBe('');
  });

  it('parses and joins comma-separated lists', () => {
    expect(parseList(' Vendor, Prospect ,,')).toEqual(['Vendor', 'Prospect']);
    expect(parseList(undefined)).toEqual([]);
    expect(list(['Vendor', 'Prospect'])).toBe('Vendor, Prospect');
  });

  it('resolves a label import to its English value in tests', () => {
    expect(LOADING).toBe('Loading');
  });
});

describe('Custom Labels and translations', () => {
  it('the components import labels', () => {
    expect(imports.length).toBeGreaterThan(0);
  });

  it('every imported label exists', () => {
    const missing = imports.filter((i) => !english.has(i.name)).map((i) => `${i.file}: c.${i.name}`);
    expect(missing).toEqual([]);
  });

  it('every label is used by a component', () => {
    const used = new Set(imports.map((i) => i.name));
    expect([...english.keys()].filter((name) => !used.has(name))).toEqual([]);
  });

  it('every label has a German translation, and every translation a label', () => {
    expect([...english.keys()].filter((name) => !german.has(name))).toEqual([]);
    expect([...german.keys()].filter((name) => !english.has(name))).toEqual([]);
    expect([...german.entries()].filter(([, value]) => !value.trim())).toEqual([]);
  });

  it('label values are single lines without stray whitespace', () => {
    // Prettier (format:check) reflows XML text longer than a line, which would put line breaks into the labels.
    const values = [...english.entries(), ...[...german.entries()].map(([name, value]) => [`de:${name}`, value])];
    expect(values.filter(([, value]) => /\s{2,}|\n|^\s|\s$/.test(value)).map(([name]) => name)).toEqual([]);
  });

  it('translations keep the placeholders of the English label', () => {
    const mismatched = [...english.entries()]
      .filter(
        ([name, value]) => german.has(name) && placeholders(value).join() !== placeholders(german.get(name)).join()
      )
      .map(([name]) => name);
    expect(mismatched).toEqual([]);
  });

  it('labels are well-formed for the Metadata API', () => {
    for (const label of labels) {
      expect(label.fullName).toMatch(/^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*[A-Za-z0-9]$/);
      expect(label.language).toBe('en_US');
      expect(String(label.shortDescription).length).toBeLessThanOrEqual(80);
      expect(String(label.value).length).toBeGreaterThan(0);
      expect(String(label.value).length).toBeLessThanOrEqual(1000);
    }
    expect(new Set(labels.map((l) => l.fullName)).size).toBe(labels.length);
  });

  it('templates show no hard-coded text', () => {
    const offenders = sources()
      .filter(({ file }) => file.endsWith('.html') && !NOT_YET_TRANSLATED.includes(file.split('/')[0]))
      .flatMap(({ file, text }) => {
        const html = text.replace(/<!--[\s\S]*?-->/g, '');
        // Text nodes: anything but whitespace, {bindings} and punctuation is a hard-coded string.
        const nodes = [...html.matchAll(/>([^<]+)</g)].map((m) => m[1].replace(/\{[^}]*\}/g, '').trim());
        // Attributes users read or hear, set to a literal instead of a {binding}.
        const attributes = [
          ...html.matchAll(/\s(?:label|title|header|alternative-text|aria-label|placeholder)="([^"{]*)"/g)
        ].map((m) => m[1]);
        return [...nodes, ...attributes].filter((t) => /[A-Za-z]{2,}/.test(t)).map((t) => `${file}: ${t}`);
      });
    expect(offenders).toEqual([]);
  });
});
