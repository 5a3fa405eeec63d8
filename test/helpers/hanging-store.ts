/** A Keyv store adapter over a Map that can be made to hang: while it hangs, no operation ever settles. */
export interface HangingStore {
  /** The adapter, for `new Keyv(store)`. */
  store: Map<string, unknown>
  /** Whether operations hang (true at first). */
  hung: boolean
  /** How many reads were asked of it. */
  reads: number
}

export function hangingStore (): HangingStore {
  const map = new Map<string, unknown>()
  const never = new Promise<never>(() => {})
  const state: HangingStore = {
    hung: true,
    reads: 0,
    store: {
      get: async (key: string) => { state.reads++; return state.hung ? never : map.get(key) },
      set: async (key: string, value: unknown) => { if (state.hung) return never; map.set(key, value) },
      delete: async (key: string) => state.hung ? never : map.delete(key),
      clear: async () => state.hung ? never : map.clear()
    } as unknown as Map<string, unknown>
  }
  return state
}
