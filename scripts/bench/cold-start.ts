// Cold start: spawn to the answer of `tools/list`, and peak RSS, for the built binary, a bare `node` answering the same
// JSON-RPC (the floor), a minimal @modelcontextprotocol/sdk (v1) server with one tool (the baseline of the targets), and
// the same minimal server on the SDK's v2 packages. The built binary is measured in both protocol eras: a 2025-11-25
// client's `initialize` then `tools/list`, and a 2026-07-28 client's `tools/list` alone (no handshake). Runs are
// interleaved.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median } from './stats.js';

export interface ColdStartRow {
  name: string;
  medianMs: number;
  /** Peak resident set (VmHWM), MiB; null where /proc is not there to read it. */
  peakRssMiB: number | null;
}

const floorServer = `import { createInterface } from 'node:readline';
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  const result = message.method === 'initialize'
    ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '1.0.0' } }
    : { tools: [{ name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] };
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }) + '\\n');
});
`;

const minimalServer = `import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
const server = new McpServer({ name: 'minimal', version: '1.0.0' });
server.registerTool('echo', { description: 'Echo', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
await server.connect(new StdioServerTransport());
`;

const minimalV2Server = `import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
serveStdio(() => {
  const server = new McpServer({ name: 'minimal', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  return server;
});
`;

const legacyRequests = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
];

/** A 2026-07-28 client: every request carries the protocol version, the client and its capabilities in `_meta`. */
const modernRequests = [
  {
    jsonrpc: '2.0',
    id: 2,
    method: 'tools/list',
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  },
];

const peakRss = (pid: number): number | null => {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : null;
  } catch {
    return null;
  }
};

/** One run: milliseconds from spawn to the `tools/list` answer, and the peak RSS at that moment. */
async function once(
  args: string[],
  env: Record<string, string>,
  requests: readonly object[],
): Promise<{ ms: number; rss: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
  for (const request of requests) child.stdin.write(`${JSON.stringify(request)}\n`);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before answering tools/list`)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/"id":2[,}]/.test(out) && out.includes('"tools"')) resolve();
    });
  });
  const ms = performance.now() - started;
  const rss = child.pid === undefined ? null : peakRss(child.pid);
  child.removeAllListeners('close');
  child.kill();
  await new Promise((resolve) => child.once('close', resolve));
  return { ms, rss };
}

/**
 * @param workDir a folder inside the project (so the minimal server resolves the SDK from its node_modules)
 * @param binary the built alsatalk-mcp entry
 */
export async function coldStart(
  workDir: string,
  binary: string,
  runs: number,
  env: Record<string, string>,
): Promise<ColdStartRow[]> {
  mkdirSync(workDir, { recursive: true });
  writeFileSync(path.join(workDir, 'floor-server.mjs'), floorServer);
  writeFileSync(path.join(workDir, 'minimal-sdk-server.mjs'), minimalServer);
  writeFileSync(path.join(workDir, 'minimal-v2-server.mjs'), minimalV2Server);
  // The first three are the ones the targets compare (bench.ts reads them in this order).
  const subjects = [
    {
      name: 'floor: bare node answering the same JSON-RPC',
      args: [path.join(workDir, 'floor-server.mjs')],
      requests: legacyRequests,
    },
    {
      name: 'minimal @modelcontextprotocol/sdk (v1) server, one tool',
      args: [path.join(workDir, 'minimal-sdk-server.mjs')],
      requests: legacyRequests,
    },
    { name: 'alsatalk-mcp (built binary), 2025-11-25 client', args: [binary], requests: legacyRequests },
    {
      name: 'minimal @modelcontextprotocol/server (v2), one tool',
      args: [path.join(workDir, 'minimal-v2-server.mjs')],
      requests: legacyRequests,
    },
    { name: 'alsatalk-mcp (built binary), 2026-07-28 client', args: [binary], requests: modernRequests },
  ];
  const samples = subjects.map(() => ({ ms: [] as number[], rss: [] as number[] }));
  for (const subject of subjects) await once(subject.args, env, subject.requests); // warm the file cache
  for (let run = 0; run < runs; run += 1) {
    for (const [i, subject] of subjects.entries()) {
      const { ms, rss } = await once(subject.args, env, subject.requests);
      samples[i]?.ms.push(ms);
      if (rss !== null) samples[i]?.rss.push(rss);
    }
  }
  return subjects.map((subject, i) => ({
    name: subject.name,
    medianMs: median(samples[i]?.ms ?? []),
    peakRssMiB: samples[i]?.rss.length ? median(samples[i]?.rss ?? []) : null,
  }));
}
