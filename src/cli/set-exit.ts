/** Commands report their exit code here; only main() applies it. Its own module: commands import it, and nothing else. */
export type SetExit = (code: number) => void;
