import type { Command } from 'commander';
import { createSpinner, eventLines, introLines, outroLines, STEP_TITLES } from '../../api/present.js';
import type { DemoEvent, DemoReporter, DemoStep } from '../../api/demo.js';
import { TunnelError } from '../../errors.js';
import { exitCodeForSignal } from '../exit-codes.js';
import type { SetExit } from '../set-exit.js';
import { styleFor } from '../style.js';

interface DemoFlags {
  json?: boolean;
  keep?: boolean;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function registerDemo(program: Command, setExit: SetExit): void {
  program
    .command('demo')
    .description(
      'build a real tunnel to an isolated node in a local sandbox, use it, break it, watch it heal, remove it (needs only the ssh client)',
    )
    .option('--json', 'print one JSON summary instead of the walkthrough')
    .option('--keep', 'keep the tunnel up after the walkthrough until Ctrl-C (which then ends it normally)')
    .action(async (flags: DemoFlags) => setExit(await runDemoCommand(flags)));
}

async function runDemoCommand(flags: DemoFlags): Promise<number> {
  // The sandbox (ssh2, ~100 ms) loads only when the demo runs.
  const { demo: runDemo } = await import('../../api/demo.js');
  const out = process.stdout;
  const style = styleFor(out);
  const json = flags.json === true;
  const controller = new AbortController();
  let caught: NodeJS.Signals | undefined;
  let release: (() => void) | undefined;
  // During --keep a signal is the expected way to end; before that it cancels the demo.
  const onSignal = (signal: NodeJS.Signals) => {
    caught ??= signal;
    if (release !== undefined) release();
    else controller.abort();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const reporter = json ? jsonReporter() : humanReporter(style);
  if (!json) out.write(`${introLines(style).join('\n')}\n`);
  try {
    const summary = await runDemo({
      reporter,
      signal: controller.signal,
      hold:
        flags.keep === true
          ? () => new Promise<void>((resolve) => (caught === undefined ? (release = resolve) : resolve()))
          : undefined,
    });
    out.write(json ? `${JSON.stringify(summary)}\n` : `${outroLines(summary.timingsMs.total, style).join('\n')}\n`);
    return 0;
  } catch (error) {
    reporter.fail();
    if (controller.signal.aborted && caught !== undefined) {
      process.stderr.write(`tunnel: demo cancelled (${caught}); what it had started was stopped\n`);
      return exitCodeForSignal(caught);
    }
    const failure = oneLine(error);
    if (json)
      out.write(
        `${JSON.stringify({ ok: false, error: { code: failure instanceof TunnelError ? failure.code : null, message: failure.message } })}\n`,
      );
    throw failure;
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

/** main() prints the message as one line: fold OpenSSH's multi-line words and say it was the demo. */
function oneLine(error: unknown): Error {
  const message = `demo failed: ${(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ')}`;
  return error instanceof TunnelError
    ? new TunnelError(error.code, message, { cause: error })
    : new Error(message, { cause: error });
}

type Reporter = DemoReporter & { fail(): void };

function humanReporter(style: ReturnType<typeof styleFor>): Reporter {
  const out = process.stdout;
  const animated = out.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const spinner = createSpinner(out, animated);
  let current: DemoStep | undefined;
  return {
    begin(step) {
      current = step;
      spinner.start(STEP_TITLES[step]);
    },
    done(event: DemoEvent) {
      spinner.stop();
      current = undefined;
      out.write(`${eventLines(event, style).join('\n')}\n`);
    },
    fail() {
      spinner.stop();
      if (current !== undefined) out.write(`${style.red('✖')} ${STEP_TITLES[current]}\n`);
    },
  };
}

/** --json prints one object at the end; with --keep, one more line first, once the tunnel is ready to use. */
function jsonReporter(): Reporter {
  return {
    begin: () => undefined,
    done(event) {
      if (event.step === 'keep')
        process.stdout.write(
          `${JSON.stringify({ state: 'up', localPort: event.localPort, url: `http://127.0.0.1:${event.localPort}/` })}\n`,
        );
    },
    fail: () => undefined,
  };
}
