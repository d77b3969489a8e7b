import { describe, expect, it } from 'vitest';
import { renderFindings } from '../../../src/doctor/render.js';
import { DOCTOR_EXIT, doctorExitCode, finding, type Status } from '../../../src/doctor/types.js';
import { Chalk } from 'chalk';

const of = (...statuses: Status[]) => statuses.map((s, i) => finding(`c${i}`, s, 'd'));

describe('doctorExitCode', () => {
  it.each([
    [of(), DOCTOR_EXIT.ok],
    [of('ok', 'ok'), 0],
    [of('ok', 'warn'), 1],
    [of('ok', 'unknown'), 1],
    [of('warn', 'fail', 'unknown'), 2],
    [of('fail'), 2],
  ])('%j -> %i', (findings, code) => {
    expect(doctorExitCode(findings)).toBe(code);
  });
});

describe('renderFindings', () => {
  it('prints one line per finding, with the fix after an arrow', () => {
    const text = renderFindings(
      [finding('ssh-version', 'ok', 'OpenSSH 9.2'), finding('login', 'fail', 'refused', 'check the host')],
      new Chalk({ level: 0 }),
    );
    expect(text.split('\n')).toEqual(['ok   ssh-version  OpenSSH 9.2', 'FAIL login        refused → check the host']);
  });
});
