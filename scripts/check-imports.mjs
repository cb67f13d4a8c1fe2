#!/usr/bin/env node
/**
 * The import rules of the tree, checked by walking every relative import (type-only and dynamic
 * ones too) of protocol/, node-agent/ and web-ui/:
 *
 * - no import cycle inside any of them;
 * - protocol/ imports nothing of ours outside protocol/ (it is pure: both sides import it);
 * - web-ui/ imports only web-ui/ and protocol/ (data flows web-ui → agent → protocol);
 * - node-agent/ never imports web-ui/ source;
 * - node-agent/agent.ts, the composition root, is imported only by the CLI (node-agent/cli.ts and
 *   node-agent/cli/): features take the narrow FeatureHost (node-agent/feature-host.ts) instead.
 *
 * `node scripts/check-imports.mjs` prints each violation and exits 1 when there is one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOTS = ['protocol', 'node-agent', 'web-ui'];
const COMPOSITION_ROOT = 'node-agent/agent.ts';
const MAY_IMPORT_ROOT = (file) => file === 'node-agent/cli.ts' || file.startsWith('node-agent/cli/');
// `import … from '…'`, `export … from '…'`, bare `import '…'`, and `import('…')`.
const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every .ts file below `dir` (relative to `root`, with forward slashes), skipping build output. */
function listTs(root, dir) {
  const out = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'dist' && entry.name !== 'node_modules') out.push(...listTs(root, rel));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** The relative imports of `source` (written as `.js`), resolved to the `.ts` files they name. */
export function importsOf(file, source) {
  const out = new Set();
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    out.add(resolved.replace(/\.js$/, '.ts'));
  }
  return [...out];
}

/** Cycles in `graph` (file → imported files), each as the list of files around it. */
export function findCycles(graph) {
  const cycles = [];
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 1) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** Every rule broken in `graph`, as sentences. */
export function violations(graph) {
  const out = [];
  for (const cycle of findCycles(graph)) out.push(`import cycle: ${cycle.join(' → ')}`);
  for (const [file, imports] of graph) {
    const top = file.split('/')[0];
    for (const dep of imports) {
      const depTop = dep.split('/')[0];
      if (top === 'protocol' && depTop !== 'protocol') out.push(`${file} imports ${dep}: protocol/ imports nothing outside it`);
      if (top === 'web-ui' && depTop !== 'web-ui' && depTop !== 'protocol') out.push(`${file} imports ${dep}: web-ui/ imports only web-ui/ and protocol/`);
      if (top === 'node-agent' && depTop === 'web-ui') out.push(`${file} imports ${dep}: node-agent/ never imports web-ui/ source`);
      if (dep === COMPOSITION_ROOT && !MAY_IMPORT_ROOT(file)) out.push(`${file} imports ${dep}: only the CLI imports the agent; take FeatureHost (node-agent/feature-host.ts)`);
    }
  }
  return out;
}

/** The import graph of the tree at `root`. */
export function importGraph(root) {
  const graph = new Map();
  for (const dir of ROOTS) {
    for (const file of listTs(root, dir)) graph.set(file, importsOf(file, readFileSync(path.join(root, file), 'utf8')));
  }
  return graph;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const graph = importGraph(root);
  const found = violations(graph);
  for (const v of found) console.error(v);
  console.log(`${graph.size} files, ${found.length} import rule violation(s)`);
  process.exit(found.length ? 1 : 0);
}
