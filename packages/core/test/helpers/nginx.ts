/**
 * Real nginx (Debian's nginx-light) for delivery tests: TLS, mutual TLS and a
 * client_max_body_size limit in front of a test sink. Everything lives in a temp dir
 * (config, pid, temp paths, certificates); nginx runs in the foreground as a single
 * process (`daemon off; master_process off`), so stop() has exactly one pid to end.
 * Certificates are made with the openssl CLI: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate, and a client certificate from a second
 * (untrusted) CA.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Finds an executable on PATH or in the sbin directories root's PATH may lack. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (d === '') continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Whether a suite that needs `bins` should be skipped: only outside CI. In CI (CI=true)
 * a missing binary must fail the suite, so this returns false and start() throws.
 */
export function skipUnlessInstalled(...bins: string[]): boolean {
  return bins.some((b) => findBinary(b) === undefined) && process.env.CI !== 'true';
}

/** Free TCP ports on 127.0.0.1 (bound then released; the caller retries on a lost race). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Resolves once something accepts TCP on 127.0.0.1:port. */
export async function waitForPort(port: number, alive: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!alive()) throw new Error('process exited before it listened');
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by another CA that the server does not trust. */
  rogueCert: string;
  rogueKey: string;
}

/** Makes a CA, a server cert (SAN IP:127.0.0.1, DNS:localhost) and client certs with the openssl CLI. */
export async function makeCerts(dir: string): Promise<TestCerts> {
  const openssl = findBinary('openssl');
  if (openssl === undefined) throw new Error('openssl CLI not found (apt-get install openssl)');
  const run = (...args: string[]): void => void execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ca = (name: string): void => run('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2',
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, cn: string, caName: string, serial: string): void => {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-set_serial', serial,
      '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  };
  ca('logseal-test-ca');
  ca('rogue-ca');
  await writeFile(join(dir, 'server.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  await writeFile(join(dir, 'rogue.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  leaf('server', 'localhost', 'logseal-test-ca', '2');
  leaf('client', 'logseal-client', 'logseal-test-ca', '3');
  leaf('rogue', 'rogue-client', 'rogue-ca', '4');
  const read = (f: string): Promise<string> => readFile(join(dir, f), 'utf8');
  return {
    dir,
    ca: await read('logseal-test-ca.crt'),
    serverCert: await read('server.crt'),
    serverKey: await read('server.key'),
    clientCert: await read('client.crt'),
    clientKey: await read('client.key'),
    rogueCert: await read('rogue.crt'),
    rogueKey: await read('rogue.key'),
  };
}

export interface NginxOptions {
  /**
   * Origin to proxy to (e.g. a test sink's url); without it nginx answers 200 {"ok":true}
   * itself. Proxied requests carry X-Client-Verify / X-Client-DN (the client certificate as
   * nginx saw it) and X-Conn / X-Conn-Requests (nginx's client connection serial number and
   * the request count on it: keep-alive made visible).
   */
  upstream?: string;
  /** nginx client_max_body_size (default '64k'): bigger bodies get 413. */
  clientMaxBodySize?: string;
}

export interface Nginx {
  certs: TestCerts;
  /** TLS with the test CA's server certificate. */
  httpsUrl: string;
  /** TLS that requires a client certificate from the test CA (ssl_verify_client on). */
  mtlsUrl: string;
  /** nginx's error log so far (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function config(dir: string, httpsPort: number, mtlsPort: number, o: NginxOptions): string {
  const handler = o.upstream === undefined
    ? `default_type application/json; return 200 '{"ok":true}';`
    : `proxy_pass http://sink; proxy_http_version 1.1; proxy_set_header Connection "";
       proxy_set_header X-Client-Verify $ssl_client_verify; proxy_set_header X-Client-DN $ssl_client_s_dn;
       proxy_set_header X-Conn $connection; proxy_set_header X-Conn-Requests $connection_requests;`;
  const upstream = o.upstream === undefined ? '' : `upstream sink { server ${new URL(o.upstream).host}; keepalive 4; }`;
  const tls = `ssl_certificate ${dir}/server.crt; ssl_certificate_key ${dir}/server.key; ssl_protocols TLSv1.2 TLSv1.3;`;
  return `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size ${o.clientMaxBodySize ?? '64k'};
  ${upstream}
  server {
    listen 127.0.0.1:${httpsPort} ssl;
    ${tls}
    location / { ${handler} }
  }
  server {
    listen 127.0.0.1:${mtlsPort} ssl;
    ${tls}
    ssl_client_certificate ${dir}/logseal-test-ca.crt;
    ssl_verify_client on;
    location / { ${handler} }
  }
}
`;
}

/** Starts nginx; retries with new ports if one was taken in between. */
export async function startNginx(options: NginxOptions = {}): Promise<Nginx> {
  const bin = findBinary('nginx');
  if (bin === undefined) throw new Error('nginx not found: install Debian package nginx-light (.ci/run does)');
  const dir = await mkdtemp(join(tmpdir(), 'logseal-nginx-'));
  try {
    const certs = await makeCerts(dir);
    for (let attempt = 0; ; attempt++) {
      const [httpsPort, mtlsPort] = (await freePorts(2)) as [number, number];
      await writeFile(join(dir, 'nginx.conf'), config(dir, httpsPort, mtlsPort, options));
      const child = spawn(bin, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => void (stderr += c.toString()));
      let exited = false;
      const exit = new Promise<void>((resolve) => child.once('exit', () => {
        exited = true;
        resolve();
      }));
      try {
        await waitForPort(httpsPort, () => !exited, 15_000);
        await waitForPort(mtlsPort, () => !exited, 15_000);
      } catch (err) {
        await stopChild(child, exit);
        const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
        if (attempt < 3 && /Address already in use/.test(log + stderr)) continue;
        throw new Error(`nginx did not start: ${(err as Error).message}\n${stderr}\n${log}`);
      }
      return {
        certs,
        httpsUrl: `https://127.0.0.1:${httpsPort}`,
        mtlsUrl: `https://127.0.0.1:${mtlsPort}`,
        log: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
        stop: async () => {
          await stopChild(child, exit);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** SIGTERM (nginx: fast shutdown), then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, exit: Promise<void>, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exit;
  clearTimeout(timer);
}
