/**
 * Where features plug their UI messages in. Each feature keeps its own request shapes and events
 * in its protocol file (e.g. protocol/chat.ts) and adds them here with one line each, so the core
 * of protocol/ui.ts never grows a long switch.
 */
import type { Validator } from './validate.js';

/** Request shapes by type (each request also carries `id`, added by protocol/ui.ts). */
export const featureUiRequests = {} satisfies Record<string, Record<string, Validator<unknown>>>;

/** Events the agent pushes for features: `{ type: '<feature>-…', … }`. */
export type FeatureUiEvent = never;
