import { CommanderError } from 'commander';
import { TunnelError } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { buildProgram } from './program.js';
import { styleFor } from './style.js';

/** The only place that turns outcomes into exit codes (main.ts loads this once start-up is set up). */
export async function dispatch(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return report(error, program.opts<{ debug?: boolean }>().debug === true);
  }
}

function report(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const style = styleFor(process.stderr);
  if (error instanceof TunnelError) {
    process.stderr.write(`${style.red('tunnel:')} ${error.message}\n`);
    if (debug && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${style.red('tunnel:')} ${message}\n`);
  if (debug && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  return EXIT.failure;
}
