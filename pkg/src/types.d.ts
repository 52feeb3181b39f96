// \`Symbol.dispose\` (for \`using\`) is in TypeScript's lib only from ESNext (esnext.disposable);
// declared here too so the classes' \`[Symbol.dispose]()\` type-checks with ES2020/ES2022 libs
// and no \`skipLibCheck\`. The declarations merge with the lib's where it has one.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object (a source user, a SCIM resource, a Graph schema). */
export type JsonObject = { [key: string]: JsonValue };
/**
 * An object passed in (a source user, a SCIM resource): anything `JSON.stringify` writes as
 * an object, so an interface-typed value or a `Date` member is accepted as it is.
 */
export type InputObject = object;

/** A position in a text. */
export interface Location {
  /** UTF-16 code units from the start (what JS string indices and editors use). */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units. */
  column: number;
}

/** A secondary location with its own message. */
export interface DiagnosticLabel {
  message: string;
  start: Location;
  end: Location;
}

/** A problem located in a text. `code` is stable (kebab-case, e.g. `unknown-function`). */
export interface Diagnostic {
  code: string;
  severity: "error" | "warning";
  /** Lower-case, no trailing period. */
  message: string;
  start: Location;
  end: Location;
  labels: DiagnosticLabel[];
  help?: string;
}

/** Where a failure is, in the text it names (`start`/`end` of its first diagnostic). */
export interface Span {
  start: Location;
  end: Location;
}

/**
 * A failure on user input, returned as a value (never thrown). One shape for expressions,
 * filters, PATCH and mappings (README "Failures").
 */
export interface Failure {
  ok: false;
  /** Stable, kebab-case: a diagnostic code (`unknown-function`), a SCIM `scimType` (`no-target`), or a mapping code (`unknown-preset`). */
  code: string;
  message: string;
  /** Present when the failure is located in a text: the expression, the filter, or a mapping's `expression`. */
  location?: Span;
  /** Everything found, errors first; `location`, `code` and `message` are the first one's. May be empty. */
  diagnostics: Diagnostic[];
}

export type ExpressionParseResult =
  | { ok: true; expression: Expression; /** warnings */ diagnostics: Diagnostic[] }
  | Failure;

/** Options of one evaluation. */
export interface EvalOptions {
  /** The clock for `Now()`: an RFC 3339 string or a Date (default: the current time). */
  now?: string | Date;
  /** Seed for `Guid()` and `RandomString()` (default: derived from `now`). */
  seed?: number;
  /** `SelectUniqueValue`: the values that already exist in the target system. */
  exists?: string[];
}

/**
 * An evaluation result. `ignoreFlow`: `IgnoreFlowIfNullOrEmpty` fired, so the target
 * attribute is left out. A `null` value means nothing flows.
 */
export type EvalResult =
  | { ok: true; value: JsonValue; ignoreFlow: boolean }
  | Failure;

export type AttributesResult = { ok: true; attributes: string[] } | Failure;
export type TextResult = { ok: true; text: string } | Failure;

/** Microsoft Graph's `attributeMappingSource` tree. */
export interface GraphSource {
  expression?: string | null;
  name?: string | null;
  type?: "Attribute" | "Constant" | "Function" | string;
  parameters?: { key: string; value: GraphSource }[];
}
export type GraphResult = { ok: true; graph: GraphSource } | Failure;

/** One entry of the Entra function registry. */
export interface FunctionInfo {
  name: string;
  /** e.g. `Join(separator, source1, …)`; `[x]` marks an optional parameter. */
  signature: string;
  /** One-line description. */
  doc: string;
  /** Where the behaviour is specified. */
  source: string;
  minArgs: number;
  /** `null`: unbounded. */
  maxArgs: number | null;
  params: { name: string; required: boolean }[];
}

/** A SCIM filter tree as plain data. */
export type FilterNode =
  | { op: "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le"; path: string; value: null | boolean | number | string }
  | { op: "pr"; path: string }
  | { op: "and" | "or"; operands: FilterNode[] }
  | { op: "not"; filter: FilterNode }
  | { op: "valuePath"; path: string; filter: FilterNode; tail?: FilterNode };

export interface FilterOptions {
  /** Accept unquoted values as strings (`externalId eq jyoung`). */
  bareValues?: boolean;
}

export type FilterParseResult = { ok: true; filter: Filter; tree: FilterNode } | Failure;

/** An RFC 7644 §3.12 error body. */
export interface ScimErrorBody {
  schemas: string[];
  status: string;
  scimType?: string;
  detail: string;
}

/** A SCIM failure: a `Failure` with the RFC 7644 §3.12 error body a server would answer with. */
export interface ScimFailure extends Failure {
  error: ScimErrorBody;
}

export type MatchResult = { ok: true; matches: boolean } | ScimFailure;
/**
 * `filterJson`'s result (as JSON text). Each matching resource is its text from the input,
 * as written (whitespace, member order and repeated members kept): only the members the
 * filter reads are parsed.
 */
export type FilterJsonResult = { ok: true; resources: JsonObject[] } | ScimFailure;

/** A PatchOp message (RFC 7644 §3.5.2). */
export interface PatchOpBody {
  schemas: string[];
  Operations: { op: string; path?: string; value?: JsonValue }[];
}
export interface PatchOptions {
  /** `strict` (default): RFC 7644. `entra`: also what Entra ID sends. */
  compat?: "strict" | "entra";
}
export type PatchResult = { ok: true; resource: JsonObject } | ScimFailure;
export interface DiffOptions {
  /** `strict` (default): RFC 7644 op names. `entra`: `Add`/`Replace`/`Remove`. */
  shape?: "strict" | "entra";
}

/** A preset name (`"webex"`), JSON text, or a Graph schema, compact form or preset file. */
export type MappingInput = string | InputObject;

/** Preset metadata. */
export interface PresetInfo {
  name: string;
  displayName: string;
  tenantUrl: string | null;
  auth?: { kind: string; notes?: string };
  source?: string[];
  notes?: string[];
  capabilities?: { [object: string]: { create?: boolean; delete?: boolean } };
  [key: string]: JsonValue | undefined;
}
export interface PresetEntry {
  name: string;
  preset: PresetInfo | null;
}

/** A lint finding, located in `text` (a target, a source expression or a scoping clause). */
export interface Finding {
  object: string;
  target: string;
  field: "target" | "source" | "scope";
  text: string;
  diagnostic: Diagnostic;
}

/** A mapping failure: a `Failure` naming the attribute mapping concerned. */
export interface MappingFailure extends Failure {
  /** The attribute mapping concerned. */
  target?: string;
  /** Its expression; `location` and `diagnostics` are located in it. */
  expression?: string;
}

export type MappingLoadResult = { ok: true; mapping: Mapping; findings: Finding[] } | MappingFailure;

export interface ObjectInfo {
  sourceObject: string;
  targetObject: string;
  enabled: boolean;
}

export interface AttributeMappingRow {
  target: string;
  /** `null`: mapping type "None" (only the default value flows, on create). */
  expression: string | null;
  defaultValue: string | null;
  flowType: string;
  /** `> 0` marks a matching attribute. */
  matchingPriority: number;
}

export interface MapOptions extends EvalOptions {
  /** Object mapping (`User`, `Group`); default: the first. */
  object?: string;
  /** `create` (default): POST, defaults apply. `update`: PATCH. */
  mode?: "create" | "update";
  /** `false`: no `steps` trace in the result (less to build and convert). Default `true`. */
  steps?: boolean;
}

export interface SimulateOptions extends EvalOptions {
  object?: string;
  /** The app's current resource (it was matched); absent: no match, so a create. */
  current?: InputObject;
  /** The tenant URL carries `aadOptscim062020`. */
  aadOptScim062020?: boolean;
  /** The object was hard-deleted in Entra. */
  deleted?: boolean;
}

/** What happened to one attribute mapping. */
export type Step =
  | { outcome: "sent" | "default"; target: string; value: JsonValue }
  | { outcome: "null" | "ignored" | "createOnly"; target: string };

export type ApplyResult = { ok: true; resource: JsonObject; /** Absent with `steps: false`. */ steps?: Step[] } | MappingFailure;

/** One HTTP request relative to the tenant URL. */
export interface SimulatedRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  filter?: string;
  body?: JsonObject;
}

export interface ScopeReport {
  inScope: boolean;
  reason: string;
  groups: { name?: string; passed: boolean; clauses: { clause: string; passed: boolean; reason: string }[] }[];
}

export interface Report {
  action: "create" | "update" | "disable" | "delete" | "skip";
  reason: string;
  scope: ScopeReport;
  /** The matching queries, in priority order. */
  matching: SimulatedRequest[];
  /** The requests that change the app. */
  requests: SimulatedRequest[];
  steps: Step[];
}

/** `report` is `undefined` on a failure, so `const { report } = simulate(…)` type-checks. */
export type SimulateResult = { ok: true; report: Report } | (MappingFailure & { report?: undefined });

// ---- mapping tests (`test`, the cases files of `scimmap test`) ------------------------

/** Simulation flags of a case (`aadOptscim062020`, `deleted`) and the clock and seed of its expressions. */
export interface CaseSimulate {
  aadOptscim062020?: boolean;
  deleted?: boolean;
  /** RFC 3339 date-time that `Now()` returns. */
  now?: string;
  /** Seed of `Guid()` and `RandomString()`. */
  seed?: number;
}

/** One request Entra sends; `{id}` in `path` stands for an id the app assigns. */
export interface CaseRequest {
  method: "POST" | "PATCH" | "DELETE";
  path: string;
  /** A POST's resource, or a whole PatchOp message. */
  body?: JsonValue;
  /** A PATCH's `Operations` (compared as a set). */
  operations?: JsonObject[];
}

/** What a case expects Entra to do. */
export interface CaseExpectation {
  action: "create" | "update" | "disable" | "delete" | "skip" | "error";
  /** Words the reason must contain. */
  reason?: string;
  /** The matching filters, in priority order. */
  matching?: string[];
  requests?: CaseRequest[];
}

/** One case: a mapping, an Entra object, optionally the app's resource, and the expectation. */
export interface Case {
  name: string;
  description?: string;
  preset?: string;
  /** A mapping file's name in `options.files`. */
  schema?: string;
  object?: string;
  source: InputObject;
  current?: InputObject;
  simulate?: CaseSimulate;
  expect?: CaseExpectation;
}

/** A cases file (schemas/cases.schema.json); `preset`, `schema`, `object` and `simulate` are defaults for every case. */
export interface CasesFile {
  $schema?: string;
  description?: string;
  preset?: string;
  schema?: string;
  object?: string;
  simulate?: CaseSimulate;
  cases: Case[];
}

export interface TestOptions {
  /** The mapping files cases name with `schema`: name → JSON text or object. */
  files?: Record<string, string | InputObject>;
  /** The syntax of `cases` given as text (default: JSON when it starts with `{`, else TOML). */
  format?: "json" | "toml";
}

/** Where expected and actual differ: `action`, `requests[0].body.name.givenName`, … */
export interface CaseDifference {
  at: string;
  /** `null` when the case expects nothing there. */
  expected: JsonValue | null;
  /** `null` when nothing is there. */
  actual: JsonValue | null;
}

export interface CaseReport {
  name: string;
  passed: boolean;
  /** On a failure: where expected and actual differ. */
  differences?: CaseDifference[];
  /** On a failure: what the simulation did, in the expectation's shape (paste it into `expect`). */
  actual?: CaseExpectation;
  /** On a failure: a one-line summary. */
  message?: string;
}

/** `ok` says the cases ran; `failed` counts the cases that did not pass. */
export type TestResult =
  | { ok: true; passed: number; failed: number; cases: CaseReport[] }
  | (Failure & { passed?: undefined; failed?: undefined; cases?: undefined });

/** Options of `impact()`. */
export interface ImpactOptions {
  /** The object type to compare (default: the first object mapping of `from`). */
  object?: string;
  /** The syntax of `users` given as text (default: from its first character: `[` a JSON
   *  array, `{` JSON Lines or Graph `/users` pages, anything else the portal's CSV). */
  format?: "json" | "jsonl" | "graph" | "csv";
  /** Examples kept per finding and per attribute (default 3). */
  examples?: number;
  /** What `Now()` returns, the same for every user (default: the JS clock). */
  now?: string | Date;
  /** The tenant URL carries `aadOptscim062020` (Entra's PATCH dialect). */
  aadOptScim062020?: boolean;
}

/** One user a finding or an attribute change is illustrated with. */
export interface ImpactExample {
  /** The user: userPrincipalName, else objectId, else `record N`. */
  user: string;
  detail: string;
  before?: JsonValue;
  after?: JsonValue;
}

/** What the change does to some users, with what it means in the app. */
export interface ImpactFinding {
  kind:
    | "matchingChanged"
    | "newError"
    | "leavingScope"
    | "enteringScope"
    | "attributesChanged"
    | "errorFixed"
    | "errorChanged";
  /** `dangerous` findings come first. */
  severity: "dangerous" | "warning" | "info";
  meaning: string;
  count: number;
  examples: ImpactExample[];
}

/** How often the change alters one target attribute in the requests. */
export interface ImpactAttribute {
  target: string;
  users: number;
  changed: number;
  added: number;
  dropped: number;
  examples: ImpactExample[];
}

/** The impact of a mapping change over a population (`scimmap impact --json`). */
export interface ImpactReport {
  /** `preset:NAME` for a preset, else "the old mapping". */
  from: string;
  /** `preset:NAME` for a preset, else "the new mapping". */
  to: string;
  object: string;
  users: number;
  unchanged: number;
  changed: number;
  findings: ImpactFinding[];
  attributes: ImpactAttribute[];
  notes: string[];
}

/** `ok` says both mappings loaded and every user was read. */
export type ImpactResult = { ok: true; report: ImpactReport } | (Failure & { report?: undefined });
