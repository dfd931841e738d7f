/// <reference types="node" />
// The curl generator, checked by running its output in real shells (sh and bash) with `curl` replaced by a
// function that prints its arguments: hostile log values must come back as the very same words, unexpanded.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RequestLog } from '../api/types';
import { curlCommand, shellQuote } from './curl_command';

type Loggable = Pick<RequestLog, 'method' | 'path' | 'request_headers' | 'request_body' | 'bytes_in'>;
const log = (o: Partial<Loggable> = {}): Loggable => ({ method: 'GET', path: '/', request_headers: {}, request_body: null, bytes_in: 0, ...o });
const BASE = 'https://tunnels.example.com/t/myapp/';
const HOSTILE = `it's $(touch /tmp/pwned) \`id\` $HOME "q" \\ ! * ; | & \n\tnext line`;

/** The words the shell hands to curl when it runs `command`. */
function argvOf(command: string, shell: 'sh' | 'bash' = 'sh'): string[] {
  const script = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${command}\n`;
  const args = shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : ['-c', script];
  const out = execFileSync(shell, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it.each(['', 'plain', "it's", "''", HOSTILE, '$(id)', '`id`', '${HOME}', 'a\nb', "'; rm -rf / #"])('%j is one word, unexpanded', (value) => {
    const quoted = shellQuote(value);
    expect(quoted.startsWith("'") && quoted.endsWith("'")).toBe(true);
    expect(argvOf(`curl ${quoted}`)).toEqual([value]);
    expect(argvOf(`curl ${quoted}`, 'bash')).toEqual([value]);
  });
});

describe('curlCommand', () => {
  it('a GET: the URL under the tunnel, headers that make sense', () => {
    const cmd = curlCommand(
      log({
        path: '/a/b?x=1&y=2',
        request_headers: {
          host: 'myapp.example.com', accept: '*/*', 'user-agent': 'test/1', connection: 'keep-alive, x-hop',
          'x-hop': 'dropped', 'keep-alive': 'timeout=5', 'content-length': '0', 'x-forwarded-for': '10.0.0.1',
          'x-forwarded-proto': 'https', 'x-forwarded-host': 'myapp.example.com', te: 'trailers', 'x-trace': 'abc',
        },
      }),
      BASE,
    );
    expect(cmd).toBe(
      "curl 'https://tunnels.example.com/t/myapp/a/b?x=1&y=2' \\\n  -H 'accept: */*' \\\n  -H 'user-agent: test/1' \\\n  -H 'x-trace: abc'",
    );
    expect(argvOf(cmd)).toEqual(['https://tunnels.example.com/t/myapp/a/b?x=1&y=2', '-H', 'accept: */*', '-H', 'user-agent: test/1', '-H', 'x-trace: abc']);
  });

  it('a POST with its whole body; hostile values stay literal in sh and bash', () => {
    const body = `{"msg":"${HOSTILE.replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/"/g, '\\"')}"}\nsecond line '$(id)'`;
    const cmd = curlCommand(
      log({
        method: 'POST',
        path: "/hook/it's/$(id)/`id`?q=$HOME",
        request_headers: { 'content-type': 'application/json', 'x-evil': HOSTILE.replace(/\n/g, ' '), "x-it's": '`uname`' },
        request_body: body,
        bytes_in: new TextEncoder().encode(body).length,
      }),
      BASE,
    );
    const expected = [
      "https://tunnels.example.com/t/myapp/hook/it's/$(id)/`id`?q=$HOME",
      '-H', 'content-type: application/json',
      '-H', `x-evil: ${HOSTILE.replace(/\n/g, ' ')}`,
      '-H', "x-it's: `uname`",
      '--data-raw', body,
    ];
    expect(argvOf(cmd)).toEqual(expected);
    expect(argvOf(cmd, 'bash')).toEqual(expected);
    expect(cmd.startsWith('curl ')).toBe(true); // POST is implied by --data-raw
  });

  it('names other methods, uses --head for HEAD, and sends an empty header as "name;"', () => {
    expect(argvOf(curlCommand(log({ method: 'DELETE', path: '/x' }), BASE))).toEqual(['-X', 'DELETE', `${BASE}x`]);
    expect(argvOf(curlCommand(log({ method: 'HEAD' }), BASE))).toEqual(['--head', BASE]);
    expect(argvOf(curlCommand(log({ method: 'POST' }), BASE))).toEqual(['-X', 'POST', BASE]);
    const body = 'a=1';
    expect(argvOf(curlCommand(log({ method: 'GET', request_body: body, bytes_in: 3 }), BASE))).toEqual([
      '-X', 'GET', BASE, '-H', 'Content-Type:', '--data-raw', 'a=1',
    ]);
    expect(argvOf(curlCommand(log({ method: "PO'ST$(id)" }), BASE))).toEqual(['-X', "PO'ST$(ID)", BASE]);
    expect(argvOf(curlCommand(log({ request_headers: { 'x-empty': '' } }), BASE))).toEqual([BASE, '-H', 'x-empty;']);
  });

  it('leaves a cut body out and says so in a comment', () => {
    const stored = 'x'.repeat(4096);
    const cmd = curlCommand(log({ method: 'PUT', request_body: stored, bytes_in: 10_000, request_headers: { 'content-type': 'text/plain' } }), BASE);
    expect(cmd.split('\n')[0]).toBe('# The request body (10,000 bytes) was cut to its first 4 KiB in the log: it is left out.');
    expect(cmd).not.toContain('--data-raw');
    expect(argvOf(cmd)).toEqual(['-X', 'PUT', BASE, '-H', 'content-type: text/plain']);
    // A body of exactly 4 KiB on a server that does not count bytes may be cut: left out too.
    expect(curlCommand(log({ method: 'PUT', request_body: stored, bytes_in: 0 }), BASE)).toMatch(/^# The request body .* cut/);
  });

  it('leaves out binary and unrecorded bodies, and one holding NUL', () => {
    expect(curlCommand(log({ method: 'POST', request_body: '[binary data]', bytes_in: 900 }), BASE)).toMatch(/^# The request body \(900 bytes\) is not text/);
    expect(curlCommand(log({ method: 'POST', request_body: null, bytes_in: 12 }), BASE)).toMatch(/^# The request body \(12 bytes\) is not in the log/);
    expect(curlCommand(log({ method: 'POST', request_body: 'a\0b', bytes_in: 3 }), BASE)).toMatch(/^# The request body holds NUL bytes/);
    // A body that reads "[binary data]" and is that long is a body.
    expect(argvOf(curlCommand(log({ method: 'POST', request_body: '[binary data]', bytes_in: 13 }), BASE))).toEqual([
      BASE, '-H', 'Content-Type:', '--data-raw', '[binary data]',
    ]);
  });

  it('names redacted headers in a comment and skips headers curl cannot send', () => {
    const cmd = curlCommand(
      log({ request_headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'bad name\n$(id)': 'v', 'x-crlf': 'a\r\nInjected: 1', 'x-ok': '1' } }),
      BASE,
    );
    const lines = cmd.split('\n');
    expect(lines[0]).toBe('# Redacted in the log, add them yourself: authorization, cookie');
    expect(lines[1]).toBe('# 2 recorded header(s) cannot be sent as recorded and are left out.');
    expect(cmd).not.toContain('Injected');
    expect(cmd).not.toContain('$(id)');
    expect(argvOf(cmd)).toEqual([BASE, '-H', 'x-ok: 1']);
  });

  it('turns Accept-Encoding into --compressed and reads headers stored as JSON text', () => {
    expect(argvOf(curlCommand(log({ request_headers: '{"accept-encoding":"gzip, br","accept":"text/html"}' }), BASE))).toEqual([
      '--compressed', BASE, '-H', 'accept: text/html',
    ]);
  });

  it('keeps curl from globbing or dropping dot segments', () => {
    expect(argvOf(curlCommand(log({ path: '/items[1]/{a,b}' }), BASE))).toEqual(['--globoff', `${BASE}items[1]/{a,b}`]);
    expect(argvOf(curlCommand(log({ path: '/a/../../other/' }), BASE))).toEqual(['--path-as-is', `${BASE}a/../../other/`]);
    expect(argvOf(curlCommand(log({ path: '/.well-known/x' }), BASE))).toEqual([`${BASE}.well-known/x`]);
  });
});
