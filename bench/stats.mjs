// Small statistics over measured samples.

export function median (values) {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Percentiles (e.g. [50, 99]) of a pool of samples, nearest-rank. */
export function percentiles (samples, ps) {
  const sorted = Float64Array.from(samples).sort()
  return ps.map((p) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))])
}

/** Joins several Float64Arrays into one. */
export function pool (arrays) {
  const out = new Float64Array(arrays.reduce((sum, array) => sum + array.length, 0))
  let offset = 0
  for (const array of arrays) {
    out.set(array, offset)
    offset += array.length
  }
  return out
}
