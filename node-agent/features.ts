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
import { PodcastService } from './podcast/podcast-service.js';
import { AttendanceService } from './record/attendance-service.js';
import { PollService } from './record/poll-service.js';

export interface Features {
  media: MediaRelay;
  chat: ChatService;
  classroom: ClassroomControls;
  files: FileService;
  labs: LabService;
  mail: MailService;
  /** the instructor's page as the camera, pages watching; uses `media` */
  live: LiveClass;
  /** uses `media` */
  podcast: PodcastService;
  /** who was in the room when, per lecture (docs/record.md) */
  attendance: AttendanceService;
  /** polls and quizzes, kept with the lecture in the class record's store */
  polls: PollService;
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
    const attendance = new AttendanceService(host);
    const features: Features = {
      media,
      chat: add('chat', new ChatService(host)),
      classroom: add('classroom', new ClassroomControls(host)),
      files: add('files', new FileService(host)),
      labs: add('labs', new LabService(host)),
      mail: add('mail', new MailService(host)),
      live: add('live', new LiveClass(host, media)),
      podcast: add('podcast', new PodcastService(host, media)),
      attendance: add('attendance', attendance),
      polls: add('polls', new PollService(host, attendance.store)),
    };
    return { features, order };
  } catch (err) {
    for (const [, feature] of order.reverse()) await Promise.resolve(feature.close()).catch(() => {});
    throw err;
  }
}
