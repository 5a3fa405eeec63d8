/** MongoDBBackend: entries in a MongoDB database through @keyv/mongo and the official driver, expiring by a TTL index. */
import type Keyv from 'keyv'
import type KeyvMongo from '@keyv/mongo'
import type { MongoClientOptions } from 'mongodb'
import { debug } from '../log.js'
import { CacheBackend } from './base.js'
import { expiringStoreOptions, type ExpiringStoreOptions } from './store-options.js'
import { assertInstalled, importOptional } from './load.js'
import { doneOrFailed } from './opening.js'
import { textKeyv } from './text-envelope.js'

/** The connection (`url`), the collection, and any option of the driver's `MongoClient` (`auth`, `tls`, …). */
export type MongoDBBackendOptions = ExpiringStoreOptions & MongoClientOptions & {
  /** The server, e.g. `'mongodb://127.0.0.1:27017'`. Default `'mongodb://127.0.0.1:27017'`. */
  url?: string
  /** The collection responses are kept in. Default `'responses'`. */
  collection?: string
}

/**
 * The largest entry (bytes) a MongoDB document holds: documents are limited to 16 MiB, and an entry is stored as
 * base64 text (4 bytes per 3). Larger responses are not stored (`Cache-Status: …; detail=too-large`).
 */
export const MONGODB_MAX_ENTRY_SIZE = 12_000_000

export class MongoDBBackend extends CacheBackend {
  /** The database the entries are kept in. */
  readonly cacheName: string

  constructor (cacheName = 'http_cache', options: MongoDBBackendOptions = {}) {
    // (MongoDB's own rules for database names.)
    if (typeof cacheName !== 'string' || !/^[^/\\. "$*<>:|?]{1,63}$/.test(cacheName)) {
      throw new TypeError(`MongoDBBackend: cacheName must be a MongoDB database name (up to 63 characters, none of /\\. "$*<>:|?); got ${JSON.stringify(cacheName)}`)
    }
    const { store, rest } = expiringStoreOptions(options, 'MongoDBBackend')
    const { url = 'mongodb://127.0.0.1:27017', collection = 'responses', ...driverOptions } = rest
    if (typeof collection !== 'string' || collection === '' || collection.includes('$')) {
      throw new TypeError(`MongoDBBackend: collection must be a collection name; got ${JSON.stringify(collection)}`)
    }
    assertInstalled('@keyv/mongo', 'MongoDBBackend')
    // The driver waits 30 s for an unreachable server by default; the cache gives up far sooner.
    driverOptions.serverSelectionTimeoutMS ??= 5000
    super(async () => openMongo(url, cacheName, collection, driverOptions), { ...store, maxEntrySize: MONGODB_MAX_ENTRY_SIZE })
    this.cacheName = cacheName
  }
}

/**
 * Connects, creating the indexes (a unique one on the key, a TTL one on the expiry). Rejects when the server cannot
 * be reached: the adapter alone would only emit an error and leave every operation waiting forever.
 */
async function openMongo (url: string, db: string, collection: string, driverOptions: MongoClientOptions): Promise<Keyv> {
  const KeyvMongoClass = await importOptional<typeof KeyvMongo>('@keyv/mongo')
  // (The adapter passes every option it does not know on to the driver.)
  const adapter = new KeyvMongoClass({ url, db, collection, ...driverOptions } as ConstructorParameters<typeof KeyvMongo>[0])
  await doneOrFailed(adapter, adapter.connect)
  adapter.on('error', (error: unknown) => debug('mongodb: %s', error))
  return textKeyv(adapter)
}
