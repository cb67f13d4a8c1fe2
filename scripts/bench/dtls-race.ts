/**
 * `npm run bench -- dtls-race`: how often a connection fails because the offerer's peer already
 * checks it when the answer is applied (docs/media.md, "Addresses after the answer"). Pairs of
 * node-datachannel PeerConnections in this process on 127.0.0.1, one video track; the answerer
 * gets the offer with the offerer's candidates, or without them (what the agent and its pages do
 * now), and has 30 ms to start checking before the offerer applies the answer. Busy loops, two per
 * core, load the machine meanwhile: the race needs the applying thread to be preempted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import nodeDataChannel, { type PeerConnection } from 'node-datachannel';
import { takeCandidates } from '../../protocol/sdp.js';
import { gathered } from '../../test/helpers/fake-page.js';

const PAIRS = Number(process.env.DTLS_RACE_PAIRS ?? 300);
const SETTLE_MS = 8000;

function settled(pc: PeerConnection): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), SETTLE_MS);
    pc.onStateChange((s) => {
      if (s !== 'connected' && s !== 'failed' && s !== 'closed') return;
      clearTimeout(timer);
      resolve(s);
    });
  });
}

/** One pair; true when both ends connected. */
async function pair(withCandidates: boolean): Promise<boolean> {
  const opts = { iceServers: [], bindAddress: '127.0.0.1' };
  const a = new nodeDataChannel.PeerConnection('offerer', opts);
  const b = new nodeDataChannel.PeerConnection('answerer', opts);
  try {
    const video = new nodeDataChannel.Video('0', 'SendOnly');
    video.addVP8Codec(96);
    video.addSSRC(1, 'bench', 'bench', 'v');
    a.addTrack(video);
    const offered = gathered(a);
    a.setLocalDescription();
    const offer = await offered;
    const answered = gathered(b);
    b.setRemoteDescription(withCandidates ? offer : takeCandidates(offer).sdp, 'offer' as never);
    const answer = await answered;
    const states = Promise.all([settled(a), settled(b)]);
    await new Promise((r) => setTimeout(r, 30)); // the answerer checks the offerer by now, if it can
    try {
      a.setRemoteDescription(answer, 'answer' as never);
    } catch {
      return false; // "Got a remote candidate without ICE transport": failed under the answer
    }
    return (await states).every((s) => s === 'connected');
  } finally {
    a.close();
    b.close();
  }
}

export async function benchDtlsRace(): Promise<string> {
  const load: ChildProcess[] = [...os.cpus(), ...os.cpus()].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const rows: string[] = [];
  try {
    for (const withCandidates of [true, false]) {
      let failed = 0;
      for (let i = 0; i < PAIRS; i++) if (!(await pair(withCandidates))) failed++;
      rows.push(`| ${withCandidates ? 'with the offerer’s candidates (before)' : 'without them (now)'} | ${PAIRS} | ${failed} |`);
      console.log(rows.at(-1));
    }
  } finally {
    for (const p of load) p.kill('SIGKILL');
  }
  return [
    `Connections that fail when the answerer already checks the offerer as the answer is applied: ${PAIRS} pairs of node-datachannel PeerConnections per row in one process on 127.0.0.1, ${2 * os.cpus().length} busy loops (two per core) loading the machine.`,
    '',
    '| offer as the answerer gets it | pairs | failed |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}
