/**
 * The sink encoders (issue 4, "Sink formats"): one module per wire format, chosen by
 * name. createEncoder() validates the format's options when it is called, before any
 * I/O, and rejects unknown option names (a typo must not fall back to a default).
 * docs/sinks.md describes each format's request shape, limits and partial failures.
 */
import { invalidOption } from '../../errors.js';
import type { Encoder } from '../types.js';
import { createClickhouseEncoder, type ClickhouseOptions } from './clickhouse.js';
import { createDatadogEncoder, type DatadogOptions } from './datadog.js';
import { createElasticsearchEncoder, type ElasticsearchOptions } from './elasticsearch.js';
import { createJsonEncoder } from './json.js';
import { createLogsealEncoder } from './logseal.js';
import { createLokiEncoder, type LokiOptions } from './loki.js';
import { createNdjsonEncoder } from './ndjson.js';
import { createOtlpEncoder, type OtlpOptions } from './otlp.js';
import { createSplunkEncoder, type SplunkOptions } from './splunk.js';

export const ENCODER_FORMATS = ['logseal', 'ndjson', 'json', 'elasticsearch', 'loki', 'splunk', 'datadog', 'otlp', 'clickhouse'] as const;

export type EncoderFormat = (typeof ENCODER_FORMATS)[number];

type NoOptions = Record<string, never>;

/** Options of each format. */
export interface EncoderOptionsMap {
  logseal: NoOptions;
  ndjson: NoOptions;
  json: NoOptions;
  elasticsearch: ElasticsearchOptions;
  loki: LokiOptions;
  splunk: SplunkOptions;
  datadog: DatadogOptions;
  otlp: OtlpOptions;
  clickhouse: ClickhouseOptions;
}

const FACTORIES: Record<EncoderFormat, (options?: unknown) => Encoder> = {
  logseal: createLogsealEncoder,
  ndjson: createNdjsonEncoder,
  json: createJsonEncoder,
  elasticsearch: createElasticsearchEncoder,
  loki: createLokiEncoder,
  splunk: createSplunkEncoder,
  datadog: createDatadogEncoder,
  otlp: createOtlpEncoder,
  clickhouse: createClickhouseEncoder,
};

export function isEncoderFormat(format: unknown): format is EncoderFormat {
  return typeof format === 'string' && (ENCODER_FORMATS as readonly string[]).includes(format);
}

export function createEncoder<F extends EncoderFormat>(format: F, ...options: F extends 'elasticsearch' ? [EncoderOptionsMap[F]] : [EncoderOptionsMap[F]?]): Encoder;
export function createEncoder(format: string, options?: object): Encoder;
export function createEncoder(format: string, options?: object): Encoder {
  if (!isEncoderFormat(format)) invalidOption('format', `one of ${ENCODER_FORMATS.join(', ')}`, format);
  return FACTORIES[format](options);
}

export { clickhouseCreateTable } from './clickhouse.js';
export type { ClickhouseOptions, DatadogOptions, ElasticsearchOptions, LokiOptions, OtlpOptions, SplunkOptions };
export type { OtlpItemOutcome } from './otlp.js';
