// Start Bluesky's own server software on loopback (@atproto/dev-env: a PLC directory, a PDS, the AppView and
// the services they need), print one JSON line {"appview", "pds", "plc"} on stdout, and keep running until
// SIGTERM/SIGINT or until stdin closes (so a test that dies takes the network with it).
//
// Needs Node >= 22, DB_POSTGRES_URL (a database this network may create schemas in) and REDIS_HOST (host:port;
// dev-env 0.6.x only checks that it is set). DB_POSTGRES_SCHEMA (optional) prefixes the schemas.
// FOLLOWTUI_REAL_MODULES names the node_modules folder (default: .real/app/node_modules at the repo root).
// Everything but the JSON line goes to stderr.

import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const modules = process.env.FOLLOWTUI_REAL_MODULES || path.join(here, '..', '..', '.real', 'app', 'node_modules')
const stdoutWrite = process.stdout.write.bind(process.stdout)
console.log = console.info = console.error // dev-env prints banners; stdout is for the JSON line only

for (const name of ['DB_POSTGRES_URL', 'REDIS_HOST']) {
  if (!process.env[name]) {
    console.error(`devenv: ${name} is not set`)
    process.exit(2)
  }
}

const require = createRequire(path.join(modules, 'noop.js'))
const { TestNetwork } = await import(pathToFileURL(require.resolve('@atproto/dev-env')).href)

const started = Date.now()
const network = await TestNetwork.create({
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'followtui',
  pds: { hostname: 'localhost' },
})
stdoutWrite(
  JSON.stringify({
    appview: network.bsky.url,
    pds: network.pds.url,
    plc: network.plc.url,
    appview_did: network.bsky.serverDid,
    startup_s: (Date.now() - started) / 1000,
  }) + '\n',
)

let closing = false
async function shutdown(code) {
  if (closing) return
  closing = true
  const timer = setTimeout(() => process.exit(code), 10_000)
  timer.unref()
  try {
    await network.close()
  } catch (err) {
    console.error('devenv: close failed:', err?.message ?? err)
  }
  process.exit(code)
}
process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))
process.stdin.on('end', () => shutdown(0))
process.stdin.on('error', () => shutdown(0))
process.stdin.resume()
