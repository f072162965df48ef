/** Source → metadata-API format conversion through @salesforce/source-deploy-retrieve, entirely offline. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ConvertResult {
  outputDir: string;
  packageXml: string;
  componentCount: number;
}

export async function convertSource(
  projectDir: string,
  packageDirs: string[],
  apiVersion?: string,
  outputDir?: string
): Promise<ConvertResult> {
  process.env.SF_DISABLE_TELEMETRY ??= 'true';
  // Loaded lazily: the library is large and only this step needs it.
  const { ComponentSet, MetadataConverter } = await import('@salesforce/source-deploy-retrieve');
  const version =
    apiVersion ??
    (JSON.parse(fs.readFileSync(path.join(projectDir, 'sfdx-project.json'), 'utf8')) as { sourceApiVersion: string })
      .sourceApiVersion;
  const cs = ComponentSet.fromSource(packageDirs.map((d) => path.resolve(projectDir, d)));
  // Without an explicit version SDR asks the network for the latest one.
  cs.sourceApiVersion = version;
  cs.apiVersion = version;
  const out = outputDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mdapi-'));
  const packageXml = await cs.getPackageXml();
  await new MetadataConverter().convert(cs, 'metadata', {
    type: 'directory',
    outputDirectory: out,
    packageName: 'package',
    genUniqueDir: false
  });
  return { outputDir: path.join(out, 'package'), packageXml, componentCount: cs.size };
}
