/** SHA-256 of a whole file, hex, streamed (files here can be larger than memory should hold). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
