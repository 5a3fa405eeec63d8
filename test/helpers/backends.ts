/** The backends every behaviour test runs on, each made fresh in its own temporary directory. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBackend, SQLiteBackend, type CacheBackend } from 'undici-client-cache'

export interface BackendCase {
  name: string
  make (): CacheBackend
}

export function tempDir (): string {
  return mkdtempSync(join(tmpdir(), 'ucc-test-'))
}

export const backendCases: BackendCase[] = [
  { name: 'memory', make: () => new MemoryBackend() },
  { name: 'sqlite', make: () => new SQLiteBackend(join(tempDir(), 'cache')) }
]
