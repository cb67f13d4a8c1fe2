import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error a plain ES module script without types
import { findCycles, importGraph, importsOf, violations } from '../../scripts/check-imports.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Graph = Map<string, string[]>;

test('the tree keeps its import rules: no cycle, pure protocol, and only the CLI imports the agent', () => {
  const graph = importGraph(root) as Graph;
  assert.ok(graph.size > 100, `walked ${graph.size} files`);
  assert.equal(violations(graph), []);
});

test('no feature folder imports node-agent/agent.ts', () => {
  const graph = importGraph(root) as Graph;
  const importers = [...graph].filter(([, deps]) => deps.includes('node-agent/agent.ts')).map(([file]) => file);
  assert.ok(importers.length > 0, 'the CLI imports the agent');
  for (const file of importers) assert.ok(file === 'node-agent/cli.ts' || file.startsWith('node-agent/cli/'), file);
});

test('imports are read in every form: type-only, re-export, side effect, dynamic; comments ignored', () => {
  const src = [
    "import type { A } from './a.js';",
    "export { B } from '../b.js';",
    "import './c.js';",
    "const d = await import('./d.js');",
    "import { e } from 'lit';",
    "// import { f } from './f.js';",
    "/* import { g } from './g.js'; */",
  ].join('\n');
  assert.equal(importsOf('node-agent/x/y.ts', src).sort(), ['node-agent/b.ts', 'node-agent/x/a.ts', 'node-agent/x/c.ts', 'node-agent/x/d.ts']);
});

test('the checker finds what it is for: a cycle, an agent import from a feature, protocol importing out', () => {
  const graph: Graph = new Map([
    ['node-agent/agent.ts', ['node-agent/chat/chat-service.ts']],
    ['node-agent/chat/chat-service.ts', ['node-agent/agent.ts']],
    ['protocol/chat.ts', ['node-agent/log.ts']],
    ['node-agent/log.ts', []],
    ['web-ui/app.ts', ['node-agent/log.ts']],
  ]);
  assert.equal(findCycles(graph), [['node-agent/agent.ts', 'node-agent/chat/chat-service.ts', 'node-agent/agent.ts']]);
  const found = violations(graph) as string[];
  assert.ok(found.some((v) => v.startsWith('import cycle')));
  assert.ok(found.some((v) => v.startsWith('node-agent/chat/chat-service.ts imports node-agent/agent.ts')));
  assert.ok(found.some((v) => v.startsWith('protocol/chat.ts imports')));
  assert.ok(found.some((v) => v.startsWith('web-ui/app.ts imports')));
});

test.run();
