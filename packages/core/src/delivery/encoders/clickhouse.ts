/**
 * 'clickhouse': INSERT over ClickHouse's HTTP interface:
 *   POST /?query=INSERT%20INTO%20<table>%20FORMAT%20JSONEachRow
 * with one JSON object per line:
 *   {"sid":..,"seq":..,"batch":..,"kind":"record"|"gap"|"seal","ts":<ms>,"h":..,"line":"<item as JSON text>"}
 * `line` is the RFC 8785 form of the record or seal (what the chain hashed; the export
 * reader parses it); the other columns are copies for querying. For a seal, `seq` is its
 * lastSeq (-1 for a heartbeat before any record), `ts` its sealedAt and `h` its seal
 * hash (the next seal's prevSeal). The table name goes into SQL, so it must match a
 * strict identifier pattern ([db.]name), checked at construction.
 *
 * `ts` is sent as integer milliseconds into an Int64 column, and the table derives a
 * `time` column from it (MATERIALIZED), rather than sending a DateTime64 directly: how
 * JSONEachRow reads a bare number into DateTime64 changed (read as raw ticks, i.e. ms for
 * DateTime64(3), until ClickHouse PR #108091 made it seconds), and older servers have no
 * DateTime64 at all (Debian's clickhouse-server 18.16). An Int64 means the same in every
 * version. See clickhouseCreateTable() and docs/sinks.md.
 *
 * ClickHouse inserts a request all or nothing and answers 200 with an empty body; one
 * malformed row fails the whole request (a 4xx/5xx with the exception text), so there
 * is no per-item outcome to read.
 */
import { invalidOption, rejectUnknownOptions } from '../../errors.js';
import { sealHash, sealPayload } from '../../integrity/seal.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, isObject, selectItems, tryParse } from './common.js';

export interface ClickhouseOptions {
  /** Table, optionally database-qualified: `logs` or `audit.logs` (default 'logseal'). */
  table?: string;
}

/** Unquoted ClickHouse identifiers, optionally `db.table`; nothing that could end the SQL. */
export const CLICKHOUSE_TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,127}(\.[A-Za-z_][A-Za-z0-9_]{0,127})?$/;

function checkTable(table: unknown, name: string): string {
  if (typeof table !== 'string' || !CLICKHOUSE_TABLE.test(table)) invalidOption(name, `an identifier matching ${CLICKHOUSE_TABLE}`, table);
  return table;
}

/**
 * The CREATE TABLE statement for the rows this encoder writes. `time: 'DateTime'` is for
 * servers without DateTime64 (before 20.1, e.g. Debian's 18.16): second precision.
 * ReplacingMergeTree keyed by (sid, batch, seq, kind) folds the duplicates at-least-once
 * delivery can cause; `ORDER BY batch, seq, kind` per sid is also the verifier's order.
 */
export function clickhouseCreateTable(table = 'logseal', options: { time?: 'DateTime64' | 'DateTime' } = {}): string {
  checkTable(table, 'table');
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  rejectUnknownOptions('clickhouseCreateTable', options, ['time']);
  const kind = options.time ?? 'DateTime64';
  if (kind !== 'DateTime64' && kind !== 'DateTime') invalidOption('clickhouseCreateTable.time', "'DateTime64' or 'DateTime'", kind);
  const time = kind === 'DateTime64'
    ? "time  DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(ts, 'UTC')"
    : "time  DateTime('UTC') MATERIALIZED toDateTime(intDiv(ts, 1000), 'UTC')";
  return [
    `CREATE TABLE IF NOT EXISTS ${table}`,
    '(',
    '    sid   String,',
    '    seq   Int64,',
    '    batch UInt64,',
    "    kind  Enum8('record' = 1, 'gap' = 2, 'seal' = 3),",
    '    ts    Int64,',
    '    h     String,',
    '    line  String,',
    `    ${time}`,
    ')',
    'ENGINE = ReplacingMergeTree()',
    'PARTITION BY toYYYYMM(time)',
    'ORDER BY (sid, batch, seq, kind)',
  ].join('\n');
}

export function createClickhouseEncoder(options?: unknown): Encoder {
  const o = asOptions(options);
  rejectUnknownOptions('clickhouse', o, ['table']);
  const table = o.table === undefined ? 'logseal' : checkTable(o.table, 'clickhouse.table');
  const path = '/?query=' + encodeURIComponent(`INSERT INTO ${table} FORMAT JSONEachRow`);

  function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
    const items = selectItems(batch, only);
    if (items.length === 0) return [];
    const sid = JSON.stringify(batch.sid);
    let body = '';
    for (const it of items) {
      const line = JSON.stringify(it.json);
      if (it.kind === 'seal') {
        const h = sealHash(sealPayload(it.seal));
        body += `{"sid":${sid},"seq":${it.seal.lastSeq},"batch":${it.seal.batch},"kind":"seal","ts":${it.ts},"h":"${h}","line":${line}}\n`;
      } else {
        body += `{"sid":${sid},"seq":${it.record.seq},"batch":${batch.batch},"kind":"${it.kind}","ts":${it.ts},"h":${JSON.stringify(it.record.h)},"line":${line}}\n`;
      }
    }
    return [{ path, method: 'POST', contentType: 'application/x-ndjson', body, items: items.map((it) => it.ref) }];
  }

  return { format: 'clickhouse', encode };
}

/** A row (object or JSONEachRow text) whose `line` holds the item, or the line itself. */
export function decodeClickhouse(item: unknown): RecordEnvelope | Seal {
  const parsed = typeof item === 'string' ? tryParse(item) : item;
  if (isObject(parsed) && typeof parsed.line === 'string') return asEnvelope('clickhouse', parsed.line);
  return asEnvelope('clickhouse', parsed);
}
