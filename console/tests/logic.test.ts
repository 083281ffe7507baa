import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descriptorBytes, rawCid } from '../src/cid';
import { describeRunway, fundingProblem, runwayBlocks } from '../src/runway';
import { encodeTarget, MAX_PREFERRED } from '../src/target';
import { decodeRecord, describeRecord, meanProvisioning, type TrackRecord } from '../src/record';
import { formatDinf, parseDinf, UNIT } from '../src/units';
import { record } from './records';
import { describeStanding, standingProblem, suspension } from '../src/continuity';

describe('DINF amounts', () => {
  it('parse exactly, to the smallest unit', () => {
    expect(parseDinf('1')).toBe(UNIT);
    expect(parseDinf('0.001')).toBe(1_000_000_000n);
    expect(parseDinf(' 2.5 ')).toBe(2_500_000_000_000n);
    expect(parseDinf('0.000000000001')).toBe(1n);
  });

  it('refuse what is not an amount', () => {
    for (const bad of ['', '-1', '1e3', 'abc', '1.2.3', '0.0000000000001']) {
      expect(() => parseDinf(bad), bad).toThrow();
    }
  });

  it('format exactly, grouped by thousands, without trailing zeros', () => {
    expect(formatDinf(2_500_000_000_000n)).toBe('2.5 DINF');
    expect(formatDinf(UNIT * 600n)).toBe('600 DINF');
    expect(formatDinf(1n)).toBe('0.000000000001 DINF');
    expect(formatDinf(UNIT * 1_234_567n + UNIT / 2n)).toBe('1,234,567.5 DINF');
    expect(formatDinf(-UNIT * 1_000n)).toBe('-1,000 DINF');
  });

  it('read back what they show, grouping commas included', () => {
    for (const value of [0n, 1n, UNIT * 1_234_567n + 5n, UNIT * 999n]) {
      expect(parseDinf(formatDinf(value).replace(/ DINF$/, ''))).toBe(value);
    }
    expect(() => parseDinf('1,23')).toThrow();
    expect(() => parseDinf(',123')).toThrow();
  });
});

describe('runway', () => {
  const price = 1_000_000_000n; // 1 mDINF per block

  it('is whole blocks of funding, and none for a free offering', () => {
    expect(runwayBlocks(600n * price, price)).toBe(600n);
    expect(runwayBlocks(600n * price + price - 1n, price)).toBe(600n);
    expect(runwayBlocks(123n, 0n)).toBeNull();
  });

  it('reads as a duration of 6 s relay blocks', () => {
    expect(describeRunway(600n)).toBe('600 blocks: about 1 h of running at this price');
    expect(describeRunway(900n)).toBe('900 blocks: about 1 h 30 min of running at this price');
    expect(describeRunway(null)).toBe('free: no funds are spent');
  });

  it('below the minimum runway is refused, at it accepted, free always', () => {
    expect(fundingProblem(599n * price, price, 600)).toBe(
      'a paid subscription needs at least 600 blocks of funds (about 1 h): at least 0.6 DINF at this price',
    );
    expect(fundingProblem(600n * price, price, 600)).toBeNull();
    expect(fundingProblem(0n, 0n, 600)).toBeNull();
    expect(fundingProblem(-1n, price, 600)).toMatch(/negative/);
  });
});

describe('award target', () => {
  const isAddress = (a: string) => a.startsWith('5') && a.length === 48;
  const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  const bob = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

  it('encodes each kind as the runtime enum', () => {
    expect(encodeTarget({ kind: 'any' }, isAddress)).toBe('Any');
    expect(encodeTarget({ kind: 'provider', provider: ` ${alice} ` }, isAddress)).toEqual({
      Provider: alice,
    });
    expect(
      encodeTarget({ kind: 'preferred', providers: [alice, bob, alice, ''] }, isAddress),
    ).toEqual({ Preferred: [alice, bob] });
  });

  it('refuses bad addresses, empty and too long lists', () => {
    expect(() => encodeTarget({ kind: 'provider', provider: 'nobody' }, isAddress)).toThrow(
      /not an account/,
    );
    expect(() => encodeTarget({ kind: 'preferred', providers: [] }, isAddress)).toThrow(
      /at least one/,
    );
    const many = Array.from({ length: MAX_PREFERRED + 1 }, (_, i) => alice.slice(0, -2) + String(i).padStart(2, '0'));
    expect(() => encodeTarget({ kind: 'preferred', providers: many }, isAddress)).toThrow(
      /at most 8/,
    );
  });
});

describe('CID', () => {
  it('names the vm-small schema as the runtime registered it', async () => {
    const schema = readFileSync(new URL('../../schemas/vm-small.json', import.meta.url));
    expect(await rawCid(new Uint8Array(schema))).toBe(
      'bafkreiab6yozse6nw3f7zfckdzp3wfvwjktygduvs4msm35dni2j2dijca',
    );
  });

  it('names a descriptor by its JSON, as OGate fetches it', async () => {
    const bytes = descriptorBytes({ image: 'debian-12' });
    expect(new TextDecoder().decode(bytes)).toBe('{"image":"debian-12"}');
    const cid = await rawCid(bytes);
    expect(cid).toMatch(/^bafkrei[a-z2-7]{52}$/);
    expect(await rawCid(descriptorBytes({ image: 'debian-13' }))).not.toBe(cid);
  });
});

describe('track records', () => {
  const base: TrackRecord = record();

  it('call a provider without awards new', () => {
    expect(describeRecord(base, 100)).toBe('new: no awards yet');
    expect(meanProvisioning(base)).toBeNull();
  });

  it('give the mean time to running from relay blocks of 6 s', () => {
    const record = { ...base, awards: 4, running: 2, provisioningBlocks: 30n };
    expect(meanProvisioning(record)).toBe('about 2 min');
    expect(describeRecord(record, 100)).toBe(
      '2 of 4 awards ran; ready in about 2 min on average; no faults',
    );
  });

  it('name faults, declines, slashes and a probation still on', () => {
    const record = {
      ...base,
      awards: 5,
      running: 1,
      provisioningBlocks: 5n,
      timeouts: 1,
      failures: 2,
      declines: 1,
      slashed: 14_000_000_000_000n,
      probationUntil: 700,
    };
    expect(describeRecord(record, 600)).toBe(
      '1 of 5 awards ran; ready in about 30 s on average; 1 timed out, 2 failed; ' +
        '1 descriptors declined; 14 DINF slashed to subscribers; on probation for 10 more min',
    );
    expect(describeRecord(record, 700)).not.toContain('probation');
  });

  it('decode the chain codec, probation or not', () => {
    const codec = (json: unknown) => ({ toJSON: () => json });
    const decoded = decodeRecord(
      codec({ awards: 3, running: 2, provisioningBlocks: 12, slashed: '0x00000000000000000000000000000064', probationUntil: null }),
    );
    expect(decoded.awards).toBe(3);
    expect(decoded.provisioningBlocks).toBe(12n);
    expect(decoded.slashed).toBe(100n);
    expect(decoded.probationUntil).toBeNull();
  });
});

describe('funding continuity', () => {
  it('says how long a suspension has left, when that is, and what a resume needs', () => {
    const now = new Date(2026, 11, 7, 10, 0);
    expect(suspension(1_100, 1_000, 0n, 1_000_000_000n, 600, now)).toBe(
      'Suspended, funds ran out: its state is kept for 10 min more (ends in 10 min, 10:10); top up at least 0.6 DINF to resume.',
    );
    expect(suspension(1_000, 1_000, 10n, 10n, 1, now)).toBe('Suspended, funds ran out: its grace is ending; top up to resume.');
  });

  it('describes a standing top-up and refuses what the chain would', () => {
    const standing = { sponsor: 'bob', amount: UNIT, minInterval: 10, cap: 5n * UNIT, drawn: 2n * UNIT };
    expect(describeStanding(standing, 'bob')).toBe(
      '1 DINF when funds run low, at most every 1 min; 3 DINF of 5 DINF left; paid by you',
    );
    expect(describeStanding(standing, 'alice', 'Bob\'s company')).toBe(
      '1 DINF when funds run low, at most every 1 min; 3 DINF of 5 DINF left; paid by Bob\'s company',
    );
    expect(describeStanding(null, 'bob')).toBe('none');
    expect(standingProblem(0n, UNIT, 0n)).toContain('add something');
    expect(standingProblem(2n, 1n, 0n)).toContain('at least one top-up');
    expect(standingProblem(1n, 2n, 2n)).toContain('above what was drawn');
    expect(standingProblem(1n, 2n, 1n)).toBeNull();
  });
});
