// `testkube serve` as a process (the built dist/cli.js), as the playground and e2e harness run it.
import { describe, it, expect } from '@jest/globals';
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlBinary } from './support/kubectl.js';

const CLI = join(process.cwd(), 'packages/testkube/dist/cli.js');

describe('testkube serve', () => {
  it('serves HTTPS, writes a kubeconfig kubectl can use, and stops on SIGTERM', async () => {
    expect(existsSync(CLI)).toBe(true); // built by `make test` before the tests run
    const dir = mkdtempSync(join(tmpdir(), 'testkube-cli-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--write-kubeconfig', kubeconfig]);
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const info = JSON.parse(line);
    expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(info.kubeconfig).toBe(kubeconfig);
    const { stdout } = await promisify(execFile)(kubectlBinary(), ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], { env: { ...process.env, HOME: dir } });
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system']));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits non-zero with a message when a required option is missing', async () => {
    const result = await promisify(execFile)(process.execPath, [CLI, 'serve']).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).not.toBe(0);
    expect((result as { stderr: string }).stderr).toContain('write-kubeconfig');
  });
});
