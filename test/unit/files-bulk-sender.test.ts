/**
 * BulkSender on a channel whose link died while a chunk was being read (seen in a 30-child star
 * download: the host crashed with "setBufferedAmountLowThreshold() called on destroyed channel").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nodeDataChannel from 'node-datachannel';
import { BulkSender } from '../../node-agent/files/bulk-sender.js';

test('a sender made for a destroyed channel neither throws nor accepts messages', () => {
  const pc = new nodeDataChannel.PeerConnection('bulk-sender-test', { iceServers: [] });
  const dc = pc.createDataChannel('bulk');
  dc.close();
  pc.close();
  let sender: BulkSender | null = null;
  assert.not.throws(() => (sender = new BulkSender(dc)));
  assert.ok(sender!.closed, 'closed');
  assert.is(sender!.send(Buffer.alloc(10)), false, 'send refused');
});

test.run();
