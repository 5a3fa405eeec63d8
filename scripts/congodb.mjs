// CongoDB test server: a MongoDB wire-protocol server in TypeScript (from @push.rocks/smartmongo 2.2.0),
// in memory, for the @keyv/mongo tests. Debian has no mongod and mongodb-memory-server cannot download
// one on this machine, so this stands in for MongoDB. Not real mongod: TTL and unique indexes are not
// enforced, and its speed says nothing about MongoDB's.
//
// Usage: MONGO_PORT=27117 node scripts/congodb.mjs   (scripts/services.sh runs it in the background)

// Deep import: the package's main entry pulls in the dependencies stubbed out by package.json's overrides.
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js'

const port = Number(process.env.MONGO_PORT || 27117)
const server = new CongoServer({ host: '127.0.0.1', port })
await server.start()
console.log(`congodb: listening on 127.0.0.1:${port} (pid ${process.pid})`)

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    server.stop().then(
      () => { console.log(`congodb: stopped (${signal})`); process.exit(0) },
      (error) => { console.error('congodb: stop failed:', error); process.exit(1) }
    )
  })
}
