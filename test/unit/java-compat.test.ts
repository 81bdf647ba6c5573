// What kafkalite's tools print through Java's formats (cli/java-compat.ts): the values come from the JDK 17 itself.
import {describe, expect, it} from 'vitest'
import {javaFixed, javaMapString, parseInt32, parseLong, SplittableRandom} from '../../src/cli/java-compat.js'

describe('SplittableRandom', () => {
  it("draws the JDK's numbers for a seed (new SplittableRandom(seed).nextInt(bound))", () => {
    const letters = (seed: number, n: number) => {
      const r = new SplittableRandom(seed)
      return Array.from({length: n}, () => String.fromCharCode(r.nextIntBelow(26) + 65)).join('')
    }
    expect(letters(0, 64)).toBe('YQHHNEBSEPDNSEIFGAMSUJXKOLTXSPLGHDIOYZJFNIDSPWHZMKVJAXDBZFCOXYKY')
    expect(letters(42, 64)).toBe('VOJSBTMPQELBVSGBKNMSCJCZUBQSXALADDJNIGDZVROUCJZHIIZOXQRAOHDZIFXT')
    const r = new SplittableRandom(0)
    expect(Array.from({length: 10}, () => r.nextIntBelow(1000))).toEqual([
      678, 396, 37, 793, 789, 786, 207, 864, 718, 929,
    ])
    // fill: the same numbers as a call per byte, and the generator goes on from where it stopped.
    const filled = new SplittableRandom(0)
    const first = Buffer.alloc(40)
    const rest = Buffer.alloc(24)
    filled.fill(first, 26, 65)
    filled.fill(rest, 26, 65)
    expect(Buffer.concat([first, rest]).toString()).toBe(letters(0, 64))
    const powers = new SplittableRandom(7)
    const bytes = new Uint8Array(16)
    powers.fill(bytes, 16, 0)
    const one = new SplittableRandom(7)
    expect([...bytes]).toEqual(Array.from({length: 16}, () => one.nextIntBelow(16)))
    // More than the WebAssembly loop's one page at a time.
    const big = Buffer.alloc(70_000)
    new SplittableRandom(3).fill(big, 26, 65)
    const byCalls = new SplittableRandom(3)
    expect(big.equals(Buffer.from(Array.from({length: 70_000}, () => byCalls.nextIntBelow(26) + 65)))).toBe(true)
  })
})

describe('javaFixed', () => {
  it("rounds HALF_UP on the shortest decimal form, as Java's %.Nf does", () => {
    expect(javaFixed(1.005, 2)).toBe('1.01') // toFixed gives 1.00: 1.005 is 1.00499999... in binary
    expect(javaFixed(0.125, 2)).toBe('0.13')
    expect(javaFixed(12345.6789, 1)).toBe('12345.7')
    expect(javaFixed(9.9999, 2)).toBe('10.00')
    expect(javaFixed(0, 4)).toBe('0.0000')
    expect(javaFixed(1e-7, 4)).toBe('0.0000')
    expect(javaFixed(2.5e21, 1)).toBe('2500000000000000000000.0')
    expect(javaFixed(49975, 6)).toBe('49975.000000')
    expect(javaFixed(-0.00001, 2)).toBe('0.00')
    expect(javaFixed(-1.25, 1)).toBe('-1.3')
    expect(javaFixed(Number.NaN, 4)).toBe('NaN')
    expect(javaFixed(Number.POSITIVE_INFINITY, 4)).toBe('Infinity')
  })
})

describe('javaMapString and option values', () => {
  it("prints a map as Java's AbstractMap.toString and reads long and int options", () => {
    expect(javaMapString({'client-id': 'a', topic: 't'})).toBe('{client-id=a, topic=t}')
    expect(javaMapString({})).toBe('{}')
    expect(parseLong('--n', '-12')).toBe(-12)
    expect(() => parseLong('--n', '1.5')).toThrow("Invalid --n '1.5': an integer is required.")
    expect(() => parseInt32('--n', '2147483648')).toThrow(/from -2147483648 to 2147483647/)
  })
})
