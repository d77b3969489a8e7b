import { describe, expect, it } from 'vitest';
import { findPreset } from '../../../src/presets/load.js';
import { checkPresetOptions, type PresetInput } from '../../../src/presets/options.js';
import { resolvePresetUp } from '../../../src/presets/index.js';

describe('checkPresetOptions rejects options that mean nothing for the preset', () => {
  it.each([
    ['jupyter', { via: ['login'], local: ['1:h:2'] }, /-L\/-R cannot be combined with the 'jupyter' preset/],
    ['jupyter', { via: ['login'], remotePort: '1' }, /--remote-port does not apply to the 'jupyter' preset/],
    [
      'jupyter',
      { via: ['login'], attach: '8888', cmd: 'x {port}' },
      /--attach uses a running server; it cannot be combined with --cmd/,
    ],
    [
      'jupyter',
      { via: ['login'], attach: '8888', sock: true },
      /--attach '8888' is a port, but --sock asks for a socket/,
    ],
    ['workqueue', { via: ['h'], sock: true }, /--sock does not apply to the 'workqueue' preset/],
    ['workqueue', { via: ['h'], launch: 'x' }, /--launch: the 'workqueue' preset has no remote command to launch/],
    ['expose', { via: ['h'], keep: true }, /--keep does not apply to the 'expose' preset/],
  ])('%s %j', async (name, input, message) => {
    const preset = await findPreset(name);
    expect(() => checkPresetOptions(preset, input as PresetInput)).toThrow(message);
  });

  it('lets through what applies (false flags from commander count as absent)', async () => {
    const preset = await findPreset('paraview');
    expect(() => checkPresetOptions(preset, { via: ['l'], launch: 'pvserver', keep: false })).not.toThrow();
  });
});

describe('resolvePresetUp', () => {
  it.each([
    ['jupyter', { via: ['login'], to: 'node', cmd: 'jupyter lab' }, /--cmd must contain \{port\}/],
    [
      'jupyter',
      { via: ['login'], to: 'node', sock: true, cmd: 'jupyter lab --port={port}' },
      /--cmd must contain \{socket\}/,
    ],
    ['jupyter', { via: ['login'], cmd: 'echo hi! {port}' }, /--cmd may not contain '!'/],
    ['jupyter', { via: ['login'], attach: 'not-a-port' }, /--attach: port 'not-a-port' is not a number/],
    ['jupyter', { via: ['login'], attach: 'relative/x.sock' }, /socket path 'relative\/x.sock' must be absolute/],
    ['jupyter', { via: ['login'], startTimeout: '0' }, /--start-timeout '0': expected a whole number from 1 to 3600/],
    ['paraview', { via: ['login'], port: '99999' }, /--port '99999': expected a whole number from 1 to 65535/],
    ['paraview', { via: ['login'], launch: '  ' }, /--launch: empty command/],
    ['workqueue', {}, /--via: no host to run on/],
    ['nope', { via: ['x'] }, /no preset 'nope'; available: expose, jupyter, paraview, workqueue/],
  ])('%s %j fails with a message naming the option', async (name, input, message) => {
    await expect(resolvePresetUp(name, input as PresetInput)).rejects.toThrow(message);
  });
});
