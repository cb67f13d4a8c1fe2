/**
 * The UI's one connection to its own agent: a WebSocket to `/api?token=…` that reconnects by
 * itself, keeps the latest state/rooms/roster the agent pushed, and turns requests into promises
 * that settle with the agent's reply (rejecting with a CamvidError carrying the agent's code).
 */
import type { RosterEntry } from '../protocol/common.js';
import { CamvidError, isErrorCode } from '../protocol/errors.js';
import type { AgentState, DiscoveredRoom, UiEvent, UiReplies, UiRequest } from '../protocol/ui.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

const MIN_RETRY_MS = 250;
/** The agent is on this machine: a try a second costs nothing, and a restarted agent has its page back within a second. */
const MAX_RETRY_MS = 1_000;
/** Longer than any join the agent attempts (password derivation + connect + retries). */
const REQUEST_TIMEOUT_MS = 60_000;

/** `connecting` only until the first attempt settles; after any lost or failed attempt, `retrying`. */
export type Connection = 'connecting' | 'open' | 'retrying';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request as a component writes it; the client assigns the id. */
export type UiRequestBody = DistributiveOmit<UiRequest, 'id'>;

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: CamvidError) => void;
  timer: ReturnType<typeof setTimeout>;
}

type CoreEvent = Extract<UiEvent, { type: 'hello' | 'state' | 'rooms' | 'roster' | 'reply' }>;
type Handlers = { [K in CoreEvent['type']]: (ev: Extract<CoreEvent, { type: K }>) => void };
type FeatureEvent = Exclude<UiEvent, CoreEvent>;

/** A page-side model kept per client (chat, live class, podcast, …): made from the client on first use. */
export type ModelClass<M> = new (client: AgentClient) => M;

export class AgentClient {
  connection: Connection = 'connecting';
  /** Null until the first hello. */
  state: AgentState | null = null;
  rooms: DiscoveredRoom[] = [];
  roster: RosterEntry[] = [];
  /** Failed connection attempts since the last open; a restarted agent has a new token. */
  failures = 0;
  /** The agent speaks another protocol version than this page: the tab is stale. */
  versionMismatch = false;

  readonly url: string;
  readonly #listeners = new Set<() => void>();
  readonly #featureListeners = new Map<string, Set<(ev: FeatureEvent) => void>>();
  readonly #pending = new Map<number, Pending>();
  readonly #models = new Map<ModelClass<unknown>, unknown>();
  #nextId = 1;
  #ws: WebSocket | null = null;
  #retryMs = MIN_RETRY_MS;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  readonly #handlers: Handlers = {
    hello: (ev) => {
      this.versionMismatch = ev.v !== PROTOCOL_VERSION;
      this.state = ev.state;
    },
    state: (ev) => {
      this.state = ev.state;
    },
    rooms: (ev) => {
      this.rooms = ev.rooms;
    },
    roster: (ev) => {
      this.roster = ev.members;
    },
    reply: (ev) => {
      const p = this.#pending.get(ev.id);
      if (!p) return;
      this.#pending.delete(ev.id);
      clearTimeout(p.timer);
      if (!ev.error) return p.resolve(ev.result);
      const code = isErrorCode(ev.error.code) ? ev.error.code : 'BAD_MESSAGE';
      p.reject(new CamvidError(code, ev.error.message));
    },
  };

  constructor(url: string) {
    this.url = url;
    this.#connect();
  }

  /** The client for the page the agent served: same host, token from the page's query. */
  static fromLocation(loc: Location = location): AgentClient {
    const token = new URLSearchParams(loc.search).get('token') ?? '';
    const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    return new AgentClient(`${scheme}//${loc.host}/api?token=${encodeURIComponent(token)}`);
  }

  /** The address of a file the agent offered this page (`ticket` from its event): a normal browser download. */
  fileUrl(ticket: string): string {
    const api = new URL(this.url);
    return `${api.protocol === 'wss:' ? 'https:' : 'http:'}//${api.host}/file/${encodeURIComponent(ticket)}?token=${encodeURIComponent(api.searchParams.get('token') ?? '')}`;
  }

  /** Called after every change of connection, state, rooms or roster. Returns unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * This client's one instance of a page-side model (`client.model(ChatModel)`), made on first use
   * and kept as long as the client, so it outlives the views that show it.
   */
  model<M>(make: ModelClass<M>): M {
    let m = this.#models.get(make) as M | undefined;
    if (!m) this.#models.set(make, (m = new make(this)));
    return m;
  }

  /** Feature events (chat messages, lab progress, …) of one type. Returns unsubscribe. */
  onEvent<K extends FeatureEvent['type']>(type: K, listener: (ev: Extract<FeatureEvent, { type: K }>) => void): () => void {
    let set = this.#featureListeners.get(type);
    if (!set) this.#featureListeners.set(type, (set = new Set()));
    set.add(listener as (ev: FeatureEvent) => void);
    return () => set!.delete(listener as (ev: FeatureEvent) => void);
  }

  /** Sends a request; resolves with the agent's result (its type per UiReplies), rejects with its CamvidError. */
  request<K extends UiRequestBody['type']>(body: Extract<UiRequestBody, { type: K }>): Promise<UiReplies[K]> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new CamvidError('CLOSED', 'Not connected to the CAMVID agent.'));
    }
    const id = this.#nextId++;
    return new Promise<UiReplies[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CamvidError('TIMEOUT', 'The agent did not answer in time.'));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ ...body, id }));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#ws?.close(1000);
    this.#ws = null;
    this.#failPending('The page closed its connection to the agent.');
  }

  #connect(): void {
    if (this.#closed) return;
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.onopen = () => {
      this.connection = 'open';
      this.failures = 0;
      this.#retryMs = MIN_RETRY_MS;
      this.#emit();
    };
    ws.onmessage = (msg) => this.#onMessage(msg.data);
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#failPending('Lost the connection to the CAMVID agent.');
      if (this.#closed) return;
      this.connection = 'retrying';
      this.failures++;
      this.#emit();
      this.#retryTimer = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    };
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let ev: UiEvent;
    try {
      ev = JSON.parse(data) as UiEvent;
    } catch {
      return;
    }
    // The agent is trusted (it served this page); a type this build does not know is ignored.
    const handler = this.#handlers[ev?.type as CoreEvent['type']] as ((e: UiEvent) => void) | undefined;
    if (!handler) {
      for (const listener of [...(this.#featureListeners.get(ev?.type) ?? [])]) {
        try {
          listener(ev as FeatureEvent);
        } catch (err) {
          console.error('agent-client feature listener failed', err);
        }
      }
      return;
    }
    handler(ev);
    if (ev.type !== 'reply') this.#emit();
  }

  #failPending(message: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new CamvidError('CLOSED', message));
    }
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        console.error('agent-client listener failed', err);
      }
    }
  }
}
