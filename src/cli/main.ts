#!/usr/bin/env node
import module from 'node:module';
import { EXIT } from './exit-codes.js';
import { guardStdio, lostOutput, releaseHungUpTerminal } from './safe-output.js';

// Before anything else is loaded: everything compiled from here on can use these.
// Node 22.1+ keeps compiled code between runs (a faster second start); Node 20 has no such call.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// --debug stack traces point into src/ through dist/*.js.map; mapping costs start-up time, so only then.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
// Cleanup must finish whatever happens to stdout and stderr (a closed pipe, a hung-up terminal).
guardStdio();

const { dispatch } = await import('./dispatch.js');
dispatch(process.argv).then(
  (code) => {
    // Output lost to a full disk (not to a reader that left) fails an otherwise clean run.
    process.exitCode = code === EXIT.ok && lostOutput() !== undefined ? EXIT.failure : code;
    releaseHungUpTerminal();
  },
  (error: unknown) => {
    process.stderr.write(`tunnel: internal error: ${String(error)}\n`);
    process.exitCode = EXIT.failure;
    releaseHungUpTerminal();
  },
);
