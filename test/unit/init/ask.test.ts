import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { askAnswers } from '../../../src/init/ask.js';
import type { InitFlags } from '../../../src/init/from-flags.js';
import type { InitChecks, InitIO } from '../../../src/init/io.js';
import type { Prompter } from '../../../src/init/prompter.js';
import type { Hop } from '../../../src/model/types.js';
import type { TargetSettings } from '../../../src/sshconfig/target.js';

const RESOLVED: TargetSettings = {
  hostName: 'login.hpc.edu',
  user: 'me',
  port: 22,
  identityFile: undefined,
  identitiesOnly: undefined,
  userKnownHostsFiles: undefined,
  hostKeyAlias: undefined,
  proxyJump: undefined,
  proxyCommand: undefined,
};

/** A scripted user: answers by question text, records every question asked. */
function scripted(answers: Array<[RegExp, unknown]>): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const answer = (message: string, fallback?: unknown): never => {
    asked.push(message);
    const found = answers.find(([pattern]) => pattern.test(message));
    if (found === undefined) throw new Error(`unexpected question: ${message}`);
    answers.splice(answers.indexOf(found), 1);
    return (found[1] === DEFAULT ? fallback : found[1]) as never;
  };
  return {
    asked,
    input: async (q) => answer(q.message, q.default),
    confirm: async (q) => answer(q.message, q.default),
    checkbox: async (q) => answer(q.message, []),
    select: async (q) => answer(q.message),
  };
}
const DEFAULT = Symbol('accept the default');

function fakeChecks(failLogins = 0): InitChecks & { logins: Hop[] } {
  const logins: Hop[] = [];
  return {
    logins,
    resolveLogin: async (hop) => ({ ...RESOLVED, hostName: hop.host }),
    resolveNode: async () => undefined,
    testConnection: async (target) => {
      logins.push(target);
      if (logins.length <= failLogins)
        throw new TunnelError('AUTH_FAILED', `${target.host}: Permission denied (publickey)`);
    },
  };
}

const io: InitIO & { lines: string[] } = {
  lines: [],
  say: (kind, text) => void io.lines.push(`${kind} ${text}`),
  show: () => undefined,
};

describe('askAnswers: the wizard with a scripted user and fake checks', () => {
  it("asks everything, with OpenSSH's own user and port as defaults that stay unset when accepted", async () => {
    const prompter = scripted([
      [/^Login node/, 'login.hpc.edu'],
      [/^User name/, DEFAULT],
      [/^SSH port/, DEFAULT],
      [/short name/, DEFAULT],
      [/isolated/, DEFAULT],
      [/example compute node/, 'node042'],
      [/Which names/, DEFAULT],
      [/Which apps/, ['jupyter']],
    ]);
    const checks = fakeChecks();
    const result = await askAnswers({ flags: {}, prompter, io, checks });
    expect(result.answers).toEqual({
      login: { user: undefined, host: 'login.hpc.edu', port: undefined },
      name: 'hpc',
      isolated: true,
      node: 'node042',
      nodePattern: 'node*',
      apps: ['jupyter'],
      sshConfig: undefined,
    });
    expect(result.node).toEqual({ checked: true, connected: true });
    expect(checks.logins.map((h) => h.host)).toEqual(['login.hpc.edu', 'node042']);
  });

  it('flags answer their questions; only the rest is asked', async () => {
    const flags: InitFlags = { login: 'alice@login.hpc.edu:2222', name: 'lab', isolated: false, apps: 'none' };
    const prompter = scripted([]);
    const result = await askAnswers({ flags, prompter, io, checks: fakeChecks() });
    expect(prompter.asked).toEqual([]);
    expect(result.answers.login).toEqual({ user: 'alice', host: 'login.hpc.edu', port: 2222 });
    expect(result.login).toMatchObject({ user: 'alice', port: 2222 });
  });

  it("a different user or port than OpenSSH's is kept", async () => {
    const prompter = scripted([
      [/^User name/, 'bob'],
      [/^SSH port/, '2200'],
    ]);
    const result = await askAnswers({
      flags: { login: 'login.hpc.edu', name: 'x', isolated: false, apps: '' },
      prompter,
      io,
      checks: fakeChecks(),
    });
    expect(result.answers.login).toEqual({ user: 'bob', host: 'login.hpc.edu', port: 2200 });
  });

  it('a failed test login offers choices; "change the answers" asks again with the last answer as default', async () => {
    const prompter = scripted([
      [/^Login node/, 'typo.hpc.edu'],
      [/^User name/, DEFAULT],
      [/^SSH port/, DEFAULT],
      [/What now/, 'edit'],
      [/^Login node/, 'login.hpc.edu'],
      [/^User name/, DEFAULT],
      [/^SSH port/, DEFAULT],
    ]);
    const checks = fakeChecks(1);
    const result = await askAnswers({ flags: { name: 'x', isolated: false, apps: '' }, prompter, io, checks });
    expect(checks.logins.map((h) => h.host)).toEqual(['typo.hpc.edu', 'login.hpc.edu']);
    expect(result.answers.login.host).toBe('login.hpc.edu');
    expect(io.lines).toContain('warn typo.hpc.edu: Permission denied (publickey)');
  });

  it('"quit" ends the wizard with the login\'s own error', async () => {
    const prompter = scripted([[/What now/, 'quit']]);
    await expect(
      askAnswers({
        flags: { login: 'me@h:22', name: 'x', isolated: false, apps: '' },
        prompter,
        io,
        checks: fakeChecks(1),
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('a node that refuses a login is only a warning', async () => {
    const checks = fakeChecks();
    checks.testConnection = async (target) => {
      if (target.host === 'n1') throw new TunnelError('AUTH_FAILED', 'n1: Access denied: user has no active jobs');
    };
    const result = await askAnswers({
      flags: { login: 'me@h:22', name: 'x', node: 'n1', nodePattern: 'n*', apps: '' },
      prompter: scripted([]),
      io,
      checks,
    });
    expect(result.node).toEqual({
      checked: true,
      connected: false,
      reason: 'n1: Access denied: user has no active jobs',
    });
  });
});
