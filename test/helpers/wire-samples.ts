/**
 * One valid example of every message a peer can send, per decoder, for the fuzz test
 * (test/unit/fuzz-decoders.test.ts): it mutates these so random inputs reach deep fields, and it
 * checks that every type a decoder knows has an example here, so a new message type cannot be
 * added without being fuzzed. A sample of a type its decoder does not know (yet) is allowed: it is
 * fuzzed as input the decoder must refuse.
 */
const ID = '0123456789abcdef';
const EDGE = `${ID}>fedcba9876543210#1`;
const SHA_HEX = 'ab'.repeat(32);
const SHA_B64 = `${'A'.repeat(43)}=`;
const KEY_B64 = `${'B'.repeat(43)}=`;
const SIG = `${'C'.repeat(86)}==`;
const record = { seq: 1, id: ID, from: ID, name: 'Ann', role: 'student', text: 'hi', ts: 1 };
const member = { id: ID, name: 'Prof', role: 'host', parentId: null, state: 'connected', hand: 5, muted: false, standbyId: ID };
const candidate = { kind: 'candidate', candidate: 'a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host', mid: '0' };

export const JOINER_HANDSHAKE_SAMPLES = [
  { type: 'hello', v: 3, roomId: ID, role: 'join', sid: KEY_B64, share: KEY_B64 },
  { type: 'proof', confirm: SIG },
];

export const HOST_HANDSHAKE_SAMPLES = [
  { type: 'challenge', v: 3, share: KEY_B64, hostKey: KEY_B64, confirm: SIG, sig: SIG },
  { type: 'error', code: 'THROTTLED', message: 'wait', retryAfterMs: 1000 },
];

export const MEMBER_SAMPLES = [
  { type: 'join', name: 'Ann', key: KEY_B64, sig: SIG },
  { type: 'signal', edge: EDGE, peer: ID, data: candidate },
  { type: 'signal', edge: EDGE, peer: ID, data: { kind: 'offer', sdp: 'v=0\r\n' } },
  { type: 'edge', edge: EDGE, state: 'lost' },
  { type: 'promote', edge: EDGE },
  { type: 'connect', peer: ID },
  { type: 'hand', up: true },
  { type: 'leave' },
  { type: 'chat-send', id: ID, text: 'hello' },
  { type: 'chat-history', after: 4 },
  { type: 'files-list', req: 1, path: 'slides' },
  { type: 'files-manifest', req: 2, path: 'slides/week1.pdf', from: 600 },
  { type: 'podcast-listener', state: 'paused', behindMs: 12_000 },
  { type: 'attendance-ask' },
  { type: 'poll-answer', poll: ID, choices: [0, 2] },
  { type: 'present-start' },
  { type: 'present-stop' },
  { type: 'poll-sync' },
];

export const HOST_SAMPLES = [
  { type: 'welcome', roomId: ID, roomName: 'CN', hostId: ID, hostName: 'Prof', hostKey: KEY_B64, you: ID, name: 'Ann (2)' },
  { type: 'roster', rev: 3, members: [member], more: true },
  { type: 'roster-delta', rev: 4, upsert: [member], remove: [ID], more: false },
  { type: 'attach', edge: EDGE, parentId: ID },
  { type: 'adopt', edge: EDGE, childId: ID },
  { type: 'adopt', edge: EDGE, childId: ID, standby: true },
  { type: 'standby', edge: EDGE, parentId: ID },
  { type: 'promote', edge: EDGE },
  { type: 'direct', edge: EDGE, peer: ID, end: 'parent' },
  { type: 'direct', edge: EDGE, peer: ID, end: 'parent', present: true },
  { type: 'present-invite' },
  { type: 'present-end', reason: 'taken' },
  { type: 'drop', edge: EDGE },
  { type: 'signal', edge: EDGE, peer: ID, data: { kind: 'answer', sdp: 'v=0\r\n' } },
  { type: 'error', code: 'REMOVED', message: 'bye' },
  { type: 'chat-ack', id: ID, seq: 7 },
  { type: 'chat-refused', id: ID, code: 'CHAT_MUTED', message: 'muted', retryAfterMs: 10 },
  { type: 'chat-batch', items: [{ rec: record, sig: SIG }], last: 4, more: true },
  { type: 'chat-head', last: 9 },
  // a listing and a manifest page: the file manifests a student trusts to fetch chunks
  { type: 'files-reply', req: 1, entries: [{ name: 'week1.pdf', kind: 'file', size: 10, mtime: 1 }] },
  {
    type: 'files-reply',
    req: 2,
    manifest: { file: SHA_HEX, name: 'week1.pdf', size: 300_000, chunkSize: 261_120, chunks: 2, from: 0, hashes: [SHA_B64, SHA_B64] },
  },
  { type: 'files-reply', req: 3, error: { code: 'PATH_OUTSIDE_SHARE', message: 'no' } },
  { type: 'files-shared', sharing: true },
  { type: 'podcast-status', on: true, title: 'Week 1', since: 1 },
  { type: 'attendance-you', lecture: ID, name: 'Ann', intervals: [{ joined: 1, left: 2 }, { joined: 3, left: null }] },
  {
    type: 'poll-update',
    poll: { id: ID, question: 'Which layer?', options: ['IP', 'TCP'], multi: false, status: 'closed', closesAt: 5, mine: [1], results: { counts: [3, 4], answered: 7, correct: [1] } },
  },
  { type: 'poll-ack', poll: ID, choices: [1] },
  { type: 'poll-refused', poll: ID, code: 'POLL_CLOSED', message: 'closed' },
];

const labStats = { framesReceived: 1, delivered: 1, bytesDelivered: 1, buffered: 0, discarded: 0, rejected: 0, acksSent: 1, acksDropped: 0, corrupted: 0 };

export const CTL_SAMPLES = [
  { type: 'ping', t: 12 },
  { type: 'pong', t: 12 },
  { type: 'chat', item: { rec: record, sig: SIG } },
  { type: 'chunk-get', file: SHA_HEX, index: 3, hash: SHA_B64, path: 'slides/week1.pdf' },
  { type: 'chunk-error', file: SHA_HEX, index: 3, code: 'FILE_NOT_FOUND' },
  { type: 'upload-begin', id: SHA_HEX, name: 'essay.txt', size: 100 },
  { type: 'upload-accept', id: SHA_HEX },
  { type: 'upload-end', id: SHA_HEX },
  { type: 'upload-result', id: SHA_HEX, ok: true, path: 'uploads/ann/essay.txt' },
  { type: 'upload-result', id: SHA_HEX, ok: false, code: 'TOO_LARGE', message: 'limit 2 MB' },
  {
    type: 'lab-arq-start',
    transfer: 1,
    protocol: 'sr',
    window: 4,
    seqBits: 3,
    timeout: 30,
    segmentSize: 128,
    size: 1000,
    sha256: SHA_HEX,
    ackLoss: 0.1,
    corruption: 0,
    seed: 7,
  },
  { type: 'lab-arq-ready', transfer: 1 },
  { type: 'lab-arq-end', transfer: 1 },
  { type: 'lab-arq-done', transfer: 1, size: 1000, sha256: SHA_HEX, file: 'receive.txt', stats: labStats },
  { type: 'lab-arq-abort', transfer: 1, code: 'TIMEOUT', message: 'gone' },
  { type: 'podcast-want', on: false },
  { type: 'live-status', live: true, delayMs: 120, depth: 2 },
  { type: 'live-status', live: true, screen: true, delayMs: 120, depth: 2 },
  { type: 'rate-limit', video: 'a'.repeat(16), screen: null },
  { type: 'want-layers', video: [0, 2] },
];

/** UI → agent requests (loopback and token only, yet still validated like peer input). */
export const UI_SAMPLES = [
  { type: 'host', id: 1, room: 'CN', password: 'pw', name: 'P', fanout: 2 },
  { type: 'chat-send', id: 2, text: 'hello' },
  { type: 'media-publish', id: 3, sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n' },
  { type: 'screen-publish', id: 4, sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n' },
  { type: 'screen-unpublish', id: 5, link: 's1' },
  { type: 'media-watch-answer', id: 4, link: 'w2', sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' },
];
