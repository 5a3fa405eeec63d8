import { debuglog } from 'node:util'

/** Debug output, switched on with `NODE_DEBUG=undici-client-cache`. */
export const debug = debuglog('undici-client-cache')
