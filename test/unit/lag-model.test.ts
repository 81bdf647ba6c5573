import {describe, expect, it} from 'vitest'
import {
  buildModel,
  consumeRate,
  groupStatus,
  lagSeconds,
  lagSkew,
  lagTrend,
  partitionStatus,
  produceRate,
  type CommitSample,
} from '../../src/lag/model.js'

describe('lag in seconds (interpolation into the log-end history)', () => {
  // The log end was 100 at t=10 s, 200 at t=20 s, 400 at t=30 s.
  const samples = [
    [10_000, 100],
    [20_000, 200],
    [30_000, 400],
  ] as const

  it('interpolates between the two samples around the committed offset', () => {
    // Offset 150 was reached halfway between 10 s and 20 s: at 15 s; now is 40 s, so 25 s behind.
    expect(lagSeconds(150, 400, samples, 40_000)).toBe(25)
    // Offset 300: half of the way from 200 (20 s) to 400 (30 s): reached at 25 s, 15 s behind.
    expect(lagSeconds(300, 400, samples, 40_000)).toBe(15)
    // The record at offset 200 was appended after the 200 sample (20 s) and by the 400 one: at 20 s exactly.
    expect(lagSeconds(200, 400, samples, 40_000)).toBe(20)
  })

  it('extrapolates before the oldest sample at the rate of the oldest two', () => {
    // 10 records/s between the first two samples: offset 50 was reached 5 s before 10 s, at 5 s.
    expect(lagSeconds(50, 400, samples, 40_000)).toBe(35)
  })

  it('is 0 when caught up, and bounded by the newest sample past the history', () => {
    expect(lagSeconds(400, 400, samples, 40_000)).toBe(0)
    expect(lagSeconds(450, 500, samples, 40_000)).toBe(10)
  })

  it('is unknown without history (records written before the daemon kept one)', () => {
    expect(lagSeconds(10, 20, [], 40_000)).toBeNull()
    expect(lagSeconds(20, 20, [], 40_000)).toBe(0)
  })
})

describe('rates', () => {
  it('measures production over the last minute up to now', () => {
    expect(
      produceRate(
        [
          [0, 0],
          [30_000, 300],
        ],
        600,
        60_000,
      ),
    ).toBe(10)
    expect(produceRate([], 600, 60_000)).toBe(0)
  })

  it('measures consumption from the commits of the last minute', () => {
    expect(
      consumeRate(
        [
          [0, 0, 10],
          [10_000, 100, 120],
        ],
        20_000,
      ),
    ).toBe(5)
    expect(consumeRate([[0, 0, 10]], 20_000)).toBe(0)
  })
})

describe('lag skew', () => {
  it("is kafkatop's PAR (max over mean) and Cv (standard deviation over mean)", () => {
    // Lags 10, 20, 30, 40: mean 25, max 40 (PAR 1.6), variance (225 + 25 + 25 + 225) / 4 = 125, Cv √125 / 25.
    expect(lagSkew([10, 20, 30, 40])).toEqual({par: 1.6, cv: 0.447})
    // Even lag, and all of it on one partition of four.
    expect(lagSkew([5, 5, 5, 5])).toEqual({par: 1, cv: 0})
    expect(lagSkew([0, 0, 0, 8])).toEqual({par: 4, cv: 1.732})
    expect(lagSkew([0, 0])).toBeNull()
    expect(lagSkew([7])).toBeNull()
  })
})

describe("Burrow's status rules", () => {
  // [time, committed, log end at that commit]
  const window = (rows: [number, number, number][]): CommitSample[] => rows

  it('is OK when caught up, whatever the window', () => {
    expect(
      partitionStatus(
        window([
          [0, 10, 20],
          [1000, 10, 30],
        ]),
        0,
        2000,
      ),
    ).toBe('OK')
  })

  it('is STOP when the consumer has not committed for longer than its window spans', () => {
    // Commits span 0-4 s; at 10 s the last commit is 6 s old.
    expect(
      partitionStatus(
        window([
          [0, 10, 20],
          [2000, 20, 30],
          [4000, 30, 40],
        ]),
        10,
        10_000,
      ),
    ).toBe('STOP')
  })

  it("is not STOP yet when the consumer was caught up within its window (Burrow's recent zero lag)", () => {
    // Commits span 0-4 s, the last one 6 s ago; the log passed the committed offset 3 s ago: a burst the consumer
    // has not had time for. 5 s ago would be longer than its window spans: stopped.
    const commits = window([
      [0, 10, 20],
      [2000, 20, 30],
      [4000, 30, 40],
    ])
    expect(partitionStatus(commits, 10, 10_000, 3)).toBe('WARN')
    expect(partitionStatus(commits, 10, 10_000, 5)).toBe('STOP')
  })

  it('is not REWIND once the offsets came back to where they were before going back', () => {
    expect(
      partitionStatus(
        window([
          [0, 50, 60],
          [1000, 40, 70],
          [2000, 55, 80],
        ]),
        25,
        2500,
      ),
    ).toBe('OK')
  })

  it('is REWIND when a committed offset went back', () => {
    expect(
      partitionStatus(
        window([
          [0, 50, 60],
          [1000, 40, 70],
          [2000, 45, 80],
        ]),
        35,
        2500,
      ),
    ).toBe('REWIND')
  })

  it('is STALL when the offsets do not move while there is lag', () => {
    expect(
      partitionStatus(
        window([
          [0, 10, 20],
          [1000, 10, 25],
          [2000, 10, 30],
        ]),
        20,
        2500,
      ),
    ).toBe('STALL')
  })

  it('is WARN when the lag never decreases (a consumer falling behind)', () => {
    expect(
      partitionStatus(
        window([
          [0, 10, 20],
          [1000, 20, 35],
          [2000, 30, 50],
        ]),
        20,
        2500,
      ),
    ).toBe('WARN')
  })

  it('is OK for a consumer that lags but catches up, and when the lag was zero in the window', () => {
    expect(
      partitionStatus(
        window([
          [0, 10, 40],
          [1000, 30, 45],
          [2000, 45, 50],
        ]),
        5,
        2500,
      ),
    ).toBe('OK')
    expect(
      partitionStatus(
        window([
          [0, 20, 20],
          [1000, 25, 30],
          [2000, 30, 40],
        ]),
        10,
        2500,
      ),
    ).toBe('OK')
  })

  it('rolls partitions up into the group status', () => {
    expect(groupStatus(['OK', 'OK'])).toBe('OK')
    expect(groupStatus(['OK', 'WARN'])).toBe('WARN')
    expect(groupStatus(['WARN', 'STALL'])).toBe('ERR')
    expect(groupStatus(['STOP'])).toBe('ERR')
    expect(groupStatus(['REWIND', 'OK'])).toBe('ERR')
  })
})

describe('the group model', () => {
  const snapshot = {
    now: 60_000,
    groups: [
      {
        groupId: 'billing',
        state: 'Stable' as const,
        protocol: 'range',
        members: [{memberId: 'm1', clientId: 'c1', clientHost: '/localhost', assignment: [{topic: 't', partition: 0}]}],
        offsets: [
          {
            topic: 't',
            partition: 0,
            committed: 100,
            commitTimestamp: 50_000,
            commits: [
              [30_000, 40, 100],
              [40_000, 70, 140],
              [50_000, 100, 190],
            ] as [number, number, number][],
          },
          {topic: 't', partition: 1, committed: 10, commitTimestamp: 50_000, commits: [] as [number, number, number][]},
        ],
      },
    ],
    partitions: [
      {
        topic: 't',
        partition: 0,
        logStart: 0,
        logEnd: 200,
        samples: [
          [0, 0],
          [20_000, 100],
          [40_000, 140],
          [60_000, 200],
        ] as [number, number][],
      },
      {topic: 't', partition: 1, logStart: 0, logEnd: 10, samples: [] as [number, number][]},
    ],
  }

  it('computes lag, owners, rates, ETA and status', () => {
    const [g] = buildModel(snapshot)
    expect(g).toMatchObject({groupId: 'billing', members: 1, assignor: 'range', totalLag: 100, status: 'WARN'})
    expect(g!.maxLag).toEqual({topic: 't', partition: 0, lag: 100})
    // Offset 100 was reached at 20 s: 40 s behind.
    expect(g!.lagSeconds).toBe(40)
    const [p0, p1] = g!.partitions
    expect(p0).toMatchObject({committed: 100, lag: 100, status: 'WARN', owner: {clientId: 'c1'}, trend: [60, 70, 90]})
    expect(p1).toMatchObject({committed: 10, lag: 0, lagSeconds: 0, owner: null, status: 'OK'})
    // Commits of the last minute went from 40 (at 30 s) to 100: 60 records in the 30 s up to now (60 s).
    expect(p0!.consumeRate).toBe(2)
    expect(p0!.produceRate).toBe(3.333) // 200 / 60, to a thousandth
    expect(g!.eta).toBeNull() // producing faster than consuming
    expect(g!.trend).toHaveLength(20)
    expect(g!.trend.at(-1)).toBe(100)
  })

  it('traces the total lag over the kept history', () => {
    const trend = lagTrend(
      [
        {
          samples: [
            [0, 0],
            [10_000, 50],
          ],
          commits: [
            [0, 0, 0],
            [10_000, 10, 50],
          ],
          logEnd: 50,
          committed: 10,
        },
      ],
      10_000,
    )
    expect(trend[0]).toBe(0)
    expect(trend.at(-1)).toBe(40)
  })
})
