/**
 * Real ClickHouse (Debian's clickhouse-server, 18.16 on bookworm; installed by .ci/run)
 * for delivery tests: started on free 127.0.0.1 ports with a temp config and data dir,
 * ready when GET /ping answers, stopped with SIGTERM (SIGKILL after 10 s) and its dir
 * removed. The config is minimal: one passwordless `default` user limited to 127.0.0.1,
 * logs to the console (captured for failure messages), small caches.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { findBinary, freePorts, stopChild } from './nginx.js';

export interface ClickHouse {
  /** HTTP interface, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Runs one statement over HTTP; rejects with ClickHouse's exception text on a non-200. */
  query(sql: string, body?: string): Promise<string>;
  /** Raw answer to a statement (status and body), for tests of failures. */
  raw(sql: string, body?: string): Promise<{ status: number; body: string }>;
  /** Server output so far. */
  output(): string;
  stop(): Promise<void>;
}

function config(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`;

export async function startClickHouse(): Promise<ClickHouse> {
  const bin = findBinary('clickhouse-server');
  if (bin === undefined) throw new Error('clickhouse-server not found: install Debian package clickhouse-server (.ci/run does)');
  const dir = await mkdtemp(join(tmpdir(), 'logseal-clickhouse-'));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'users.xml'), USERS);
  for (let attempt = 0; ; attempt++) {
    const [httpPort, tcpPort] = (await freePorts(2)) as [number, number];
    await writeFile(join(dir, 'config.xml'), config(dir, httpPort, tcpPort));
    const child = spawn(bin, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => void (out += c.toString()));
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => {
      exited = true;
      resolve();
    }));
    const url = `http://127.0.0.1:${httpPort}`;
    const pool = new Pool(url, { connections: 2 });
    const raw = async (sql: string, body?: string): Promise<{ status: number; body: string }> => {
      // POST: over GET, ClickHouse runs statements read-only (no CREATE, no INSERT).
      const res = await pool.request({ path: `/?query=${encodeURIComponent(sql)}`, method: 'POST', body: body ?? '' });
      return { status: res.statusCode, body: await res.body.text() };
    };
    const stop = async (): Promise<void> => {
      await pool.destroy();
      await stopChild(child, exit, 10_000);
      await rm(dir, { recursive: true, force: true });
    };

    // Readiness: GET /ping answers "Ok." once the HTTP interface serves.
    const until = Date.now() + 45_000;
    let ready = false;
    while (!exited && Date.now() < until) {
      try {
        const r = await pool.request({ path: '/ping', method: 'GET' });
        const text = await r.body.text();
        if (r.statusCode === 200 && text.startsWith('Ok.')) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready) {
      await pool.destroy();
      await stopChild(child, exit, 10_000);
      if (attempt < 3 && /Address already in use/i.test(out)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`clickhouse-server did not become ready:\n${out.slice(-4000)}`);
    }
    return {
      url,
      raw,
      query: async (sql, body) => {
        const r = await raw(sql, body);
        if (r.status !== 200) throw new Error(`ClickHouse ${r.status}: ${r.body}`);
        return r.body;
      },
      output: () => out,
      stop,
    };
  }
}
