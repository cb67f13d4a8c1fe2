/**
 * The feature services an agent composes, in one declared order: created in it, entered into each
 * room in it (the relay first, so the live class and the podcast find it in the room), and closed
 * in reverse. Each takes the narrow `FeatureHost` (node-agent/feature-host.ts), never the agent.
 * Add a feature with one line in `startFeatures`.
 */
import { ChatService } from './chat/chat-service.js';
import { ClassroomControls } from './classroom-controls.js';
import type { Feature, FeatureHost } from './feature-host.js';
import { FileService } from './files/file-service.js';
import { LabService } from './labs/lab-service.js';
import { MailService } from './mail/mail-service.js';
import { LiveClass } from './media/live-class.js';
import { MediaRelay } from './media/media-relay.js';
import { Presenting } from './media/presenting.js';
import { PodcastService } from './podcast/podcast-service.js';
import { AttendanceService } from './record/attendance-service.js';
import { PollService } from './record/poll-service.js';
import { RecordingService } from './record/recording-service.js';

export interface Features {
  media: MediaRelay;
  chat: ChatService;
  classroom: ClassroomControls;
  files: FileService;
  labs: LabService;
  mail: MailService;
  /** the instructor's page as the camera, pages watching; uses `media` */
  live: LiveClass;
  /** a student's screen as the room's (invited by the instructor); uses `media` */
  presenting: Presenting;
  /** uses `media` */
  podcast: PodcastService;
  /** who was in the room when, per lecture (docs/record.md) */
  attendance: AttendanceService;
  /** polls and quizzes, kept with the lecture in the class record's store */
  polls: PollService;
  /** the lecture into a WebM file in the share; uses `media` and `files` */
  recording: RecordingService;
}

/**
 * Creates every feature in order. When one throws, those already made are closed (reverse order)
 * before the error propagates, so a failed start leaves nothing running.
 */
export async function startFeatures(host: FeatureHost): Promise<{ features: Features; order: [name: string, feature: Feature][] }> {
  const order: [string, Feature][] = [];
  const add = <F extends Feature>(name: keyof Features, feature: F): F => {
    order.push([name, feature]);
    return feature;
  };
  try {
    const media = add('media', new MediaRelay());
    const chat = add('chat', new ChatService(host));
    const classroom = add('classroom', new ClassroomControls(host));
    const files = add('files', new FileService(host));
    const labs = add('labs', new LabService(host));
    const mail = add('mail', new MailService(host));
    const live = add('live', new LiveClass(host, media));
    const presenting = add('presenting', new Presenting(host, media));
    const podcast = add('podcast', new PodcastService(host, media));
    const attendance = add('attendance', new AttendanceService(host));
    const polls = add('polls', new PollService(host, attendance.store));
    const recording = add('recording', new RecordingService(host, media, files));
    const features: Features = { media, chat, classroom, files, labs, mail, live, presenting, podcast, attendance, polls, recording };
    return { features, order };
  } catch (err) {
    for (const [, feature] of order.reverse()) await Promise.resolve(feature.close()).catch(() => {});
    throw err;
  }
}
