/** Content-addressed artifacts on disk: <root>/sha256/ab/cdef... Same bytes, same id, written once. */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactRef, ArtifactStore } from '../tasks/define.ts';

export class DiskArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {
    mkdirSync(path.join(root, 'tmp'), { recursive: true });
  }

  pathOf(hash: string): string {
    if (!/^[a-f0-9]{64}$/.test(hash)) throw new Error(`not an artifact id: ${hash}`);
    return path.join(this.root, 'sha256', hash.slice(0, 2), hash.slice(2));
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  async putFile(file: string): Promise<ArtifactRef> {
    const hash = await hashFile(file);
    const dest = this.pathOf(hash);
    if (!existsSync(dest)) {
      // Copy to a temporary name first, then rename: readers never see half a file.
      const tmp = path.join(this.root, 'tmp', randomUUID());
      await copyFile(file, tmp);
      await this.commit(tmp, dest);
    }
    return { hash, path: dest, size: (await stat(dest)).size };
  }

  async putBytes(bytes: Uint8Array | string): Promise<ArtifactRef> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const dest = this.pathOf(hash);
    if (!existsSync(dest)) {
      const tmp = path.join(this.root, 'tmp', randomUUID());
      await writeFile(tmp, bytes);
      await this.commit(tmp, dest);
    }
    return {
      hash,
      path: dest,
      size: typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength,
    };
  }

  private async commit(tmp: string, dest: string): Promise<void> {
    mkdirSync(path.dirname(dest), { recursive: true });
    try {
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
