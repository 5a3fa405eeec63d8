/**
 * How property-based tests run: a bounded number of cases by default (CI runs the suite twice), more with
 * `UCC_FUZZ_RUNS=<n>` (every property then runs n cases), one failure replayed with `UCC_FUZZ_SEED=<seed>` (and
 * `UCC_FUZZ_PATH=<path>`), both printed by fast-check when a property fails.
 */
import fc from 'fast-check'

function fromEnv (name: string): number | undefined {
  const text = process.env[name]
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer; got ${JSON.stringify(text)}`)
  return value
}

/** The parameters of `fc.assert` for a property that runs `runs` cases by default. */
export function fuzzRuns<Ts> (runs: number): fc.Parameters<Ts> {
  const seed = fromEnv('UCC_FUZZ_SEED')
  const path = process.env.UCC_FUZZ_PATH
  return {
    numRuns: fromEnv('UCC_FUZZ_RUNS') ?? runs,
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path })
  }
}

/** The default for properties over pure functions: cheap, so many cases. */
export const PURE_RUNS = 300

/** The default for properties that send requests through a cache to an origin on 127.0.0.1. */
export const HTTP_RUNS = 25
