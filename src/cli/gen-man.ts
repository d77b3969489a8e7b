import { readFileSync } from 'node:fs';
import { renderMan } from './man.js';
import { buildProgram } from './program.js';

/** `npm run man` regenerates man/tunnel.1; a test fails if the committed page is stale. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
process.stdout.write(renderMan(buildProgram(), version));
