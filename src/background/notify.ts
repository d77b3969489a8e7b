import { execa } from 'execa';

/**
 * A desktop notification through notify-send, when the machine has one: a background tunnel
 * waiting for a login must be noticed. It shows the tunnel's name and the command to run;
 * nothing secret. Best effort and bounded: no notifier, no display, or a hung one changes nothing.
 */
export async function notifyNeedsAuth(name: string): Promise<boolean> {
  const result = await execa(
    'notify-send',
    ['--app-name=tunnel', '--urgency=critical', `tunnel ${name} needs you to log in again`, `Run: tunnel auth ${name}`],
    {
      reject: false,
      timeout: 5000,
      stdin: 'ignore',
    },
  );
  return result.exitCode === 0;
}
