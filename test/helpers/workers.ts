/** Cache workers (test/fixtures/cache-worker.ts) as child processes: run to their end, or killed mid-run. */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { WorkerLine, WorkerPlan } from '../fixtures/cache-worker.js'

const worker = fileURLToPath(new URL('../fixtures/cache-worker.js', import.meta.url))

export interface WorkerRun {
  lines: WorkerLine[]
  stderr: string
}

/** Runs a worker to its end. */
export async function runWorker (plan: WorkerPlan): Promise<WorkerRun> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [worker, JSON.stringify(plan)], { maxBuffer: 64 * 1024 * 1024 })
  return { lines: stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as WorkerLine), stderr }
}

/**
 * Starts a worker and SIGKILLs it once `killWhen` is true of a line it printed. Resolves, once it has exited, with every
 * line it printed: a line is printed after what it reports is done (stdout is a pipe, written synchronously).
 */
export async function killWorker (plan: WorkerPlan, killWhen: (line: WorkerLine, lines: WorkerLine[]) => boolean): Promise<WorkerRun> {
  const child = spawn(process.execPath, [worker, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'exit')
  const lines: WorkerLine[] = []
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const reading = (async () => {
    for await (const text of createInterface({ input: child.stdout })) {
      const line = JSON.parse(text) as WorkerLine
      lines.push(line)
      if (child.exitCode === null && child.signalCode === null && killWhen(line, lines)) child.kill('SIGKILL')
    }
  })()
  const [code, signal] = await exited as [number | null, NodeJS.Signals | null]
  await reading
  if (signal !== 'SIGKILL') throw new Error(`the worker ended by itself (exit code ${String(code)}) before it was killed:\n${stderr}`)
  return { lines, stderr }
}
