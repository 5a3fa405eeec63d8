/**
 * A hit replayed to a handler that drives its controller (as undici's own consumers do): pausing holds back the body
 * until resumed, an abort ends the replay with onResponseError and nothing after it, and the end follows the body.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Dispatcher } from 'undici'
import { viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'

type Controller = Dispatcher.DispatchController

/** Dispatches a GET through `dispatcher` with a handler that logs each event and lets `on` act on it. */
function replayed (dispatcher: Dispatcher, url: string, on: (event: string, controller: Controller) => void): { events: string[], done: Promise<void> } {
  const events: string[] = []
  let finish!: () => void
  const done = new Promise<void>((resolve) => { finish = resolve })
  const { origin, pathname, search } = new URL(url)
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: (controller) => { events.push('request-start'); on('request-start', controller) },
    onResponseStart: (controller) => { events.push('response-start'); on('response-start', controller) },
    onResponseData: (controller, chunk) => { events.push(`data ${chunk.length}`); on('data', controller) },
    onResponseEnd: () => { events.push('end'); finish() },
    onResponseError: (_controller, error) => { events.push(`error ${error.message}`); finish() }
  }
  dispatcher.dispatch({ origin, path: pathname + search, method: 'GET', headers: {} }, handler)
  return { events, done }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

test('a paused consumer gets the body of a hit only once it resumes; the end follows the body', async (t) => {
  const { origin, dispatcher } = await setup(t)
  const url = `${origin.url}/paused?size=5000`
  await viaRequest.send(url, { dispatcher })
  let paused: Controller | undefined
  const { events, done } = replayed(dispatcher, url, (event, controller) => {
    if (event === 'response-start') {
      controller.pause()
      paused = controller
    }
    if (event === 'data') controller.pause()
  })
  await tick()
  assert.deepEqual(events, ['request-start', 'response-start'], 'no body while paused')
  paused!.resume()
  await done
  assert.deepEqual(events, ['request-start', 'response-start', 'data 5000', 'end'])
  assert.equal(origin.count(), 1)
})

test('aborting a paused hit ends it with onResponseError, and nothing follows', async (t) => {
  const { origin, dispatcher } = await setup(t)
  const url = `${origin.url}/aborted`
  await viaRequest.send(url, { dispatcher })
  const { events, done } = replayed(dispatcher, url, (event, controller) => {
    if (event !== 'response-start') return
    controller.pause()
    setTimeout(() => controller.abort(new Error('gave up')), 10)
  })
  await done
  await tick()
  assert.deepEqual(events, ['request-start', 'response-start', 'error gave up'])
})
