import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopback, originAllowed, tokenMatches, type Guard } from './security';

const local: Guard = { bindHost: '127.0.0.1', port: 4400, token: 't' };
const everywhere: Guard = { bindHost: '0.0.0.0', port: 4400, token: 't' };

describe('serve security checks', () => {
  it.each([
    ['127.0.0.1:4400', true],
    ['localhost:4400', true],
    ['[::1]:4400', true],
    ['LOCALHOST:4400', true],
    ['127.0.0.1:4401', false],
    ['127.0.0.1', false],
    ['evil.example:4400', false],
    ['localhost.evil.example:4400', false],
    ['192.168.1.5:4400', false],
    ['', false],
    ['127.0.0.1:4400/x', false],
    ['user@127.0.0.1:4400', false],
  ])('bound to 127.0.0.1, Host %j allowed: %s', (host, allowed) => {
    expect(hostAllowed(host, local)).toBe(allowed);
  });

  it('bound to every interface, IP addresses and the machine name are its own; DNS names are not', () => {
    expect(hostAllowed('192.168.1.5:4400', everywhere)).toBe(true);
    expect(hostAllowed('[fe80::1]:4400', everywhere)).toBe(true);
    expect(hostAllowed(`${hostname()}:4400`, everywhere)).toBe(true);
    expect(hostAllowed('rebind.attacker.example:4400', everywhere)).toBe(false);
  });

  it('the default port may be left out of Host', () => {
    expect(hostAllowed('localhost', { ...local, port: 80 })).toBe(true);
  });

  it.each([
    [undefined, true],
    ['http://127.0.0.1:4400', true],
    ['http://localhost:4400', true],
    ['https://127.0.0.1:4400', false],
    ['http://evil.example:4400', false],
    ['http://127.0.0.1:4401', false],
    ['null', false],
    ['file://', false],
  ])('Origin %j allowed: %s', (origin, allowed) => {
    expect(originAllowed(origin, local)).toBe(allowed);
  });

  it('tokens compare whole', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(undefined, 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
  });

  it('loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.0.1', 'example.test'].some(isLoopback)).toBe(false);
  });
});
