/**
 * `camvid` command line. Every agent command takes --data DIR, --port P (signalling; 0 = any),
 * --ui-port P, --no-mdns and --bind ADDR. Exit codes: 0 ok, 1 a CamvidError (its code is printed),
 * 2 bad usage.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CamvidError, toCamvidError } from '../protocol/errors.js';
import { MAX_MAX_MEMBERS, shortId } from '../protocol/common.js';
import { DEFAULT_ROOM_NAME, DEFAULT_ROOM_PASSWORD } from '../protocol/version.js';
import { Agent, DEFAULT_FANOUT } from './agent.js';
import { ATTENDANCE_OPTIONS, printAttendance, wireAttendanceHeadless } from './cli/attendance-cli.js';
import { wireChatHeadless } from './cli/chat-cli.js';
import { wirePollHeadless } from './cli/poll-cli.js';
import { RECORDING_HOST_OPTIONS, RECORDING_USAGE, recordingUsageError, startHostRecording, wireRecordingHeadless } from './cli/recording-cli.js';
import { FILES_HOST_OPTIONS, FILES_JOIN_OPTIONS, runTransfers, wireShare } from './cli/files-cli.js';
import { PASSWORD_OPTIONS, PasswordUsageError, roomPassword, warnIfWeak } from './cli/password-cli.js';
import { RoomBrowser } from './discovery/room-browser.js';
import { checkMediaArgs, MEDIA_EVENT_OPTIONS, MEDIA_HOST_OPTIONS, startHostSource, wireMediaEvents } from './cli/media-cli.js';
import { checkLabArgs, LAB_HEADLESS_OPTIONS, LAB_HEADLESS_USAGE, wireLabHeadless } from './cli/lab-cli.js';
import { checkPodcastArgs, configurePodcast, PODCAST_AGENT_OPTIONS, PODCAST_HEADLESS_OPTIONS, PODCAST_HOST_OPTIONS, PODCAST_USAGE, startHostPodcast, wirePodcastHeadless } from './cli/podcast-cli.js';
import { formatRoomCode, parseRoomCode } from '../protocol/swarm.js';
import { runDhtNode, SWARM_OPTIONS, SWARM_USAGE, swarmAgentOptions, wireSwarmLines } from './cli/swarm-cli.js';
import { ensureUiBundle } from './ui-server/ui-bundle.js';
import { UiServer } from './ui-server/ui-server.js';
import { uiToken } from './ui-server/ui-token.js';
import { HEALTH_OPTIONS, healthInterval, wireHealth } from './cli/health-cli.js';

export const DEFAULT_UI_PORT = 7700;
export const DEFAULT_SIGNAL_PORT = 7710;

const USAGE = `Usage:
  camvid                                 start the agent and its web UI
  camvid host [--room NAME] [--password-stdin | --password PW] [--name N] [--fanout K]
              [--max-members N]             students admitted at once (default 250); the next gets ROOM_FULL
              [--attach-timeout S]          a student whose computer has not connected to the class S s after
                                            being placed is asked to join again (default 30)
              [--source testsrc|ffmpeg:<input>] [--video-size WxH] [--video-kbps N] [--fps N] [--simulcast]
              [--screen testsrc|ffmpeg:<input>] [--screen-size WxH] [--screen-kbps N] [--screen-fps N]
                                        a shared screen beside the camera (docs/media.md)
  camvid host ... --share DIR               share a folder with the class
  ${RECORDING_USAGE}
  camvid host --resume [--data DIR]         host again the room this folder hosted before it stopped
  ${PODCAST_USAGE}
  camvid join (--room NAME | --address HOST:PORT | --room-id CODE) --name N (--password-stdin | --password PW) [--events] [--say TEXT] [--stdin]
              the password: --password-stdin reads it from the first line of standard input (then --stdin
              reads commands after it), or set CAMVID_PASSWORD; --password PW shows it to others in ps
              [--get PATH]... [--out DIR]   download files from the instructor's share
              [--put FILE]...               hand a file in (host: --upload-cap MB, default 100)
              [--stay]                      stay in the room after --get/--put (default: exit when done)
  (host and join) ${LAB_HEADLESS_USAGE}: ARQ lab with another member (docs/labs.md)
  (host and join) --events --health-ms N    a health line every N ms: event-loop delay, memory, descriptors
  camvid chat-log [--data DIR]            print the chat history kept in this agent's folder
  camvid attendance [--data DIR] [--lecture ID] [--csv]  who was in each lecture hosted from this folder, and the polls
  camvid rooms [--wait SECONDS] [--watch]  list rooms discovered on this network
  camvid lab hamming|arq ...              Computer Networks labs (camvid lab --help)
  camvid mail --to A --subject S --body B [--attach FILE]  send through the outbox (camvid mail --help)
Agent options: --data DIR  --port P (0 = any)  --ui-port P  --new-token  --no-mdns  --bind ADDR
${SWARM_USAGE}`;

const COMMON: ParseArgsConfig['options'] = {
  data: { type: 'string' },
  port: { type: 'string' },
  'ui-port': { type: 'string' },
  'new-token': { type: 'boolean' },
  'no-mdns': { type: 'boolean' },
  bind: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...PODCAST_AGENT_OPTIONS,
  ...SWARM_OPTIONS,
};

class UsageError extends Error {}

/**
 * Headless chat: `--say TEXT` (repeatable) once in the room, `--stdin` reads commands
 * (`say <text>`), and `--events` prints every chat record and outbox change.
 */
const HEADLESS_OPTIONS: ParseArgsConfig['options'] = {
  events: { type: 'boolean' },
  say: { type: 'string', multiple: true },
  stdin: { type: 'boolean' },
  ...MEDIA_EVENT_OPTIONS,
  ...PODCAST_HEADLESS_OPTIONS,
  ...LAB_HEADLESS_OPTIONS,
  ...HEALTH_OPTIONS,
};

function wireHeadless(agent: Agent, v: Record<string, unknown>): void {
  wireMediaEvents(agent, v, printEvent);
  wirePodcastHeadless(agent, v, printEvent);
  wireLabHeadless(agent, v);
  wireChatHeadless(agent, v, printEvent);
  wireAttendanceHeadless(agent, v, printEvent);
  wirePollHeadless(agent, v, printEvent);
  wireRecordingHeadless(agent, v, printEvent);
}

/** The media flags are checked before anything starts; a bad one is a usage error (exit 2). */
function mediaUsage(v: Record<string, unknown>): void {
  try {
    checkMediaArgs(v);
    checkPodcastArgs(v);
    healthInterval(v);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The lab flags too (exit 2 on a bad one). */
function labUsage(v: Record<string, unknown>): void {
  try {
    checkLabArgs(v);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--events`: one machine-readable line per change, for scripts and tests. */
const printEvent = (type: string, data: unknown) => console.log(`event ${JSON.stringify({ type, data })}`);

/** The room password from --password, --password-stdin or CAMVID_PASSWORD (cli/password-cli.ts). */
async function passwordOf(v: Record<string, unknown>): Promise<string | undefined> {
  try {
    return await roomPassword(v);
  } catch (err) {
    if (err instanceof PasswordUsageError) throw new UsageError(err.message);
    throw err;
  }
}

function portArg(v: unknown, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${what} must be a port number (0–65535), got "${v}"`);
  return n;
}

function parse(args: string[], extra: ParseArgsConfig['options']) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...extra }, allowPositionals: false, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function startAgent(v: Record<string, string | boolean | undefined>): Promise<Agent> {
  const bind = v.bind as string | undefined;
  let swarm: ReturnType<typeof swarmAgentOptions>;
  try {
    swarm = swarmAgentOptions(v, bind);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const agent = await Agent.start({
    dataDir: path.resolve((v.data as string | undefined) ?? path.join(os.homedir(), '.camvid')),
    port: portArg(v.port, DEFAULT_SIGNAL_PORT, '--port'),
    mdns: !v['no-mdns'],
    listenHost: bind,
    bindAddress: bind,
    ...swarm,
  });
  wireSwarmLines(agent, v, printEvent);
  return agent;
}

/** Ports tried after the default UI port when it is taken (a second agent on this computer). */
const UI_PORT_TRIES = 20;

/**
 * The web UI on `--ui-port`; a port someone else has is named in the error, with the way out. With
 * no `--ui-port` the next free port after the default is taken instead, and said.
 */
async function startUi(agent: Agent, v: Record<string, string | boolean | undefined>): Promise<UiServer> {
  await ensureUiBundle();
  const token = await uiToken(agent.opts.dataDir, !!v['new-token']);
  const asked = portArg(v['ui-port'], DEFAULT_UI_PORT, '--ui-port');
  const tries = v['ui-port'] === undefined ? UI_PORT_TRIES : 1;
  for (let port = asked; ; port++) {
    const ui = new UiServer({ backend: agent, port, token });
    try {
      await ui.listen();
    } catch (err) {
      await ui.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      if (port + 1 < asked + tries) continue;
      throw new CamvidError(
        'UNREACHABLE',
        tries > 1
          ? `The UI ports ${asked}–${port} are all in use; start with --ui-port P for another one, or --ui-port 0 for any free port.`
          : `The UI port ${asked} is already in use (another camvid, or another program); start with --ui-port P for another one, or --ui-port 0 for any free port.`,
      );
    }
    if (port !== asked) console.log(`The UI port ${asked} is in use (another camvid?); using ${port} instead.`);
    console.log(`CAMVID UI: ${ui.url}`);
    return ui;
  }
}

/**
 * Keeps the process up until SIGINT/SIGTERM, or until `done` resolves with an exit code (null: keep
 * running), then closes everything (mDNS goodbye included).
 */
function runUntilSignal(close: () => Promise<void>, done?: Promise<number | null>): Promise<number> {
  return new Promise((resolve) => {
    let code = 0;
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      close().then(() => resolve(code), () => resolve(1));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void done?.then((c) => {
      if (c === null) return;
      code = c;
      stop();
    });
  });
}

const commands: Record<string, (args: string[]) => Promise<number>> = {
  async ui(args) {
    const v = parse(args, {});
    mediaUsage(v);
    const agent = await startAgent(v);
    configurePodcast(agent, v);
    const ui = await startUi(agent, v).catch(async (err) => {
      await agent.close();
      throw err;
    });
    return runUntilSignal(async () => {
      await ui.close();
      await agent.close();
    });
  },

  async host(args) {
    const v = parse(args, {
      room: { type: 'string' },
      ...PASSWORD_OPTIONS,
      name: { type: 'string' },
      fanout: { type: 'string' },
      'root-fanout': { type: 'string' },
      'max-members': { type: 'string' },
      'attach-timeout': { type: 'string' },
      'no-ui': { type: 'boolean' },
      resume: { type: 'boolean' },
      ...HEADLESS_OPTIONS,
      ...MEDIA_HOST_OPTIONS,
      ...PODCAST_HOST_OPTIONS,
      ...FILES_HOST_OPTIONS,
      ...RECORDING_HOST_OPTIONS,
    });
    mediaUsage(v);
    const recordingError = recordingUsageError(v);
    if (recordingError) throw new UsageError(recordingError);
    labUsage(v);
    const fanout = Number(v.fanout ?? DEFAULT_FANOUT);
    const rootFanout = v['root-fanout'] === undefined ? undefined : Number(v['root-fanout']);
    for (const [flag, n] of [['--fanout', fanout], ['--root-fanout', rootFanout ?? 1]] as const) {
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`${flag} must be a whole number from 1 to 64`);
    }
    const maxMembers = v['max-members'] === undefined ? undefined : Number(v['max-members']);
    if (maxMembers !== undefined && (!Number.isInteger(maxMembers) || maxMembers < 1 || maxMembers > MAX_MAX_MEMBERS)) {
      throw new UsageError(`--max-members must be a whole number from 1 to ${MAX_MAX_MEMBERS}`);
    }
    const attachS = v['attach-timeout'] === undefined ? undefined : Number(v['attach-timeout']);
    if (attachS !== undefined && (!Number.isInteger(attachS) || attachS < 1 || attachS > 3600)) {
      throw new UsageError('--attach-timeout must be a whole number of seconds from 1 to 3600');
    }
    const password = v.resume ? undefined : await passwordOf(v);
    if (password === undefined && !v.resume) {
      console.warn(`warning: no room password given (--password-stdin, CAMVID_PASSWORD or --password); using the default password "${DEFAULT_ROOM_PASSWORD}". Anyone who knows it can join.`);
    } else if (password !== undefined) {
      warnIfWeak(password);
    }
    const agent = await startAgent(v);
    let ui: UiServer | null = null;
    try {
      wireShare(agent, v, printEvent);
      // --resume: the room this data folder hosted before it stopped (same id, password, port).
      const host = v.resume
        ? await agent.resume()
        : await agent.host({
            room: (v.room as string | undefined) ?? DEFAULT_ROOM_NAME,
            password: password ?? DEFAULT_ROOM_PASSWORD,
            name: (v.name as string | undefined) ?? 'Instructor',
            fanout,
            rootFanout,
            maxMembers,
            attachTimeoutMs: attachS === undefined ? undefined : attachS * 1000,
          });
      if (v.events) host.on('roster', (members) => printEvent('roster', members));
      wireHeadless(agent, v);
      wireHealth(v, printEvent, () => host.host.server.work);
      await startHostSource(agent, v);
      await startHostPodcast(agent, v);
      await startHostRecording(agent, v);
      const room = agent.state().room!;
      console.log(`hosting "${room.name}" (${shortId(room.id)}) on port ${host.host.server.port}; students can join at ${agent.joinAddresses().join(', ')}`);
      if (agent.swarm) console.log(`room code: ${formatRoomCode(room.id)} (over the swarm: camvid join --room-id ${formatRoomCode(room.id)} --swarm --bootstrap ${v.bootstrap})`);
      if (!v['no-ui']) ui = await startUi(agent, v);
    } catch (err) {
      await agent.close();
      throw err;
    }
    return runUntilSignal(async () => {
      await ui?.close();
      await agent.close();
    });
  },

  async join(args) {
    const v = parse(args, {
      room: { type: 'string' },
      address: { type: 'string' },
      'room-id': { type: 'string' },
      name: { type: 'string' },
      ...PASSWORD_OPTIONS,
      ...HEADLESS_OPTIONS,
      ...FILES_JOIN_OPTIONS,
    });
    if (!v.name || (!v.room && !v.address && !v['room-id'])) {
      throw new UsageError('join needs --name, the password and one of --room, --address or --room-id');
    }
    const password = await passwordOf(v);
    if (!password) throw new UsageError('join needs the room password: --password-stdin, CAMVID_PASSWORD or --password');
    let roomId: string | undefined;
    try {
      roomId = v['room-id'] === undefined ? undefined : parseRoomCode(String(v['room-id']));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    mediaUsage(v);
    labUsage(v);
    const agent = await startAgent(v);
    const joinStarted = performance.now();
    let transfers: Promise<number | null> | undefined;
    try {
      const { member } = await agent.join({
        name: v.name as string,
        password,
        roomName: v.room as string | undefined,
        roomId,
        address: v.address as string | undefined,
      });
      if (v.events) {
        member.on('roster', (members) => printEvent('roster', members));
        member.on('state', (s) => printEvent('state', s));
        member.on('parent-lost', (e) => printEvent('parent-lost', e));
      }
      wireHeadless(agent, v);
      wireHealth(v, printEvent);
      // In the room once welcomed; the tree edge can take longer on a busy network or with a
      // whole class arriving at once: keep waiting and say so, rather than give up the place.
      for (;;) {
        try {
          await member.whenJoined();
          break;
        } catch (err) {
          if ((err as CamvidError).code !== 'TIMEOUT') throw err;
          console.error('still waiting for a place in the room (the host is connecting us; Ctrl-C to give up)');
        }
      }
      const parent = member.roster.find((m) => m.id === member.edges.parent?.peerId);
      const took = Math.round(performance.now() - joinStarted);
      console.log(`joined "${member.info!.roomName}" as ${member.info!.name}${parent ? ` (parent ${parent.name})` : ''} in ${took} ms`);
      // The host went away (a crash, a restart): keep waiting, and say so; say `joined` again when back.
      let away = false;
      member.on('state', (s) => {
        if (s === 'reconnecting' && !away && !member.online) {
          away = true;
          console.log('the instructor is not answering; waiting for the room to come back');
        } else if (s === 'joined' && away) {
          away = false;
          console.log(`joined "${member.info!.roomName}" as ${member.info!.name} again`);
        }
      });
      wireShare(agent, v, printEvent);
      transfers = runTransfers(agent, v, printEvent);
      member.on('error', (err) => {
        console.error(`error: ${err.code}: ${err.message}`);
        process.exitCode = 1;
        void agent.close().then(() => process.exit(1));
      });
    } catch (err) {
      await agent.close();
      throw err;
    }
    return runUntilSignal(() => agent.close(), transfers);
  },

  async rooms(args) {
    const v = parse(args, { wait: { type: 'string' }, watch: { type: 'boolean' } });
    const waitMs = Number(v.wait ?? 3) * 1000;
    if (!Number.isFinite(waitMs) || waitMs < 0) throw new UsageError('--wait must be a number of seconds');
    const browser = new RoomBrowser();
    if (v.watch) {
      // --watch: every change of the live list as an event line, until SIGINT/SIGTERM.
      browser.on('rooms', (rooms) => printEvent('rooms', rooms));
      return runUntilSignal(() => browser.close());
    }
    await new Promise((r) => setTimeout(r, waitMs));
    const rooms = browser.rooms;
    await browser.close();
    if (!rooms.length) console.log('no rooms found (is multicast blocked? ask for the join address and use --address)');
    for (const r of rooms) console.log(`${r.name} (${shortId(r.id)})  host ${r.hostName}  ${r.address ?? ''}:${r.port ?? ''}`);
    return 0;
  },

  async 'chat-log'(args) {
    const v = parse(args, {});
    const agent = await startAgent({ ...v, 'no-mdns': true });
    try {
      for (const line of await agent.features.chat.store.dump()) console.log(line);
    } finally {
      await agent.close();
    }
    return 0;
  },

  async attendance(args) {
    const v = parse(args, ATTENDANCE_OPTIONS);
    const agent = await startAgent({ ...v, 'no-mdns': true });
    try {
      return await printAttendance(agent, v as { lecture?: string; csv?: boolean });
    } finally {
      await agent.close();
    }
  },

  async 'dht-node'(args) {
    const v = parse(args, { host: { type: 'string' } });
    let stop: () => Promise<void>;
    try {
      stop = await runDhtNode(v, portArg(v.port, 0, '--port'));
    } catch (err) {
      if (err instanceof TypeError) throw new UsageError(err.message);
      throw err;
    }
    return runUntilSignal(stop);
  },

  async lab(args) {
    const { labCommand } = await import('./labs/lab-command.js');
    return labCommand(args);
  },

  async mail(args) {
    const { mailCommand, MAIL_OPTIONS } = await import('./cli/mail-command.js');
    const v = parse(args, MAIL_OPTIONS) as Record<string, string | boolean | string[] | undefined>;
    return mailCommand(v, () => startAgent({ ...(v as Record<string, string | boolean | undefined>), 'no-mdns': true }));
  },
};

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const name = first === undefined || first.startsWith('-') ? 'ui' : first;
  const command = commands[name];
  const args = name === 'ui' ? argv : rest;
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    if (args.includes('--help') || args.includes('-h')) {
      if (name !== 'lab' && name !== 'mail') {
        console.log(USAGE);
        return 0;
      }
    }
    return await command(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`camvid: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    const e = err instanceof CamvidError ? err : toCamvidError(err, 'UNREACHABLE');
    console.error(`error: ${e.code}: ${e.message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
// Native WebRTC threads can outlive their last PeerConnection by a moment; never hang on them.
setTimeout(() => process.exit(), 1000).unref();
