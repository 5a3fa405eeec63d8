// The project's performance targets, judged from this run's figures. A target whose figures were not measured in
// this run (a section left out, a configuration skipped, a --quick run) is shown as not judged, never as passed.

const HIT_COLUMNS = [['1k', 'sequential'], ['1k', 'concurrent'], ['100k', 'sequential'], ['100k', 'concurrent']]

function hitCell (hits, configId, client, size, mode, field) {
  return hits?.results[configId]?.[`${client}/${size}/${mode}`]?.[field]
}

/** A judged figure: `{ value, pass }`; pass is null when the value is missing. */
const judge = (value, ok) => ({ value, pass: typeof value === 'number' && Number.isFinite(value) ? ok(value) : null })

/** Hit targets: one row per target, one cell per size × mode, for a client. */
export function hitTargets (hits, client = 'request') {
  const rows = [
    { target: 'ours (memory) ≥ 2× undici built-in (memory)', config: 'ours-memory', field: 'vsBuiltin', ok: (v) => v >= 2 },
    { target: 'ours (memory) ≥ 0.8× ideal', config: 'ours-memory', field: 'vsIdeal', ok: (v) => v >= 0.8 },
    { target: 'ours (SQLite) ≥ 2× plain Agent', config: 'ours-sqlite', field: 'vsPlain', ok: (v) => v >= 2 },
    { target: 'ours (SQLite + memory layer) ≥ 2× plain Agent', config: 'ours-sqlite-ml', field: 'vsPlain', ok: (v) => v >= 2 }
  ]
  return rows.map(({ target, config, field, ok }) => ({
    target,
    cells: HIT_COLUMNS.map(([size, mode]) => judge(hitCell(hits, config, client, size, mode, field), ok))
  }))
}

export { HIT_COLUMNS }

/** The other targets: `{ target, measured, pass }` rows (measured is text). */
export function otherTargets ({ misses, writes, memory, scale, params }, format) {
  const rows = []
  const NOT_RUN = 'not run'
  for (const mode of ['sequential', 'concurrent']) {
    const r = judge(misses?.results['ours-memory']?.[mode]?.vsPlain, (v) => v >= 0.9)
    rows.push({ target: `miss path ≥ 0.9× plain Agent: ours (memory), ${format.mode(mode)}`, measured: misses ? format.ratio(r.value) : NOT_RUN, pass: r.pass })
  }
  const conc = judge(writes?.sqlite?.concurrent?.rate, (v) => v >= 5000)
  rows.push({ target: `SQLite writes ≥ 5,000 entries/s of 1 KiB, ${format.count(params.concurrentWrites)} concurrent (judged)`, measured: writes ? `${format.rate(conc.value)}/s` : NOT_RUN, pass: conc.pass })
  rows.push({ target: 'SQLite writes, sequential (shown, not judged)', measured: writes ? `${format.rate(writes.sqlite?.sequential?.rate)}/s` : NOT_RUN, pass: null })
  const ours = memory?.['ours-memory']
  const mem = judge(ours?.ratio, (v) => v <= 1.5)
  rows.push({ target: 'memory per 1 KiB entry ≤ 1.5× its payload: ours (memory)', measured: ours ? `${format.bytes(ours.perEntry)} = ${format.ratio(mem.value)}` : NOT_RUN, pass: mem.pass })
  for (const [id, name] of [['ours-memory', 'ours (memory)'], ['ours-sqlite', 'ours (SQLite)']]) {
    const s = scale?.[id]
    const first = s?.sizes[0]
    const last = s?.sizes.at(-1)
    const r = judge(s?.p50Ratio, (v) => v <= 1.5)
    const full = last?.entries === 1_000_000
    rows.push({
      target: `flat hit cost: ${name}, p50 at 1M entries ≤ 1.5× p50 at 1k`,
      measured: s === undefined ? NOT_RUN : `${format.ratio(r.value)} (${format.micros(first.p50)} → ${format.micros(last.p50)}${full ? '' : `; measured only up to ${format.count(last.entries)} entries`})`,
      pass: full ? r.pass : null
    })
  }
  return rows
}
