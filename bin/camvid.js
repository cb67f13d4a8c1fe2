#!/usr/bin/env node
// Entry point: the agent is TypeScript run through tsx, so there is no build step for it.
import { register } from 'tsx/esm/api';
register();
await import('../node-agent/cli.ts');
