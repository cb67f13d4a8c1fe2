/**
 * The feature services an agent composes. Each is created with the agent (after its store is
 * open), follows it into and out of rooms through `agent.on('room')`, and is closed by
 * `Agent.close()` in reverse order. Add a feature with one field here.
 */
import type { Agent } from './agent.js';
import { ChatService } from './chat/chat-service.js';
import { ClassroomControls } from './classroom-controls.js';
import { FileService } from './files/file-service.js';
import { LabService } from './labs/lab-service.js';
import { MailService } from './mail/mail-service.js';
import { LiveClass } from './media/live-class.js';
import { MediaRelay } from './media/media-relay.js';
import { PodcastService } from './podcast/podcast-service.js';

export interface Features {
  chat: ChatService;
  classroom: ClassroomControls;
  files: FileService;
  labs: LabService;
  mail: MailService;
  media: MediaRelay;
  /** after `media`, so it closes first */
  podcast: PodcastService;
  /** the instructor's page as the camera, pages watching; after `media`, so it closes first */
  live: LiveClass;
}

export function startFeatures(agent: Agent): Features {
  const media = new MediaRelay(agent);
  return { chat: new ChatService(agent), classroom: new ClassroomControls(agent), files: new FileService(agent), labs: new LabService(agent), mail: new MailService(agent), media, live: new LiveClass(agent, media), podcast: new PodcastService(agent, media) };
}

export async function closeFeatures(features: Features): Promise<void> {
  for (const feature of Object.values(features).reverse() as { close(): void | Promise<void> }[]) {
    await feature.close();
  }
}
