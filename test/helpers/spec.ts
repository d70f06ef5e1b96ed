// Ding's published OpenAPI spec as a JSON-Schema validator (ajv, draft 2020-12, which OpenAPI 3.1
// uses). The spec is Ding's, not ours, and its repository carries no licence, so it is not copied
// into this one: it is read at test time from DING_OPENAPI_SPEC, or else from a shared folder
// beside the clone (DING_SPEC_PATH below), where this project's CI keeps it. In a contributor's
// clone it is absent, loadDingSpec() returns undefined and the suite skips, saying so.
//
//   const spec = loadDingSpec();
//   spec.validateResponse('check', 200, body)     // -> [] or a list of problems
//   spec.validateRequest('create-authentication', body)
//   spec.validateParameters('lookup', { header: { 'customer-uuid': id }, path: { phone_number }, query: { type: ['cnam'] } })
//
// `strict` (the default) also rejects properties the spec does not declare: its schemas allow
// extra keys, but an emulator that invents fields would hide client bugs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { parse } from 'yaml';

export const DING_SPEC_PATH = process.env.DING_OPENAPI_SPEC || fileURLToPath(new URL('../../../shared/ding-api/openapi.yaml', import.meta.url));
/** Set to 1 where the spec must be present (a missing one is then a failing test, not a skip). */
export const REQUIRE_SPEC = process.env.PASSPORT_DING_REQUIRE_SPEC === '1';

type Json = Record<string, unknown>;
type Location = 'path' | 'query' | 'header';

export interface DingSpec {
  /** operationId -> { method, path } */
  operations: Record<string, { method: string; path: string }>;
  /** Response statuses the spec declares for an operation, e.g. ['200', '400']. */
  statuses(operationId: string): string[];
  validateResponse(operationId: string, status: number, body: unknown, options?: { strict?: boolean }): string[];
  validateRequest(operationId: string, body: unknown): string[];
  validateParameters(operationId: string, values: { [L in Location]?: Record<string, unknown> | undefined }): string[];
}

const E164 = /^\+[1-9]\d{1,14}$/;
const BCP47 = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

// ajv-formats is CommonJS; its default export arrives wrapped or not depending on the loader.
const formats = formatsModule as unknown as FormatsPlugin & { default?: FormatsPlugin };
const addFormats: FormatsPlugin = formats.default ?? formats;

/**
 * A copy of `schema` where objects reject undeclared properties. Done with
 * `unevaluatedProperties: false` on the composed node (not its allOf members), so properties
 * declared by any member count as known.
 */
function strictify(node: unknown, insideAllOf = false): unknown {
  if (Array.isArray(node)) return node.map((n) => strictify(n, insideAllOf));
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'allOf' ? (value as unknown[]).map((m) => strictify(m, true)) : strictify(value);
  }
  const obj = node as Json;
  if (!insideAllOf && (obj.properties !== undefined || obj.allOf !== undefined) && obj.unevaluatedProperties === undefined) {
    out.unevaluatedProperties = false;
  }
  return out;
}

function messages(validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

function newAjv(): Ajv2020 {
  // strict: false because OpenAPI adds keywords JSON Schema does not know (e.g. `deprecated` is
  // fine, but `format: string` on an array and `x-` extensions are not).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('phone_number', E164);
  ajv.addFormat('BCP-47', BCP47);
  // ajv-formats' `url` refuses localhost and private addresses, which webhooks in tests use.
  ajv.addFormat('url', (s: string) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol));
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('string', () => true);
  return ajv;
}

export function loadDingSpec(): DingSpec | undefined {
  if (!existsSync(DING_SPEC_PATH)) return undefined;
  const doc = parse(readFileSync(DING_SPEC_PATH, 'utf8')) as Json;
  const id = 'https://passport-ding.test/ding-openapi.json';
  const strictId = 'https://passport-ding.test/ding-openapi-strict.json';
  const ajv = newAjv();
  // The components under both ids; operation schemas are then compiled as $refs into them.
  // AuthenticationStatusEventResponse is only ever used inside allOf, so it stays open.
  const components = doc.components as { schemas: Record<string, unknown> };
  const strictSchemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(components.schemas)) {
    strictSchemas[name] = name === 'AuthenticationStatusEventResponse' ? schema : strictify(schema);
  }
  ajv.addSchema({ $id: id, components }, id);
  ajv.addSchema({ $id: strictId, components: { schemas: strictSchemas } }, strictId);

  const paths = doc.paths as Record<string, Record<string, Json>>;
  const operations: DingSpec['operations'] = {};
  const byId = new Map<string, { method: string; path: string; op: Json }>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const opId = op.operationId as string;
      operations[opId] = { method: method.toUpperCase(), path };
      byId.set(opId, { method, path, op });
    }
  }
  const cache = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: unknown, strict: boolean): ValidateFunction => {
    let v = cache.get(key);
    if (!v) {
      // Inline schemas get the same treatment; $refs inside them point at one of the two copies.
      const base = strict ? strictId : id;
      const rewritten = JSON.parse(JSON.stringify(strict ? strictify(schema) : schema).replaceAll('"#/components/', `"${base}#/components/`));
      v = ajv.compile(rewritten as Json);
      cache.set(key, v);
    }
    return v;
  };
  const find = (operationId: string): Json => {
    const entry = byId.get(operationId);
    if (!entry) throw new Error(`no operation ${operationId} in the spec`);
    return entry.op;
  };
  const jsonSchema = (content: unknown): unknown => (content as { 'application/json'?: { schema?: unknown } } | undefined)?.['application/json']?.schema;

  return {
    operations,
    statuses: (operationId) => Object.keys(find(operationId).responses as Json),
    validateResponse(operationId, status, body, options = {}) {
      const strict = options.strict ?? true;
      const response = (find(operationId).responses as Record<string, { content?: unknown }>)[String(status)];
      if (!response) return [`the spec declares no ${status} response for ${operationId}`];
      const schema = jsonSchema(response.content);
      if (!schema) return [`the spec's ${status} response for ${operationId} has no application/json schema`];
      return messages(compile(`res ${operationId} ${status} ${strict}`, schema, strict), body);
    },
    validateRequest(operationId, body) {
      const schema = jsonSchema((find(operationId).requestBody as { content?: unknown } | undefined)?.content);
      if (!schema) return [`${operationId} takes no JSON request body`];
      // Requests are checked as the spec wrote them: extra keys are the server's business.
      return messages(compile(`req ${operationId}`, schema, false), body);
    },
    validateParameters(operationId, values) {
      const problems: string[] = [];
      const params = (find(operationId).parameters ?? []) as { in: Location; name: string; required?: boolean; schema: unknown }[];
      for (const p of params) {
        const given = values[p.in] ?? {};
        // Header names are case-insensitive.
        const key = p.in === 'header' ? Object.keys(given).find((k) => k.toLowerCase() === p.name.toLowerCase()) : p.name;
        const value = key === undefined ? undefined : given[key];
        if (value === undefined) {
          if (p.required) problems.push(`${p.in} parameter ${p.name} is required`);
          continue;
        }
        const v = compile(`param ${operationId} ${p.in} ${p.name}`, p.schema, false);
        problems.push(...messages(v, value).map((m) => `${p.in} ${p.name}: ${m}`));
      }
      const declared = new Set(params.map((p) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`));
      for (const loc of ['path', 'query'] as const) {
        for (const name of Object.keys(values[loc] ?? {})) {
          if (!declared.has(`${loc}:${name}`)) problems.push(`${loc} parameter ${name} is not in the spec`);
        }
      }
      return problems;
    },
  };
}
