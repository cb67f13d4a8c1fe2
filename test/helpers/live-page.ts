/**
 * Page objects for the live class (the Video tab) and what a test or the media benchmark reads of
 * a playing <video>: size, time, whether its pixels move, the audio track.
 */
import type { Locator, Page } from 'playwright-core';

/** `<live-publisher>`: the instructor's controls. */
export class PublisherView {
  constructor(readonly page: Page) {}

  get goLive(): Locator {
    return this.page.getByTestId('go-live');
  }
  get stop(): Locator {
    return this.page.getByTestId('stop-live');
  }
  get muteMic(): Locator {
    return this.page.getByTestId('mute-mic');
  }
  get cameraSelect(): Locator {
    return this.page.getByTestId('camera-select');
  }
  get selfView(): Locator {
    return this.page.getByTestId('self-view');
  }
  /** `data-phase`: live / reconnecting */
  get badge(): Locator {
    return this.page.getByTestId('publish-badge');
  }
  get stats(): Locator {
    return this.page.getByTestId('publish-stats');
  }
  get error(): Locator {
    return this.page.getByTestId('live-error');
  }

  get shareScreen(): Locator {
    return this.page.getByTestId('share-screen');
  }
  get stopShare(): Locator {
    return this.page.getByTestId('stop-share');
  }
  get shareBadge(): Locator {
    return this.page.getByTestId('share-badge');
  }
  get screenPreview(): Locator {
    return this.page.getByTestId('screen-preview');
  }

  /** Presses "Go live" and waits until the page sends to its agent. */
  async start(timeoutMs = 15_000): Promise<void> {
    await this.goLive.click();
    await this.badge.and(this.page.locator('[data-phase="live"]')).waitFor({ timeout: timeoutMs });
  }
}

/** `<live-player>`: what a student sees. */
export class PlayerView {
  constructor(readonly page: Page) {}

  /** `data-state`: waiting / live / ended */
  get stage(): Locator {
    return this.page.getByTestId('live-stage');
  }
  get video(): Locator {
    return this.page.getByTestId('live-video');
  }
  get badge(): Locator {
    return this.page.getByTestId('live-badge');
  }
  get message(): Locator {
    return this.page.getByTestId('live-message');
  }
  get unmute(): Locator {
    return this.page.getByTestId('unmute');
  }
  get fullscreen(): Locator {
    return this.page.getByTestId('fullscreen');
  }
  get stats(): Locator {
    return this.page.getByTestId('live-stats');
  }
  get screenVideo(): Locator {
    return this.page.getByTestId('screen-video');
  }
  get screenStats(): Locator {
    return this.page.getByTestId('screen-stats');
  }
  layoutButton(layout: 'pip' | 'screen' | 'camera' | 'side'): Locator {
    return this.page.getByTestId(`layout-${layout}`);
  }
  /** `data-screen`: whether the page shows a shared screen; `data-layout`: pip / screen / camera / side */
  screenShown(shown: boolean): Locator {
    return this.stage.and(this.page.locator(`[data-screen="${shown}"]`));
  }

  state(state: 'waiting' | 'live' | 'ended'): Locator {
    return this.stage.and(this.page.locator(`[data-state="${state}"]`));
  }

  /** Resolves once the video (the camera, or the screen) has a decoded frame (videoWidth > 0). */
  async waitForPicture(timeoutMs = 15_000, video = this.video): Promise<void> {
    await video.waitFor({ state: 'attached', timeout: timeoutMs });
    // No named functions inside evaluate(): tsx's keepNames would reference a helper the page lacks.
    await video.evaluate(async (el, ms) => {
      const v = el as HTMLVideoElement;
      const end = Date.now() + ms;
      while (v.videoWidth === 0) {
        if (Date.now() > end) throw new Error(`no picture within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }, timeoutMs);
  }

  /** Size, time and audio of the video (the camera, or the screen) now, and how many sampled pixels changed over `gapMs`. */
  facts(gapMs = 700, video = this.video): Promise<VideoFacts> {
    return video.evaluate(async (el, gap) => {
      const v = el as HTMLVideoElement;
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 90;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      const t0 = v.currentTime;
      ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
      const a = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      await new Promise((r) => setTimeout(r, gap));
      ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
      const b = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let changed = 0;
      for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!) > 30) changed++;
      let lit = 0;
      for (let i = 0; i < b.length; i += 4) if (b[i]! + b[i + 1]! + b[i + 2]! > 60) lit++;
      const stream = v.srcObject as MediaStream | null;
      const audio = stream?.getAudioTracks()[0];
      return {
        width: v.videoWidth,
        height: v.videoHeight,
        timeAdvanced: v.currentTime - t0,
        paused: v.paused,
        changedPixels: changed,
        litPixels: lit,
        audioTracks: stream?.getAudioTracks().length ?? 0,
        audioFlowing: !!audio && audio.readyState === 'live' && !audio.muted,
        muted: v.muted,
      };
    }, gapMs);
  }
}

export interface VideoFacts {
  width: number;
  height: number;
  /** seconds of currentTime progress over the gap */
  timeAdvanced: number;
  paused: boolean;
  /** of 160x90 sampled pixels, how many changed visibly over the gap */
  changedPixels: number;
  /** how many are not black */
  litPixels: number;
  audioTracks: number;
  /** the remote audio track is receiving (a remote track is `muted` until RTP arrives) */
  audioFlowing: boolean;
  muted: boolean;
}

/** Milliseconds from the page's `camvid-watch-start` mark (or `from`) to its first-frame mark. */
export async function firstFrameMs(page: Page, timeoutMs = 15_000): Promise<number> {
  await page.waitForFunction(() => performance.getEntriesByName('camvid-first-frame').length > 0, undefined, { timeout: timeoutMs, polling: 50 });
  return page.evaluate(() => {
    const start = performance.getEntriesByName('camvid-watch-start')[0]!.startTime;
    return performance.getEntriesByName('camvid-first-frame')[0]!.startTime - start;
  });
}
