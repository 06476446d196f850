/**
 * Secret files of a node: the cluster cookie and the web API's bearer token, each a file readable by
 * its owner only (like `~/.erlang.cookie`).
 *
 * ```ts
 * const { secret, created } = await ensureSecretFile('data/cookie'); // 32 random bytes, mode 0400
 * const cookie = await readSecretFile('/etc/superhero/cookie');       // refuses a 0644 file
 * ```
 *
 * Rules:
 * - A generated secret is 32 random bytes, written base64url (43 characters) with mode 0400 and
 *   linked into place only where no file is (two processes racing end up with one secret).
 *   Its directory is created with mode 0700 when missing.
 * - A secret file is refused (`SecretFileError`, code `insecure_secret_file`) when group or others
 *   may read or write it, when it is not a regular file, and (`empty_secret_file`) when it holds
 *   nothing but white space. Surrounding white space (a trailing newline) is not part of the secret.
 *
 * When not to use: secrets given by flag or environment need no file; this module only reads and
 * writes files.
 */
import { CodedError } from '@superhero-dispatch/runtime';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Bytes of a generated secret. 32: as strong as the handshake's HMAC-SHA-256 key can use. */
export const SECRET_BYTES = 32;

export type SecretFileErrorCode = 'insecure_secret_file' | 'empty_secret_file' | 'unreadable_secret_file';

/** A secret file that must not be used; the message names the file and the fix. */
export class SecretFileError extends CodedError<SecretFileErrorCode> {
  readonly path: string;
  constructor(code: SecretFileErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.path = path;
  }
}

/** A fresh random secret, base64url. */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** Reads the secret in `path`, refusing a file that group or others can read or write. */
export async function readSecretFile(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new SecretFileError(
      'unreadable_secret_file',
      path,
      `cannot read secret file ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (!info.isFile()) {
    throw new SecretFileError('insecure_secret_file', path, `secret file ${path} is not a regular file`);
  }
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretFileError(
      'insecure_secret_file',
      path,
      `secret file ${path} has mode ${mode}: group or others may access it; run chmod 400 ${path}`,
    );
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret === '') throw new SecretFileError('empty_secret_file', path, `secret file ${path} is empty`);
  return secret;
}

/**
 * The secret in `path`, generated first (mode 0400) if the file does not exist. `created` tells
 * whether this call wrote it (so a launcher can show a new token once).
 */
export async function ensureSecretFile(path: string): Promise<{ secret: string; created: boolean }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const secret = generateSecret();
  // Written whole under a private name, then linked into place: a reader never sees a partial file,
  // and of two racing writers one link wins and the other reads the winner's secret.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o400);
  try {
    await handle.writeFile(`${secret}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    return { secret: await readSecretFile(path), created: false };
  } finally {
    await unlink(temp);
  }
  return { secret, created: true };
}
