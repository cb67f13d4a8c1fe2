/**
 * Writes a measured section into docs/benchmarks.md between `<!-- bench:NAME -->` markers, stamped
 * with the date, the command that produced it and the machine. Used by `npm run bench` and
 * `npm run soak`; text outside the markers (reading notes) is left alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../test/helpers/agents.js';

export const BENCH_DOC = path.join(ROOT, 'docs/benchmarks.md');

/**
 * `loadBefore`: the 1-minute load average when the measurement started (os.loadavg()[0]); on a
 * shared 2-core machine it says how much else was running.
 */
export async function writeSection(name: string, body: string, command = `npm run bench -- ${name}`, loadBefore?: number): Promise<void> {
  let doc = '';
  try {
    doc = await readFile(BENCH_DOC, 'utf8');
  } catch {
    doc = '# Benchmarks\n\nWritten by `npm run bench`; each section says what it measured.\n';
  }
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\` on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}${loadBefore === undefined ? '' : `, load average ${loadBefore.toFixed(1)} at the start`}.`;
  const section = `<!-- bench:${name} -->\n## ${name}\n\n${stamp}\n\n${body}\n<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
  await writeFile(BENCH_DOC, doc);
}
