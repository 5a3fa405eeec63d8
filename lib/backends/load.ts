/** Loading a backend's optional store package only when that backend is used, with a clear error when it is missing. */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** Throws at construction, naming the package to install, when `pkg` cannot be found. */
export function assertInstalled (pkg: string, backend: string): void {
  try {
    require.resolve(pkg)
  } catch {
    throw new Error(`${backend} needs the package "${pkg}", which is not installed: run \`npm install ${pkg}\``)
  }
}

/** Imports an optional package (its default export, or the module). */
export async function importOptional<T> (pkg: string): Promise<T> {
  const module = await import(pkg) as { default?: T } & T
  return module.default ?? module
}
