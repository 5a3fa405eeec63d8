/**
 * The undici the tests run against: the `undici` package (7.x) by default, or the package named by
 * UNDICI_PACKAGE (CI sets `undici8`, an alias of undici 8, on Node 22).
 */
import { readFileSync } from 'node:fs'
import type * as Undici from 'undici'

const name = process.env.UNDICI_PACKAGE ?? 'undici'
const undici = await import(name) as typeof Undici

export const { Agent, Client, Pool, request, fetch, stream, pipeline, setGlobalDispatcher, getGlobalDispatcher, interceptors } = undici
/** The major version under test. */
export const undiciMajor = Number(
  (JSON.parse(readFileSync(new URL(`../../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version.split('.')[0]
)
