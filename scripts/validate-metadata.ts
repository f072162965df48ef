/** `npm run validate:metadata`: offline checks of force-app/ that a deploy would make. Exits 1 on any issue. */
import path from 'node:path';
import { validateProject } from './metadata/validate';

async function main(): Promise<void> {
  const projectDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const issues = await validateProject(projectDir);
  for (const i of issues) console.error(`${i.file}: [${i.code}] ${i.message}`);
  if (issues.length) {
    console.error(`metadata: ${issues.length} issue(s)`);
    process.exit(1);
  }
  console.log('metadata: valid, and converts to metadata-API format');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
