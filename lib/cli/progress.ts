/** Progress of a long deletion, on stderr: one line rewritten in place on a terminal, a line every 10% otherwise. */
import type { Output } from './io.js'

export interface Progress {
  deleted: number
  total: number
}

export interface ProgressReporter {
  update (progress: Progress): void
  /** Ends the progress line, if one was shown. */
  end (): void
}

/** Deletions of up to this many entries show no progress: they are over at once. */
export const QUIET_UP_TO = 20

/** Reports `label: 40% (24/60)` on `stream`, for deletions of more than {@link QUIET_UP_TO} entries. */
export function progressReporter (stream: Output, label: string): ProgressReporter {
  const tty = stream.isTTY === true
  // On a terminal: every whole percent; otherwise every tenth.
  const step = tty ? 1 : 10
  let shown = -1
  return {
    update ({ deleted, total }) {
      if (total <= QUIET_UP_TO) return
      const percent = Math.min(100, Math.floor((deleted / total) * 100))
      const reached = percent - (percent % step)
      if (reached <= shown || (reached === 0 && !tty)) return
      shown = reached
      const text = `${label}: ${percent}% (${deleted}/${total})`
      stream.write(tty ? `\r${text}` : `${text}\n`)
    },
    end () {
      if (tty && shown >= 0) stream.write('\n')
    }
  }
}
