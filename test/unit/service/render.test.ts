import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { enableHint, renderUnit, unitName } from '../../../src/service/render.js';

const template = readFileSync('templates/systemd/tunnel.service', 'utf8');

describe('renderUnit', () => {
  const unit = renderUnit(template, {
    name: 'nb',
    node: '/usr/bin/node',
    cli: '/opt/tunnel/dist/cli/main.js',
    environment: { TUNNEL_HOME: '/home/me/.local/state/tunnel' },
  });

  it('runs the saved tunnel in the foreground, unattended', () => {
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/tunnel/dist/cli/main.js up nb --batch\n');
    expect(unit).toContain('Environment=TUNNEL_HOME=/home/me/.local/state/tunnel\n');
  });

  it('never leaves the unit permanently failed, and backs off', () => {
    expect(unit).toMatch(/^StartLimitIntervalSec=0$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartSteps=\d+$/m);
    expect(unit).toMatch(/^RestartMaxDelaySec=/m);
    expect(unit).not.toContain('{{');
  });

  it.each([
    ['/home/a b/node', '"/home/a b/node"'],
    ['/x/"q"/node', '"/x/\\"q\\"/node"'],
  ])('quotes paths systemd would split: %s', (node, quoted) => {
    expect(renderUnit(template, { name: 'nb', node, cli: '/c.js', environment: {} })).toContain(
      `ExecStart=${quoted} /c.js up nb --batch`,
    );
  });

  it('names the unit after the tunnel and prints how to start it', () => {
    expect(unitName('nb')).toBe('tunnel-nb.service');
    expect(enableHint('nb')).toBe('systemctl --user daemon-reload && systemctl --user enable --now tunnel-nb.service');
  });
});

describe('renderUnit against systemd.syntax', () => {
  it('doubles % (specifiers) and $ (variable expansion), and quotes the rest', () => {
    const unit = renderUnit(template, {
      name: 'nb',
      node: '/opt/100%/node',
      cli: '/x/$HOME/c.js',
      environment: { TUNNEL_HOME: '/home/me/50%/s p' },
    });
    expect(unit).toContain('ExecStart=/opt/100%%/node /x/$$HOME/c.js up nb --batch\n');
    expect(unit).toContain('Environment="TUNNEL_HOME=/home/me/50%%/s p"\n');
  });

  it.each([
    ['a newline', '/tmp/x\nExecStartPre=/bin/touch /tmp/pwned'],
    ['a carriage return', '/tmp/x\r'],
    ['an escape', '/tmp/\u001b[2J'],
  ])('refuses %s in a path (it would inject a directive)', (_, home) => {
    expect(() =>
      renderUnit(template, { name: 'nb', node: '/usr/bin/node', cli: '/c.js', environment: { TUNNEL_HOME: home } }),
    ).toThrow(/control character/);
  });
});
