/**
 * Helpers for a loopback RTCPeerConnection between this page and its own agent (the live class,
 * and anything else that moves media between the two). Descriptions go whole, with every
 * candidate: gathering on loopback takes a few ms, and one request/reply beats trickling over the
 * UI socket. The agent's candidates are plain 127.0.0.1 addresses, so ICE connects even when this
 * page hides its own behind `.local` names.
 */
import type { AgentClient } from './agent-client.js';

/** Loopback gathering takes a few ms; past this the description goes with what it has. */
const GATHER_TIMEOUT_MS = 2000;
/** Chromium and the agent connect on loopback in ~200 ms. */
export const LOOPBACK_CONNECT_TIMEOUT_MS = 8000;

/** The local description's SDP once ICE gathering has completed (or after GATHER_TIMEOUT_MS). */
export async function gatheredSdp(pc: RTCPeerConnection, timeoutMs = GATHER_TIMEOUT_MS): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', onChange);
        resolve();
      }
      function onChange() {
        if (pc.iceGatheringState === 'complete') done();
      }
      pc.addEventListener('icegatheringstatechange', onChange);
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('The media connection has no local description.');
  return sdp;
}

/** Resolves once `pc` is connected; rejects if it fails or closes first, or after `timeoutMs`. */
export function whenConnected(pc: RTCPeerConnection, timeoutMs = LOOPBACK_CONNECT_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('The media connection to the agent did not come up.')), timeoutMs);
    function finish(err?: Error) {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      if (err) reject(err);
      else resolve();
    }
    function check() {
      const s = pc.connectionState;
      if (s === 'connected') finish();
      else if (s === 'failed' || s === 'closed') finish(new Error(`The media connection to the agent ${s}.`));
    }
    pc.addEventListener('connectionstatechange', check);
    check();
  });
}

/** Calls `onLost` once if `pc` fails or closes after it was up; returns a remover. */
export function onConnectionLost(pc: RTCPeerConnection, onLost: () => void): () => void {
  const check = () => {
    // `disconnected` can recover by itself on a real network; on loopback it is as good as lost.
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed' || pc.connectionState === 'disconnected') {
      pc.removeEventListener('connectionstatechange', check);
      onLost();
    }
  };
  pc.addEventListener('connectionstatechange', check);
  return () => pc.removeEventListener('connectionstatechange', check);
}

/**
 * Sends `pc`'s offer to this page's agent (`media-publish`: the camera, `screen-publish`: the shared
 * screen) and connects. `owns()` says whether `pc` is still the owner's; when it is not any more
 * (stopped meanwhile), the agent's link is let go and false is returned. `onLink` gets the link id
 * as soon as the agent answered.
 */
export async function publishToAgent(
  client: AgentClient,
  pc: RTCPeerConnection,
  what: 'media' | 'screen' | 'present',
  owns: () => boolean,
  onLink: (link: string) => void,
  layers?: { offer: (sdp: string) => string; answered: (pc: RTCPeerConnection) => Promise<void> },
): Promise<boolean> {
  if (layers) {
    const offer = await pc.createOffer();
    await pc.setLocalDescription({ type: 'offer', sdp: layers.offer(offer.sdp ?? '') });
  } else await pc.setLocalDescription();
  const { link, sdp } = await client.request({ type: `${what}-publish` as const, sdp: await gatheredSdp(pc) });
  if (!owns()) return void client.request({ type: `${what}-unpublish` as const, link }).catch(() => {}), false;
  onLink(link);
  await pc.setRemoteDescription({ type: 'answer', sdp });
  await layers?.answered(pc);
  await whenConnected(pc);
  return owns();
}

/** A set of change listeners, for the page-side models. */
export class Listeners {
  readonly #set = new Set<() => void>();

  add(listener: () => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }

  emit(): void {
    for (const l of [...this.#set]) {
      try {
        l();
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }
}
