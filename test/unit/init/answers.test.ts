import { describe, expect, it } from 'vitest';
import {
  defaultName,
  defaultNodePattern,
  matchesPattern,
  parseApps,
  parseLogin,
  parseNode,
  parseNodePattern,
  parseProfileName,
} from '../../../src/init/answers.js';

describe('parseLogin', () => {
  it.each([
    ['login.hpc.edu', { user: undefined, host: 'login.hpc.edu', port: undefined }],
    ['alice@login.hpc.edu', { user: 'alice', host: 'login.hpc.edu', port: undefined }],
    ['alice@127.0.0.1:2222', { user: 'alice', host: '127.0.0.1', port: 2222 }],
    ['  cluster ', { user: undefined, host: 'cluster', port: undefined }],
    ['bob@[::1]:22', { user: 'bob', host: '::1', port: 22 }],
  ])('%s', (text, hop) => expect(parseLogin(text)).toEqual(hop));

  it.each([
    ['', /--login '': empty host/],
    ['-oProxyCommand=x', /may not start with '-'/],
    ['a@b:99999', /--login/],
    ['a b', /--login/],
  ])('refuses %j', (text, message) => expect(() => parseLogin(text)).toThrow(message));
});

describe('parseApps', () => {
  it.each([
    ['jupyter', ['jupyter']],
    ['jupyter,paraview', ['jupyter', 'paraview']],
    [' workqueue , expose ', ['workqueue', 'expose']],
    ['jupyter,jupyter', ['jupyter']],
    ['none', []],
    ['', []],
  ])('%j', (text, apps) => expect(parseApps(text)).toEqual(apps));

  it('names the unknown app and the known ones', () => {
    expect(() => parseApps('jupyter,rstudio')).toThrow(
      "--apps: unknown app 'rstudio'; choose from jupyter, paraview, workqueue, expose (or none)",
    );
  });
});

describe('parseNode', () => {
  it.each([
    ['node042', 'node042'],
    ['gpu-a01.hpc', 'gpu-a01.hpc'],
    [' c1 ', 'c1'],
  ])('%j', (text, node) => expect(parseNode(text)).toBe(node));
  it.each([
    ['me@node1', /just the node's name/],
    ['node1:22', /just the node's name/],
    ['-x', /may not start/],
  ])('refuses %j', (text, message) => expect(() => parseNode(text)).toThrow(message));
});

describe('defaultNodePattern', () => {
  it.each([
    ['node042', 'node*'],
    ['gpu-a01.hpc.edu', 'gpu-a*.hpc.edu'],
    ['c7', 'c*'],
    ['bignode', 'bignode'],
    ['042', '042'],
  ])('%s -> %s', (node, pattern) => expect(defaultNodePattern(node)).toBe(pattern));
});

describe('parseNodePattern', () => {
  const login = { name: 'hpc', host: 'login.hpc.edu' };
  it.each([
    ['node*', 'node*'],
    ['gpu-??', 'gpu-??'],
    ['c*.hpc.edu', 'c*.hpc.edu'],
  ])('%j', (text, pattern) => expect(parseNodePattern(text, login)).toBe(pattern));
  it.each([
    ['*', /also matches the login node 'hpc'/],
    ['h*', /also matches the login node 'hpc'/],
    ['login*', /also matches the login node 'login.hpc.edu'/],
    ['node* gpu*', /use letters, digits/],
    ['node!1', /use letters, digits/],
  ])('refuses %j', (text, message) => expect(() => parseNodePattern(text, login)).toThrow(message));
});

describe('matchesPattern (ssh_config wildcards)', () => {
  it.each([
    ['node*', 'node042', true],
    ['node*', 'Node7', true],
    ['node?', 'node42', false],
    ['n.de', 'node', false],
    ['*.hpc', 'a.hpc', true],
  ])('%s ~ %s = %s', (pattern, name, expected) => expect(matchesPattern(pattern, name)).toBe(expected));
});

describe('defaultName', () => {
  it.each([
    ['login.hpc.uni.edu', 'hpc'],
    ['login2.cluster.org', 'cluster'],
    ['frontend.cluster.org', 'frontend'],
    ['cluster', 'cluster'],
    ['login', 'login'],
    ['127.0.0.1', 'cluster'],
    ['::1', 'cluster'],
  ])('%s -> %s', (host, name) => expect(defaultName(host)).toBe(name));
});

describe('parseProfileName', () => {
  it.each(['hpc', 'my-cluster', 'c.1'])('%s', (name) => expect(parseProfileName(name)).toBe(name));
  it.each([
    ['a/b', /--name/],
    ['x'.repeat(41), /at most 40/],
    ['-x', /--name/],
  ])('refuses %j', (name, message) => expect(() => parseProfileName(name)).toThrow(message));
});
