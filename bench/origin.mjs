// Starts the origin (origin-server.mjs) in a child process and talks to it over IPC.
import { fork } from 'node:child_process'
import { once } from 'node:events'

/** @returns {Promise<{ url: string, count: () => Promise<number>, close: () => Promise<void> }>} */
export async function startOrigin () {
  const child = fork(new URL('./origin-server.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
  const [message] = await once(child, 'message')
  if (message.type !== 'port') throw new Error(`origin: unexpected first message ${JSON.stringify(message)}`)
  const pending = new Map()
  let nextId = 0
  child.on('message', (reply) => {
    if (reply.type !== 'count') return
    pending.get(reply.id)?.(reply.count)
    pending.delete(reply.id)
  })
  return {
    url: `http://127.0.0.1:${message.port}`,
    /** How many requests the origin has answered so far. */
    count: () => new Promise((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      child.send({ type: 'count', id })
    }),
    async close () {
      const exited = once(child, 'exit')
      child.disconnect()
      await exited
    }
  }
}
