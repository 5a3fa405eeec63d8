/** DynamoDBBackend: entries in a DynamoDB table through @keyv/dynamo, created when missing, expiring by DynamoDB TTL. */
import { setTimeout as delay } from 'node:timers/promises'
import type Keyv from 'keyv'
import type { KeyvDynamo } from '@keyv/dynamo'
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { debug } from '../log.js'
import { CacheBackend } from './base.js'
import { expiringStoreOptions, type ExpiringStoreOptions } from './store-options.js'
import { assertInstalled } from './load.js'
import { doneOrFailed } from './opening.js'
import { deserialize, textKeyv } from './text-envelope.js'

/** Any option of the AWS SDK's `DynamoDBClient`: `region`, `endpoint`, `credentials`, `maxAttempts`, … */
export type DynamoDBBackendOptions = ExpiringStoreOptions & DynamoDBClientConfig

/**
 * The largest entry (bytes) a DynamoDB item holds: items are limited to 400 KB, and an entry is stored as base64
 * text (4 bytes per 3) beside its key and expiry. Larger responses are not stored (`Cache-Status: …; detail=too-large`).
 */
export const DYNAMODB_MAX_ENTRY_SIZE = 306_000

/** How long a new table may take to become active. */
const TABLE_WAIT_MS = 60_000

/** How many keys one BatchWriteItem request may delete. */
const BATCH_SIZE = 25

type Item = Record<string, unknown>
/** The adapter with what the backend adds: a paginated scan. */
type ResponsesTable = KeyvDynamo & { items (): AsyncIterable<Item> }

export class DynamoDBBackend extends CacheBackend {
  /** The table the entries are kept in. */
  readonly cacheName: string

  constructor (cacheName = 'http_cache', options: DynamoDBBackendOptions = {}) {
    if (typeof cacheName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(cacheName)) {
      throw new TypeError(`DynamoDBBackend: cacheName must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -); got ${JSON.stringify(cacheName)}`)
    }
    assertInstalled('@keyv/dynamo', 'DynamoDBBackend')
    assertInstalled('@aws-sdk/client-dynamodb', 'DynamoDBBackend')
    const { store, rest: clientConfig } = expiringStoreOptions(options, 'DynamoDBBackend')
    const timeout = store.timeout ?? 2000
    // The SDK waits for ever on a server that accepts a connection and never answers, keeping a socket per request
    // (50 at most, then requests queue): a request that gets no data for as long as a read may take is abandoned.
    if (timeout !== Infinity) clientConfig.requestHandler ??= { connectionTimeout: timeout, socketTimeout: timeout }
    super(async () => openTable(cacheName, clientConfig), { ...store, maxEntrySize: DYNAMODB_MAX_ENTRY_SIZE })
    this.cacheName = cacheName
  }

  /** Scans the table page by page (the adapter has no iterator). */
  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    const table = (await this.keyv).store as ResponsesTable
    for await (const item of table.items()) {
      if (typeof item.id === 'string' && typeof item.value === 'string') yield [item.id, deserialize(item.value).value]
    }
  }
}

/** Opens the table, creating it when missing; rejects when DynamoDB cannot be reached (the backend retries later). */
async function openTable (tableName: string, config: DynamoDBClientConfig): Promise<Keyv> {
  const { KeyvDynamo: Adapter } = await import('@keyv/dynamo')
  const sdk = await import('@aws-sdk/client-dynamodb')

  /** @keyv/dynamo with the gaps filled: no six-hour expiry, a clear() past 25 keys, a table without TTL support. */
  class Table extends Adapter {
    override async set (key: string, value: unknown, ttl?: number): Promise<void> {
      await this.ready()
      // The adapter gives an entry without expiry six hours; here it keeps no expiry at all.
      const expiry = ttl === undefined ? {} : { expiresAt: Math.ceil((Date.now() + ttl) / 1000) }
      await this.client.put({ TableName: tableName, Item: { id: key, value, ...expiry } })
    }

    /** Deletes every item, a page of the scan at a time, in batches of 25, retrying what DynamoDB left unprocessed. */
    override async clear (): Promise<void> {
      let batch: string[] = []
      for await (const item of this.items()) {
        batch.push(String(item.id))
        if (batch.length === BATCH_SIZE) batch = await this.deleteBatch(batch)
      }
      while (batch.length > 0) batch = await this.deleteBatch(batch)
    }

    /** Deletes up to 25 keys; returns the keys left unprocessed. */
    async deleteBatch (keys: string[]): Promise<string[]> {
      const { UnprocessedItems } = await this.client.batchWrite({ RequestItems: { [tableName]: keys.map((id) => ({ DeleteRequest: { Key: { id } } })) } })
      return (UnprocessedItems?.[tableName] ?? []).map((request) => String(request.DeleteRequest?.Key?.id))
    }

    async * items (): AsyncIterable<Item> {
      await this.ready()
      let start: Item | undefined
      do {
        const page = await this.client.scan({ TableName: tableName, ExclusiveStartKey: start })
        yield * page.Items ?? []
        start = page.LastEvaluatedKey
      } while (start !== undefined)
    }

    /**
     * Creates the table when missing and waits until it is active, polling every quarter second (the SDK's waiter,
     * which the adapter uses, sleeps 20 s between polls). A server without TTL support (or a role without the right
     * to enable it) still gives a usable table.
     */
    override async ensureTable (name: string): Promise<void> {
      const status = async (): Promise<string | undefined> => (await this.client.send(new sdk.DescribeTableCommand({ TableName: name }))).Table?.TableStatus
      const untilActive = async (): Promise<void> => {
        for (let waited = 0; (await status()) !== 'ACTIVE'; waited += 250) {
          if (waited >= TABLE_WAIT_MS) throw new Error(`DynamoDB table ${name} is not active after ${TABLE_WAIT_MS / 1000} s`)
          await delay(250)
        }
      }
      const missing = await status().then(() => false, (error: unknown) => {
        if (error instanceof sdk.ResourceNotFoundException) return true
        throw error
      })
      if (!missing) return untilActive()
      await this.client.send(new sdk.CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST'
      })).catch((error: unknown) => { if (!(error instanceof sdk.ResourceInUseException)) throw error })
      await untilActive()
      await this.client.send(new sdk.UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }))
        .catch((error: unknown) => debug('dynamodb: table %s has no TTL (%s): expired entries stay until deleteExpired()', name, error))
    }

    /** Called by `close()`: releases the client's connections. */
    async disconnect (): Promise<void> {
      this.client.destroy()
    }

    async ready (): Promise<void> {
      await (this as unknown as { tableReady: Promise<void> }).tableReady
    }
  }

  const table = new Table({ ...config, tableName })
  try {
    await doneOrFailed(table, table.ready())
  } catch (error) {
    table.client.destroy()
    throw error
  }
  table.on('error', (error: unknown) => debug('dynamodb: %s', error))
  return textKeyv(table)
}
