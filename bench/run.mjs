// The benchmark suite: `npm run bench` (node --expose-gc bench/run.mjs [--quick] [--only=hits,misses,…]).
// Progress goes to stderr, the Markdown report to stdout and bench/results/.
import { startOrigin } from './origin.mjs'
import { closeConfig, createHitConfigs } from './configs.mjs'
import { runHits } from './hits.mjs'
import { runMisses } from './misses.mjs'
import { runWrites } from './writes.mjs'
import { runMemory } from './memory.mjs'
import { runScale } from './scale.mjs'
import { writeReport } from './report.mjs'
import { machine } from './machine.mjs'
import { loadavg } from 'node:os'

const SECTIONS = ['hits', 'misses', 'writes', 'memory', 'scale']

function parseArgs (argv) {
  const args = { quick: false, only: SECTIONS }
  for (const arg of argv) {
    if (arg === '--quick') args.quick = true
    else if (arg.startsWith('--only=')) args.only = arg.slice('--only='.length).split(',').filter(Boolean)
    else throw new Error(`unknown argument ${arg}; use --quick and --only=${SECTIONS.join(',')}`)
  }
  const unknown = args.only.filter((name) => !SECTIONS.includes(name))
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`)
  return args
}

/** How long and how big each section runs: the full run fits in 8 minutes on 2 cores; --quick in about one. */
const PARAMS = {
  full: { rounds: 6, targetMs: 200, missRounds: 5, writeRounds: 3, sequentialWrites: 1000, concurrentWrites: 2000, memoryEntries: 10_000, scaleSizes: [1_000, 100_000, 1_000_000], scaleRuns: 5 },
  quick: { rounds: 2, targetMs: 50, missRounds: 2, writeRounds: 1, sequentialWrites: 200, concurrentWrites: 500, memoryEntries: 2_000, scaleSizes: [1_000, 10_000], scaleRuns: 2 }
}

const args = parseArgs(process.argv.slice(2))
const params = PARAMS[args.quick ? 'quick' : 'full']
const began = Date.now()
const elapsed = () => `${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s`
const warnings = []
const ctx = {
  params,
  quick: args.quick,
  log: (message) => process.stderr.write(`[${elapsed()}] ${message}\n`),
  warn: (message) => {
    warnings.push(message)
    process.stderr.write(`[${elapsed()}] WARNING: ${message}\n`)
  }
}
if (typeof globalThis.gc !== 'function') ctx.warn('run with node --expose-gc: without it no GC runs between cells, and the memory figures need it')

const origin = await startOrigin()
ctx.origin = origin
ctx.log(`origin at ${origin.url}; sections: ${args.only.join(', ')}${args.quick ? ' (quick)' : ''}`)
const results = { machine: machine(), quick: args.quick, full: !args.quick && SECTIONS.every((name) => args.only.includes(name)), params, sections: args.only }
try {
  if (args.only.includes('hits')) {
    const { configs, skipped } = await createHitConfigs()
    for (const { name, reason } of skipped) ctx.log(`skipping ${name}: ${reason}`)
    try {
      results.hits = { ...await runHits({ ...ctx, configs, rounds: params.rounds, targetMs: params.targetMs }), skipped }
    } finally {
      for (const config of configs) await closeConfig(config)
    }
  }
  if (args.only.includes('misses')) results.misses = await runMisses(ctx)
  if (args.only.includes('writes')) results.writes = await runWrites(ctx)
  if (args.only.includes('memory')) results.memory = await runMemory(ctx)
  if (args.only.includes('scale')) results.scale = await runScale(ctx)
} finally {
  await origin.close()
}
results.warnings = warnings
results.seconds = (Date.now() - began) / 1000
results.loadAverageEnd = loadavg()
ctx.log('writing the report')
process.stdout.write(await writeReport(results))
ctx.log(`done in ${results.seconds.toFixed(0)} s`)
