import type { Hop } from '../model/types.js';
import type { TargetSettings } from '../sshconfig/target.js';

/** What init tells the user as it goes; the CLI styles it (or keeps quiet for --json). */
export interface InitIO {
  say(kind: 'ok' | 'warn' | 'info', text: string): void;
  /** Verbatim lines: entries and diffs. */
  show(lines: readonly string[]): void;
}

/** The live checks, injectable so the flow can be exercised without a network. */
export interface InitChecks {
  resolveLogin(login: Hop, sshConfig: string | undefined): Promise<TargetSettings>;
  resolveNode(node: string, sshConfig: string | undefined): Promise<void>;
  testConnection(
    target: Hop,
    options: { sshConfig: string | undefined; interactive: boolean; jump?: Hop | undefined },
  ): Promise<void>;
}

/** How a check of the example node turned out: only a warning when it fails (many clusters refuse node logins without a job). */
export type NodeCheck =
  { checked: false } | { checked: true; connected: true } | { checked: true; connected: false; reason: string };
