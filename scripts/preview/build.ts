/**
 * Builds the LWC preview bundle: the package's real components from force-app/, lightning-base-components,
 * and our implementations of the platform modules that LBC does not ship (LDS over the Salesforce REST API,
 * empApi over CometD, toasts, quick-action events). Output: scripts/preview/.preview-build/preview.js.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rollup, type Plugin } from 'rollup';
import lwc from '@lwc/rollup-plugin';
import replace from '@rollup/plugin-replace';
import { XMLParser } from 'fast-xml-parser';

import { LWC_DIR, OUT_DIR, ROOT } from './paths';

const PLATFORM = path.join(__dirname, 'client/platform');
// lwc@9's own engine, not the older @lwc/* that sfdx-lwc-jest hoists to the top of node_modules.
const LWC_PKGS = path.join(path.dirname(require.resolve('lwc')), 'node_modules/@lwc');

const PLATFORM_MODULES: Record<string, string> = {
  'lightning/uiRecordApi': 'uiRecordApi.mjs',
  'lightning/uiRelatedListApi': 'uiRelatedListApi.mjs',
  'lightning/uiObjectInfoApi': 'uiObjectInfoApi.mjs',
  'lightning/empApi': 'empApi.mjs',
  'lightning/platformShowToastEvent': 'platformShowToastEvent.mjs',
  'lightning/actions': 'actions.mjs',
  'lightning/quickActionPanel': 'quickActionPanel/quickActionPanel.mjs'
};

/** `@salesforce/schema/Obj.Field` → `{ objectApiName, fieldApiName }`, as the platform compiles them. */
function salesforceSchema(): Plugin {
  const PREFIX = '@salesforce/schema/';
  return {
    name: 'salesforce-schema',
    resolveId: (id) => (id.startsWith(PREFIX) ? `\0${id}` : null),
    load(id) {
      if (!id.startsWith(`\0${PREFIX}`)) return null;
      const [objectApiName, ...rest] = id.slice(PREFIX.length + 1).split('.');
      const value = rest.length ? { objectApiName, fieldApiName: rest.join('.') } : { objectApiName };
      return `export default ${JSON.stringify(value)};`;
    }
  };
}

/** `@salesforce/label/c.Name` → the label's value from CustomLabels (the org's default language), as the platform does. */
function salesforceLabels(): Plugin {
  // Only the package's own labels: lightning-base-components resolves its platform labels itself.
  const PREFIX = '@salesforce/label/c.';
  const file = path.join(LWC_DIR, '..', 'labels', 'CustomLabels.labels-meta.xml');
  let labels: Map<string, string> | undefined;
  const load = () => {
    if (labels) return labels;
    labels = new Map();
    if (fs.existsSync(file)) {
      const doc = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'labels' }).parse(fs.readFileSync(file, 'utf8'));
      for (const l of (doc.CustomLabels?.labels ?? []) as Array<{ fullName: string; value: unknown }>) labels.set(`c.${l.fullName}`, String(l.value));
    }
    return labels;
  };
  return {
    name: 'salesforce-labels',
    resolveId: (id) => (id.startsWith(PREFIX) ? `\0${id}` : null),
    load(id) {
      if (!id.startsWith(`\0${PREFIX}`)) return null;
      const name = `c.${id.slice(PREFIX.length + 1)}`;
      const value = load().get(name);
      if (value === undefined) this.error(`${name} is not a label in ${path.relative(ROOT, file)}`);
      return `export default ${JSON.stringify(value)};`;
    }
  };
}

export function componentNames(): string[] {
  return fs
    .readdirSync(LWC_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(LWC_DIR, d.name, `${d.name}.js`)))
    .map((d) => d.name);
}

export async function buildPreview(): Promise<string> {
  const engine = (name: string) => path.join(LWC_PKGS, name, 'dist/index.js');
  const bundle = await rollup({
    input: path.join(__dirname, 'client/main.mjs'),
    onwarn(warning, warn) {
      // lightning-base-components' own templates warn (LWC1149, duplicate slots); ours must not.
      if (warning.id && warning.id.includes('lightning-base-components')) return;
      if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
      warn(warning);
    },
    plugins: [
      salesforceSchema(),
      salesforceLabels(),
      replace({
        preventAssignment: true,
        values: { 'process.env.NODE_ENV': JSON.stringify('production'), 'import.meta.env.SSR': 'false' }
      }),
      lwc({
        rootDir: ROOT,
        // lightning-base-components' datatable uses lwc:component.
        enableDynamicComponents: true,
        defaultModules: [
          { name: 'lwc', path: engine('engine-dom') },
          { name: '@lwc/engine-dom', path: engine('engine-dom') },
          { name: '@lwc/synthetic-shadow', path: engine('synthetic-shadow') },
          { name: '@lwc/wire-service', path: engine('wire-service') }
        ],
        modules: [
          ...componentNames().map((name) => ({ name: `c/${name}`, path: path.join(LWC_DIR, name, `${name}.js`) })),
          ...Object.entries(PLATFORM_MODULES).map(([name, file]) => ({ name, path: path.join(PLATFORM, file) })),
          { npm: 'lightning-base-components' }
        ]
      })
    ]
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, 'preview.js');
  await bundle.write({ file, format: 'esm', sourcemap: false, inlineDynamicImports: true });
  await bundle.close();
  return file;
}

if (require.main === module) {
  const started = Date.now();
  buildPreview().then(
    (file) =>
      console.log(`preview: built ${path.relative(ROOT, file)} in ${((Date.now() - started) / 1000).toFixed(1)}s`),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    }
  );
}
