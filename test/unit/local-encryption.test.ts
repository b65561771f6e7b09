import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StackFileError, withStackPayloadKey } from '../../client/stack-file';
import { parseConfig } from '../../runtime/config';
import { ensureLocalPayloadKey, LOCAL_PAYLOAD_KEY_FILE } from '../../runtime/local-payload-key';
import { launcherEnvironment, localEncryption } from '../../scripts/stack';
import { devServerArgs } from '../../scripts/temporal-dev-server';

// Issue 16, "encrypted by default": npm start's own key and the Web UI wired to the codec.
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pix-key-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local payload key', () => {
  it('is made once, 32 random bytes in base64, readable by its owner only, and kept', () => {
    const dir = tempDir();
    const first = ensureLocalPayloadKey(dir);
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(dir, LOCAL_PAYLOAD_KEY_FILE));
    expect(Buffer.from(first.key, 'base64')).toHaveLength(32);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(ensureLocalPayloadKey(dir)).toEqual({ ...first, created: false });
    expect(ensureLocalPayloadKey(tempDir()).key).not.toBe(first.key);
  });

  it('a damaged key file is an error naming it, and is never replaced', () => {
    const dir = tempDir();
    const file = path.join(dir, LOCAL_PAYLOAD_KEY_FILE);
    writeFileSync(file, 'not a key\n');
    expect(() => ensureLocalPayloadKey(dir)).toThrow(`${file} is not a payload key (base64 of 32 bytes)`);
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});

describe('npm start encrypts by default', () => {
  const sandboxEnv = () => launcherEnvironment({});

  it('sandbox mode without a key: the data folder key for every process, and the codec for the local Web UI', () => {
    const dataDir = path.join(tempDir(), 'data');
    const env = sandboxEnv();
    const { env: started, payloadKeyFile } = localEncryption(env, parseConfig(env), dataDir);
    expect(payloadKeyFile).toBe(path.join(dataDir, LOCAL_PAYLOAD_KEY_FILE));
    expect(started.PAYLOAD_ENCRYPTION_KEY).toBe(readFileSync(payloadKeyFile as string, 'utf8').trim());
    expect(started.CODEC_LOCAL_NO_AUTH).toBe('true');
    // The next start uses the same key: histories written before stay readable.
    expect(localEncryption(env, parseConfig(env), dataDir).env.PAYLOAD_ENCRYPTION_KEY).toBe(
      started.PAYLOAD_ENCRYPTION_KEY,
    );
  });

  it("the user's own key wins, and no key file is made; CODEC_LOCAL_NO_AUTH=false is respected", () => {
    const dataDir = tempDir();
    const key = randomBytes(32).toString('base64');
    const env = { ...sandboxEnv(), PAYLOAD_ENCRYPTION_KEY: key, CODEC_LOCAL_NO_AUTH: 'false' };
    const result = localEncryption(env, parseConfig(env), dataDir);
    expect(result).toEqual({ env: { ...env, CODEC_LOCAL_NO_AUTH: 'false' } });
    expect(existsSync(path.join(dataDir, LOCAL_PAYLOAD_KEY_FILE))).toBe(false);
  });

  it('live mode brings its own key: nothing is added', () => {
    const dataDir = tempDir();
    const env = { CONNECTPSP_MODE: 'live', PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    expect(localEncryption(env, parseConfig(env), dataDir)).toEqual({ env });
    expect(existsSync(path.join(dataDir, LOCAL_PAYLOAD_KEY_FILE))).toBe(false);
  });

  it("the dev server's Web UI is pointed at the codec", () => {
    const args = devServerArgs({
      cliPath: 'temporal',
      port: 7233,
      uiPort: 8233,
      uiCodecEndpoint: 'http://127.0.0.1:8392',
    });
    expect(args.join(' ')).toContain('--ui-port 8233 --ui-codec-endpoint http://127.0.0.1:8392');
    expect(devServerArgs({ cliPath: 'temporal', port: 7233, uiCodecEndpoint: 'x' })).not.toContain(
      '--ui-codec-endpoint',
    );
  });
});

describe("clients read the stack's payloads with its key", () => {
  const stack = (payloadKeyFile?: string) => ({
    processes: [],
    ...(payloadKeyFile ? { payloadKeyFile } : {}),
  });

  it('when they have no key of their own', () => {
    const { key, file } = ensureLocalPayloadKey(tempDir());
    expect(withStackPayloadKey(parseConfig({}), stack(file)).PAYLOAD_ENCRYPTION_KEY).toBe(key);
    const own = randomBytes(32).toString('base64');
    expect(
      withStackPayloadKey(parseConfig({ PAYLOAD_ENCRYPTION_KEY: own }), stack(file)).PAYLOAD_ENCRYPTION_KEY,
    ).toBe(own);
    expect(withStackPayloadKey(parseConfig({}), stack()).PAYLOAD_ENCRYPTION_KEY).toBeUndefined();
  });

  it('an unreadable key file is a stack file error naming it', () => {
    const missing = path.join(tempDir(), LOCAL_PAYLOAD_KEY_FILE);
    expect(() => withStackPayloadKey(parseConfig({}), stack(missing))).toThrow(StackFileError);
    expect(() => withStackPayloadKey(parseConfig({}), stack(missing))).toThrow(missing);
  });
});
