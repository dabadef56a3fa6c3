import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../../services/common/nats/errors.js';
import { SearchEvents } from '../../../services/common/nats/events.js';
import type { ReceivedEvent } from '../../../services/common/nats/types.js';
import { skipWithoutNatsServer } from '../../support/nats-server.js';
import { suiteNatsServer, waitFor } from './helpers.js';

interface Event {
  note: string;
}

/** Follows a replay in the background, collecting what it yields, until `abort`. */
function follow(events: SearchEvents<Event>, searchId: string, onError?: (err: Error) => void) {
  const got: ReceivedEvent<Event>[] = [];
  const abort = new AbortController();
  const done = (async () => {
    for await (const e of events.replay(searchId, { signal: abort.signal, ...(onError && { onError }) })) got.push(e);
  })();
  return { got, stop: async () => (abort.abort(), await done) };
}

describe('search events', { skip: skipWithoutNatsServer, timeout: 60_000 }, () => {
  const nats = suiteNatsServer();
  const { connections } = nats;

  it("replays a search's events from the first, then follows new ones, without duplicates", async () => {
    const events = await SearchEvents.open<Event>(await connections.connect('controller'));
    await events.publish('ev-a', 'created', { note: 'a0' }, '0');
    await events.publish('ev-b', 'created', { note: 'b0' }, '0');
    await events.publish('ev-a', 'proposed', { note: 'a1' }, '0');
    await events.publish('ev-a', 'evaluated', { note: 'a2' }, '0');

    const watcher = follow(await SearchEvents.open<Event>(await connections.connect('watch')), 'ev-a');
    await waitFor('the history', () => watcher.got.length === 3);
    assert.deepEqual(
      watcher.got.map((e) => e.pending),
      [2, 1, 0],
    );
    assert.equal((await events.publish('ev-a', 'evaluated', { note: 'a2 again' }, '0')).duplicate, true);
    await events.publish('ev-a', 'policy', { note: 'a3' }, '1');
    await events.publish('ev-a', 'finished', { note: 'a4' }, '0');
    await waitFor('the live events', () => watcher.got.length === 5);
    await watcher.stop();

    assert.deepEqual(
      watcher.got.map((e) => [e.searchId, e.kind, e.event.note]),
      ['created', 'proposed', 'evaluated', 'policy', 'finished'].map((kind, i) => ['ev-a', kind, `a${i}`]),
    );
    const seqs = watcher.got.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    assert.ok(watcher.got.every((e) => Date.now() - e.time.getTime() < 60_000));
  });

  it('follows through a nats-server restart without gaps or repeats', async () => {
    const events = await SearchEvents.open<Event>(await connections.connect('controller'));
    const watcher = follow(await SearchEvents.open<Event>(await connections.connect('watch')), 'ev-r');
    for (const i of [0, 1, 2]) await events.publish('ev-r', 'evaluated', { note: `${i}` }, `${i}`);
    await waitFor('the first events', () => watcher.got.length === 3);
    await nats.server.restart();
    for (const i of [3, 4, 5]) await events.publish('ev-r', 'evaluated', { note: `${i}` }, `${i}`);
    await waitFor('the events after the restart', () => watcher.got.length >= 6, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await watcher.stop();
    assert.deepEqual(
      watcher.got.map((e) => e.event.note),
      ['0', '1', '2', '3', '4', '5'],
    );
  });

  it('skips and reports an event it cannot decode', async () => {
    const nc = await connections.connect('controller');
    const events = await SearchEvents.open<Event>(nc);
    await nc.jetstream().publish('nasmesh.search.ev-bad.created', new TextEncoder().encode('{not json'));
    await events.publish('ev-bad', 'finished', { note: 'ok' }, '0');
    const errors: Error[] = [];
    const watcher = follow(events, 'ev-bad', (err) => errors.push(err));
    await waitFor('the good event', () => watcher.got.length === 1);
    await watcher.stop();
    assert.equal(watcher.got[0]!.kind, 'finished');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof CodecError);
  });
});
