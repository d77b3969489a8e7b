import chalk, { Chalk, type ChalkInstance } from 'chalk';

/** chalk, switched off for NO_COLOR, TERM=dumb, or when stream is not a terminal. */
export function styleFor(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  const off = 'NO_COLOR' in process.env || process.env.TERM === 'dumb' || !stream.isTTY;
  return off ? new Chalk({ level: 0 }) : chalk;
}
