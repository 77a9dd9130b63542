/** JSON answers of the collector: `{"ok":false,"error":{"code","message"[,"findings"]}}` for every refusal. */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, findings?: readonly unknown[]): void {
  sendJson(res, status, { ok: false, error: findings === undefined || findings.length === 0 ? { code, message } : { code, message, findings } });
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendError(res, 405, 'method_not_allowed', `use ${allow}`);
}
