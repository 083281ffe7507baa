// The console's words and pictures: times from relay blocks, names from metadata, the numbers
// behind each picture, the balance history, and errors in plain words.

import { describe, expect, it } from 'vitest';
import { dispatchError, palletError, rpcError, sentence } from '../src/errors';
import { addPoint, backfill, decodeHistory, encodeHistory, HistoryStore, MAX_POINTS, type KeyValue, type Sample } from '../src/history';
import { providerName, shortAddress, MAX_NAME } from '../src/identity';
import { chartLine, loadShare, recordParts, runwayShare, share, type Point } from '../src/pictures';
import { record } from './records';
import { ago, blockDate, duration, localDate, until } from '../src/time';


describe('times from relay blocks', () => {
  it('are durations at 6 s per block', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(5)).toBe('30 s');
    expect(duration(95)).toBe('9 min');
    expect(duration(600)).toBe('1 h');
    expect(duration(14_400 + 50)).toBe('1 d');
    expect(duration(14_400 + 650)).toBe('1 d 1 h');
    expect(duration(-5)).toBe('0 s');
  });

  it('are local dates counted from the relay chain\'s current block', () => {
    const now = new Date(2026, 11, 7, 10, 0); // Monday 7 December 2026, 10:00 local
    expect(blockDate(1_600, 1_000, now).getTime() - now.getTime()).toBe(3_600_000);
    expect(localDate(new Date(2026, 11, 7, 14, 5), now, 'en-GB')).toBe('14:05');
    expect(localDate(new Date(2026, 11, 8, 14, 5), now, 'en-GB')).toBe('Tue 14:05');
    expect(localDate(new Date(2026, 11, 20, 9, 30), now, 'en-GB')).toBe('20 Dec 09:30');
    expect(localDate(new Date(2027, 0, 20, 9, 30), now, 'en-GB')).toBe('20 Jan 2027 09:30');
    // 3 h 12 min is 1,920 blocks.
    expect(until(1_000 + 1_920, 1_000, now, 'en-GB')).toBe('in 3 h 12 min, 13:12');
    expect(until(900, 1_000, now)).toBe('now');
    expect(ago(950, 1_000)).toBe('5 min ago');
    expect(ago(1_000, 1_000)).toBe('just now');
  });
});

describe('identities', () => {
  it('take a provider\'s name from its metadata, and nothing else', () => {
    expect(providerName('{"name":"alice cloud"}')).toBe('alice cloud');
    expect(providerName('{"name":"  spaced  "}')).toBe('spaced');
    for (const bad of ['', 'not json', '"a string"', 'null', '{"name":42}', '{"name":"  "}', '{"title":"x"}', '[]']) {
      expect(providerName(bad), bad).toBeNull();
    }
  });

  it('cannot be made misleading or huge', () => {
    // Right-to-left overrides and zero-width characters are dropped; control characters too.
    expect(providerName('{"name":"good\\u202eevil\\u200b\\u0007"}')).toBe('goodevil');
    const long = providerName(JSON.stringify({ name: 'x'.repeat(500) }))!;
    expect([...long].length).toBe(MAX_NAME);
    expect(long.endsWith('…')).toBe(true);
  });

  it('shorten addresses to their ends', () => {
    expect(shortAddress('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY')).toBe('5Grwva…utQY');
    expect(shortAddress('short')).toBe('short');
  });
});

describe('pictures', () => {
  it('share without floating-point sums of amounts', () => {
    expect(share(1n, 4n)).toBe(0.25);
    expect(share(0n, 4n)).toBe(0);
    expect(share(5n, 4n)).toBe(1);
    expect(share(1n, 0n)).toBe(0);
    expect(share(10n ** 30n, 3n * 10n ** 30n)).toBeCloseTo(0.3333, 4);
  });

  it('show a runway as funds left of all put in, toned by the warning', () => {
    expect(runwayShare(300n, 100n, 300, 100, false)).toEqual({ fraction: 0.75, tone: 'ok' });
    expect(runwayShare(50n, 350n, 50, 100, false)).toEqual({ fraction: 0.125, tone: 'low' });
    expect(runwayShare(0n, 400n, 0, 100, false).tone).toBe('out');
    expect(runwayShare(5n, 400n, null, 100, true).tone).toBe('out');
    expect(runwayShare(5n, 0n, null, 100, false)).toEqual({ fraction: 1, tone: 'ok' });
  });

  it('show an offer\'s load as units in use', () => {
    expect(loadShare(8, 7)).toEqual({ inUse: 1, fraction: 0.125 });
    expect(loadShare(8, 0)).toEqual({ inUse: 8, fraction: 1 });
    expect(loadShare(0, 0)).toEqual({ inUse: 0, fraction: 0 });
  });

  it('split a track record\'s awards into parts that sum to one', () => {
    expect(recordParts(record({}))).toEqual({ ran: 0, faults: 0, declined: 0, pending: 0 });
    const parts = recordParts(record({ awards: 10, running: 6, timeouts: 1, failures: 1, declines: 1 }));
    expect(parts).toEqual({ ran: 0.6, faults: 0.2, declined: 0.1, pending: 0.1 });
    // Counters beyond the awards (a corrupt or foreign record) never draw past the bar.
    const over = recordParts(record({ awards: 2, running: 5, timeouts: 5, declines: 5 }));
    expect(over.ran + over.faults + over.declined + over.pending).toBe(1);
  });

  it('draw a balance line inside its box', () => {
    const points: Point[] = [
      { block: 100, funds: 1_000n },
      { block: 150, funds: 500n },
      { block: 200, funds: 0n },
    ];
    expect(chartLine(points, 200, 50)).toBe('0.0,0.0 100.0,25.0 200.0,50.0');
    expect(chartLine(points.slice(0, 1), 200, 50)).toBe('');
  });
});

describe('balance history', () => {
  const p = (block: number, funds: bigint): Point => ({ block, funds });

  it('merges straight runs and keeps turns', () => {
    let points: Point[] = [];
    for (let b = 0; b <= 10; b += 1) points = addPoint(points, p(b, 1_000n - 10n * BigInt(b)));
    expect(points).toEqual([p(0, 1_000n), p(10, 900n)]);
    // A top-up at block 11 is a turn: kept.
    points = addPoint(points, p(11, 1_500n));
    points = addPoint(points, p(12, 1_490n));
    expect(points).toEqual([p(0, 1_000n), p(10, 900n), p(11, 1_500n), p(12, 1_490n)]);
    // A point at a block already held replaces it, in block order.
    expect(addPoint(points, p(12, 1_480n)).at(-1)).toEqual(p(12, 1_480n));
    expect(addPoint(points, p(5, 950n)).map((q) => q.block)).toEqual([0, 10, 11, 12]);
  });

  it('never holds more than its bound, first and last kept', () => {
    let points: Point[] = [];
    for (let b = 0; b < 1_000; b += 1) points = addPoint(points, p(b, BigInt((b * 7919) % 1_000)));
    expect(points.length).toBe(MAX_POINTS);
    expect(points[0].block).toBe(0);
    expect(points.at(-1)!.block).toBe(999);
  });

  it('is read back from the node\'s past states from the opening', async () => {
    // Opened at block 40; billing 10 per block from 1,000.
    const asked: number[] = [];
    const probe = async (block: number): Promise<Sample> => {
      asked.push(block);
      return block < 40 ? { kind: 'absent' } : { kind: 'present', point: p(block, 1_000n - 10n * BigInt(block - 40)) };
    };
    const history = await backfill(100, probe, 7);
    expect(history.fromOpening).toBe(true);
    expect(history.points).toEqual([p(40, 1_000n), p(100, 400n)]);
    // Bisection and samples: a few dozen questions, not one per block.
    expect(asked.length).toBeLessThan(20);
  });

  it('says when the node no longer has the opening', async () => {
    const probe = async (block: number): Promise<Sample> =>
      block < 60 ? { kind: 'pruned' } : { kind: 'present', point: p(block, 5_000n) };
    const history = await backfill(100, probe, 5);
    expect(history.fromOpening).toBe(false);
    expect(history.points[0].block).toBe(60);
  });

  it('is stored as text and refuses what is not one', () => {
    const history = { fromOpening: true, points: [p(1, 10n ** 20n), p(2, 0n)] };
    expect(decodeHistory(encodeHistory(history))).toEqual(history);
    for (const bad of [null, '', 'x', '{}', '{"fromOpening":true,"points":[[1,"-5"]]}', '{"fromOpening":true,"points":[["a","5"]]}']) {
      expect(decodeHistory(bad), String(bad)).toBeNull();
    }
  });
});

/** A storage in memory, like the browser's; `full` refuses writes as a full storage does. */
function memoryStorage(full = false): KeyValue & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => {
      if (full) throw new DOMException('quota exceeded', 'QuotaExceededError');
      data.set(k, v);
    },
    removeItem: (k) => void data.delete(k),
    key: (i) => [...data.keys()][i] ?? null,
    get length() {
      return data.size;
    },
  };
}

describe('stored histories', () => {
  const history = { fromOpening: true, points: [{ block: 1, funds: 5n }, { block: 9, funds: 1n }] };

  it('are kept per chain and forgotten when their subscription ends', () => {
    const storage = memoryStorage();
    const chainA = new HistoryStore(() => storage, 'dinfra.history.0xaa.');
    const chainB = new HistoryStore(() => storage, 'dinfra.history.0xbb.');
    expect(chainA.save(1, history)).toBe(true);
    expect(chainA.save(2, history)).toBe(true);
    expect(chainB.save(1, history)).toBe(true);
    storage.setItem('unrelated', 'kept');
    expect(chainA.load(1)).toEqual(history);
    chainA.forget(new Set([2]));
    expect(chainA.load(1)).toBeNull();
    expect(chainA.load(2)).toEqual(history);
    // Another chain's and other keys are left alone.
    expect(chainB.load(1)).toEqual(history);
    expect(storage.getItem('unrelated')).toBe('kept');
  });

  it('fail quietly when the storage is full, off or holds something else', () => {
    const full = new HistoryStore(() => memoryStorage(true), 'p.');
    expect(full.save(1, history)).toBe(false);
    const off = new HistoryStore(() => {
      throw new DOMException('storage is off', 'SecurityError');
    }, 'p.');
    expect(off.save(1, history)).toBe(false);
    expect(off.load(1)).toBeNull();
    expect(() => off.forget(new Set())).not.toThrow();
    const storage = memoryStorage();
    storage.setItem('p.1', '{"something":"else"}');
    expect(new HistoryStore(() => storage, 'p.').load(1)).toBeNull();
  });
});

describe('errors in plain words', () => {
  it('use the pallet\'s documentation as a sentence, never the error\'s name', () => {
    expect(palletError('AlreadyProvider', 'This account is already a registered provider.')).toBe(
      'This account is already a registered provider.',
    );
    expect(palletError('OfferingClosed', '')).toBe('Offering closed.');
    expect(sentence('the funds ran out')).toBe('The funds ran out.');
  });

  it('say what the chain\'s own refusals mean, without their codes', () => {
    expect(dispatchError('BadOrigin')).toBe('This account may not do this.');
    expect(dispatchError('Token', 'FundsUnavailable')).toBe('This account does not have the DINF this needs.');
    expect(dispatchError('Token', 'CannotCreate')).toBe('The DINF could not be moved: cannot create.');
    expect(dispatchError('Arithmetic', 'Overflow')).toMatch(/too large or too small/);
    expect(dispatchError('SomethingNew', 'Odd')).toBe('The chain refused the transaction: something new, odd.');
    for (const text of [dispatchError('Token', 'Frozen'), dispatchError('Other'), dispatchError('Exhausted')]) {
      expect(text).not.toMatch(/[{}"]/);
    }
  });

  it('say what a node\'s refusal means', () => {
    expect(rpcError('1010: Invalid Transaction: Inability to pay some fees , e.g. account balance too low')).toMatch(
      /cannot pay the transaction fee/,
    );
    expect(rpcError('1014: Priority is too low: (100 vs 100)')).toMatch(/already waiting/);
    expect(rpcError('Cancelled')).toMatch(/did not sign/);
    expect(rpcError('1002: something odd')).toBe('Something odd.');
  });
});
