import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { compile, RegoCompileError } from '@mandate/rego';
import { pack } from 'tar-stream';
import { CliUsageError, type CliCommand, type CliContext } from '../cli-command';
import { loadPolicyDir, printCompileErrors } from './policy-test.command';

/** The `.manifest` of an OPA bundle with a Wasm module, as `opa build -t wasm` writes it. */
export interface BundleManifest {
  revision: string;
  roots: string[];
  wasm: { entrypoint: string; module: string }[];
}

/** `data.mandate.decision`, `data/mandate/decision`, `mandate.decision` or `/mandate/decision` → `mandate/decision`. */
function normaliseEntrypoint(raw: string): string {
  let e = raw.trim();
  if (!e.includes('/')) e = e.replace(/\./g, '/');
  e = e.replace(/^\/+/, '').replace(/^data\//, '');
  if (e === '' || e.split('/').some((s) => s === '')) throw new CliUsageError(`invalid entrypoint "${raw}"`);
  return e;
}

/**
 * `mandate policy build <dir> -e <entrypoint> [-e …] -o bundle.tar.gz [--revision R]`: compiles the Rego
 * files under dir to Wasm and writes an OPA bundle (gzipped tar): `/.manifest`, `/policy.wasm`, `/data.json`
 * (the merged data.json files, or `{}`) and the `.rego` sources at their paths below dir.
 */
export class PolicyBuildCommand implements CliCommand {
  readonly name = 'build';
  readonly summary = 'Compile the Rego files under a directory into an OPA Wasm bundle (.tar.gz)';
  readonly usage = [
    'Usage: mandate policy build <dir> -e <entrypoint> [-e …] -o <bundle.tar.gz> [--revision R] [--root R …]',
    '',
    'Compiles every .rego file under <dir> (recursively) to one WebAssembly module with the given',
    'entrypoints and writes an OPA bundle: /.manifest, /policy.wasm, /data.json (data.json files under',
    '<dir> merged at their paths, or {}) and the .rego sources. @open-policy-agent/opa-wasm, OPA and',
    "Mandate's bundle API load it. Exit code 1 when the policy does not compile.",
    '',
    '  -e, --entrypoint E   entrypoint path below data, e.g. mandate/decision (repeatable, at least one)',
    '  -o, --output FILE    the bundle file to write',
    '  --revision R         the manifest revision (default: empty)',
    '  --root R             a manifest root (repeatable; default: "", the whole data tree)',
  ].join('\n');

  async run(args: string[], context: CliContext): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one directory');
    const entrypoints = (values.entrypoint ?? []).map(normaliseEntrypoint);
    if (entrypoints.length === 0) throw new CliUsageError('at least one -e <entrypoint> is required');
    if (!values.output) throw new CliUsageError('-o <bundle.tar.gz> is required');
    const { io } = context;
    const dir = await loadPolicyDir(positionals[0]);
    if (Object.keys(dir.modules).length === 0) {
      io.err(`no .rego files under ${positionals[0]}`);
      return 1;
    }
    let wasm: Uint8Array;
    try {
      ({ wasm } = await compile({ modules: dir.modules, entrypoints }));
    } catch (error) {
      if (!(error instanceof RegoCompileError)) throw error;
      printCompileErrors(io, error);
      return 1;
    }
    const manifest: BundleManifest = {
      revision: values.revision ?? '',
      roots: values.root ?? [''],
      wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
    };
    const files: { name: string; content: Buffer }[] = [
      { name: '/data.json', content: Buffer.from(JSON.stringify(dir.data)) },
      ...Object.keys(dir.modules).map((path) => ({
        name: `/${dir.relativeNames[path]}`,
        content: Buffer.from(dir.modules[path], 'utf8'),
      })),
      { name: '/policy.wasm', content: Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength) },
      { name: '/.manifest', content: Buffer.from(JSON.stringify(manifest)) },
    ];
    await writeBundle(values.output, files);
    io.out(
      `wrote ${values.output}: ${Object.keys(dir.modules).length} module(s), policy.wasm ${wasm.byteLength} bytes, ` +
        `entrypoints ${entrypoints.join(', ')}${manifest.revision ? `, revision ${manifest.revision}` : ''}`,
    );
    return 0;
  }
}

/** Writes the files as a gzipped tar, atomically (a temporary file renamed over the output). */
async function writeBundle(output: string, files: { name: string; content: Buffer }[]): Promise<void> {
  const tar = pack();
  const mtime = new Date();
  for (const file of files) tar.entry({ name: file.name, mode: 0o644, mtime }, file.content);
  tar.finalize();
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    await pipeline(tar, createGzip(), createWriteStream(temporary));
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        entrypoint: { type: 'string', short: 'e', multiple: true },
        output: { type: 'string', short: 'o' },
        revision: { type: 'string' },
        root: { type: 'string', multiple: true },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}
