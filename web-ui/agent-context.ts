/**
 * The page's AgentClient as a Lit context: <camvid-app> provides it once, and every component
 * that talks to the agent extends AgentElement and finds it there, however deep it sits. Models
 * kept per client (chat, live class, podcast, …) come from it: `client.model(ChatModel)`.
 */
import { consume, createContext } from '@lit/context';
import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import type { AgentClient } from './agent-client.js';

export const agentContext = createContext<AgentClient | undefined>(Symbol('camvid-agent-client'));

/**
 * A component that works with the agent: `client` comes from the nearest provider of
 * `agentContext`. It is still a property, so an element outside a provider (a test's) can be given
 * one by hand.
 */
export class AgentElement extends LitElement {
  @consume({ context: agentContext, subscribe: true })
  @property({ attribute: false })
  accessor client: AgentClient | undefined;
}
