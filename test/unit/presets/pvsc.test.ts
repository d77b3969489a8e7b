import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readTemplate } from '../../../src/presets/load.js';
import { escapeXml, pvscArguments, renderPvsc } from '../../../src/presets/pvsc.js';

describe('pvscArguments', () => {
  it.each([
    [{ name: 'c', via: 'login' }, ['up', 'paraview', '--via', 'login', '--port', '11111', '--launch', 'pvserver']],
    [
      { name: 'c', via: ['gw', 'login'], to: 'node7', port: 22222, launch: 'mpiexec -n 4 pvserver', sshConfig: '/home/me/.ssh/cluster' },
      ['up', 'paraview', '--ssh-config', '/home/me/.ssh/cluster', '--via', 'gw', '--via', 'login', '--to', 'node7', '--port', '22222', '--launch', 'mpiexec -n 4 pvserver'],
    ],
  ])('%j', (input, argv) => {
    expect(pvscArguments(input)).toEqual(argv);
  });

  it.each([
    [{ name: 'c', via: [] }, /--via: the .pvsc needs the login node/],
    [{ name: 'c', via: 'login', to: '-x' }, /--to '-x': a host may not start with '-'/],
    [{ name: 'c', via: 'login', launch: 'a\nb' }, /--launch: expected a one-line command/],
  ])('rejects %j', (input, message) => {
    expect(() => pvscArguments(input)).toThrow(message);
  });
});

describe('renderPvsc', () => {
  it('renders a reverse-connection server whose startup command runs tunnel', async () => {
    const text = renderPvsc(await readTemplate('paraview.pvsc'), { name: 'cluster-rc', via: 'login', to: 'node', launch: `pvserver --x="a<b>&'c'"`, exec: '/opt/tunnel/bin/tunnel' });
    expect(text).toContain('<Server name="cluster-rc" resource="csrc://localhost:11111" timeout="-1">');
    expect(text).toContain('<Command exec="/opt/tunnel/bin/tunnel" timeout="0" delay="0">');
    expect(text).toContain('<Argument value="pvserver --x=&quot;a&lt;b&gt;&amp;&apos;c&apos;&quot;"/>');
    expect(text).not.toMatch(/@@/);
    // The XML must parse, and give back exactly the argv (python3's stdlib parser as the referee).
    const parsed = spawnSync('/usr/bin/python3', ['-c', 'import sys, json, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(json.dumps([a.get("value") for a in r.iter("Argument")]))'], { input: text, encoding: 'utf8' });
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(JSON.parse(parsed.stdout)).toEqual(['up', 'paraview', '--via', 'login', '--to', 'node', '--port', '11111', '--launch', `pvserver --x="a<b>&'c'"`]);
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  it('a name with "--" stays well-formed XML (it is never written into a comment)', async () => {
    const text = renderPvsc(await readTemplate('paraview.pvsc'), { name: 'a--b--', via: 'login', to: 'node' });
    const parsed = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.find("Server").get("name"))'], { input: text, encoding: 'utf8' });
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(parsed.stdout.trim()).toBe('a--b--');
  });
});
