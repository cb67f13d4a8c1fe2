/**
 * Connects a component to the AgentClient it was given as a property (or to a page-side model
 * with the same `subscribe`): subscribes while the component is connected and re-renders it on
 * every change the agent pushes. A ModelController without hooks.
 */
import type { ReactiveControllerHost } from 'lit';
import { ModelController, type Subscribable } from './model-controller.js';

export type { Subscribable };

export class AgentController extends ModelController<Subscribable> {
  /** `getClient` reads the host's `client` property, which may be set after it connects. */
  constructor(host: ReactiveControllerHost, getClient: () => Subscribable | undefined) {
    super(host, getClient);
  }
}
