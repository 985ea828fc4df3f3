// Types of horde-sim: a local AI Horde image-generation API for tests (README.md).

/** A key the simulator knows, in a keys file or `StartOptions.keys`. */
export interface KeySpec {
  apikey: string;
  username: string;
  id: number;
  kudos?: number;
  concurrency?: number;
  trusted?: boolean;
  worker_count?: number;
  pseudonymous?: boolean;
  moderator?: boolean;
}

export type ImageKind = 'pattern' | 'noise';

/** Options of `startSimulator`; each CLI flag in camelCase. All optional. */
export interface StartOptions {
  /** Port on `host`; `0` = any free port. Default 7001. */
  port?: number;
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** Simulated time runs this many times faster. Default 1. */
  speed?: number;
  /** Seeds ids, worker choice, image seeds and failures; `null` = random. */
  seed?: number | null;
  /** The real server's rate limits. Default true. */
  rateLimits?: boolean | 'on' | 'off';
  /** A request expires this many simulated seconds after creation / its last pick-up. Default 1200. */
  lifetimeSeconds?: number;
  lifetime?: number;
  /** Validity of image URLs, simulated seconds. Default 1800. */
  r2ExpirySeconds?: number;
  r2Expiry?: number;
  /** Number of simulated workers, 0..256. Default 4. */
  workers?: number;
  /** Probability that an image job fails, 0..1. Default 0. */
  failureRate?: number;
  /** Default `'pattern'`; `'noise'` makes large images (benchmarks). */
  imageKind?: ImageKind;
  /** A keys JSON file's path, or the keys, merged with the built-in ones. */
  keys?: string | KeySpec[];
  /** No request log on stderr. Default true in-process. */
  quiet?: boolean;
  /** Server-side cache of `check` answers, real ms. Default 1000. */
  checkCacheMs?: number;
  /** Period of the queue-position snapshot, real ms; 0 = always current. Default 1000. */
  queueCacheMs?: number;
}

/** The run-time configuration (`GET /__sim/config`). */
export interface SimConfig {
  speed: number;
  seed: number | null;
  rateLimits: boolean;
  lifetimeSeconds: number;
  r2ExpirySeconds: number;
  failureRate: number;
  imageKind: ImageKind;
  workers: number;
}

/** What `setConfig` changes: any of the configuration but the seed. */
export type ConfigPatch = Partial<Omit<SimConfig, 'seed'>>;

export type ImageState = 'processing' | 'done' | 'faulted' | 'lost';

/** One image job of a request, every one ever started. */
export interface ImageRow {
  id: string;
  state: ImageState;
  worker_id: string;
  worker_name: string;
  model: string;
  seed: string;
  censored: boolean;
}

/** One request in the job table (`GET /__sim/jobs`). Times are epoch ms. */
export interface JobRow {
  id: string;
  n: number;
  waiting: number;
  processing: number;
  finished: number;
  restarted: number;
  done: boolean;
  faulted: boolean;
  cancelled: boolean;
  expired: boolean;
  active: boolean;
  stalled: boolean;
  models: string[];
  apikey_user: string;
  client_agent: string;
  r2: boolean;
  kudos: number;
  width: number;
  height: number;
  steps: number;
  created_at: number;
  expires_at: number;
  done_at: number | null;
  images: ImageRow[];
}

/** Events `inject` applies to a request (README: Control API). */
export type InjectEvent =
  | 'worker-failure'
  | 'fault'
  | 'expire'
  | 'expire-images'
  | 'censor'
  | 'lora-download-failed'
  | 'stall'
  | 'unstall'
  | 'finish';

export type FaultKind = '500' | '502-html' | '503' | '429' | '429-rc' | 'reset' | 'truncate' | 'slow';

/** A fault for the next matching requests (`POST /__sim/faults`). */
export interface FaultSpec {
  fault: FaultKind;
  method?: 'GET' | 'POST' | 'DELETE' | 'OPTIONS';
  /** A substring of the path after `/api` (also matches `/r2/<id>.webp`). */
  path?: string;
  /** How many requests get it; 0 = until cleared. Default 1. */
  times?: number;
  /** For `slow`. Default 5000. */
  delayMs?: number;
  /** Seconds, for `429` and `503`; omitted = no Retry-After header. */
  retryAfter?: number;
}

export interface FaultRow {
  id: string;
  fault: FaultKind;
  method: string | null;
  path: string | null;
  times: number;
  /** `null` = unlimited. */
  remaining: number | null;
  delayMs: number;
  retryAfter: number | null;
  applied: number;
}

export interface SimStats {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  tooManyPrompts: number;
  preflights: number;
  /** Job id → epoch ms at which it became done. */
  doneAt: Record<string, number>;
}

/** A key and its balance (`GET /__sim/users/{apikey}`). */
export interface UserRow {
  apikey: string;
  username: string;
  id: number;
  kudos: number;
  concurrency: number;
  trusted: boolean;
  pseudonymous: boolean;
  moderator: boolean;
  worker_count: number;
  /** The balance above the account floor less what the key's requests hold upfront. */
  available_kudos: number;
  /** The account floor: −50 anonymous, 14 pseudonymous, 25 otherwise. */
  min_kudos: number;
}

/** What `setUser` changes on a key, until the next reset. */
export interface UserPatch {
  kudos?: number;
  concurrency?: number;
  trusted?: boolean;
}

/** One answered request to `/api` or `/r2` (`GET /__sim/log`). */
export interface LogEntry {
  /** Epoch ms of the answer. */
  time: number;
  method: string;
  /** Path and query string. */
  path: string;
  status: number;
  /** The client IP as the rate limits see it. */
  ip: string;
  /** Time to answer. */
  ms: number;
  /** The injected fault, if one applied. */
  fault?: FaultKind;
}

/** How many requests the request log keeps (the latest). */
export const LOG_SIZE: number;

/** The CLI's help text. */
export const USAGE: string;

/** A control call the simulator answered with an error, or did not answer (`status` 0). */
export class SimControlError extends Error {
  readonly status: number;
}

/** A client for a running simulator's control API (`/__sim/…`), over HTTP. */
export class SimControl {
  /** `url`: the simulator's origin (`sim.url`) or its API URL (`sim.baseUrl`). */
  constructor(url: string, options?: { fetch?: typeof fetch });
  readonly url: string;

  /** Every request, including cancelled, finished and expired ones. */
  jobs(): Promise<JobRow[]>;
  /** One request, or `null` if unknown. */
  job(id: string): Promise<JobRow | null>;
  /** Applies an event to a request; the row after it. Rejects (404) for an unknown id. */
  inject(id: string, event: InjectEvent): Promise<JobRow>;
  /** `inject(id, 'expire')`: the API answers 404 for it from now on. */
  expire(id: string): Promise<JobRow>;
  /** `inject(id, 'finish')`: every image is delivered now. */
  finish(id: string): Promise<JobRow>;
  /** `inject(id, 'worker-failure')`: the latest started image faults. */
  failWorker(id: string): Promise<JobRow>;

  /** Adds a fault; its id. */
  addFault(spec: FaultSpec): Promise<string>;
  faults(): Promise<FaultRow[]>;
  clearFaults(): Promise<void>;

  config(): Promise<SimConfig>;
  /** Changes the configuration; the full configuration after it. */
  setConfig(partial: ConfigPatch): Promise<SimConfig>;
  /** Drops jobs, faults, rate-limit windows, stats, the request log; restores the keys. */
  reset(): Promise<void>;

  users(): Promise<UserRow[]>;
  /** A key, or `null` if unknown. */
  user(apikey: string): Promise<UserRow | null>;
  setUser(apikey: string, patch: UserPatch): Promise<UserRow>;
  /** Sets a key's kudos balance. */
  setKudos(apikey: string, kudos: number): Promise<UserRow>;

  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  /** The latest `limit` requests (default: all kept), oldest first. */
  log(limit?: number): Promise<LogEntry[]>;
  clearLog(): Promise<void>;
}

/** A running simulator. The synchronous methods act in-process, as the control API does. */
export interface SimulatorHandle {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/api`: the AI Horde API root (`/v2/...` below it). */
  readonly baseUrl: string;
  readonly port: number;
  /** The control API over HTTP. */
  readonly control: SimControl;
  /** Closes the listener and every socket; no timers are left. */
  close(): Promise<void>;

  config(): SimConfig;
  setConfig(partial: ConfigPatch): SimConfig;
  reset(): void;
  jobs(): JobRow[];
  job(id: string): JobRow | null;
  inject(id: string, event: InjectEvent): JobRow | null;
  addFault(spec: FaultSpec): string;
  faults(): FaultRow[];
  clearFaults(): void;
  stats(): SimStats;
  resetStats(): void;
  users(): UserRow[];
  user(apikey: string): UserRow | null;
  setUser(apikey: string, patch: UserPatch): UserRow | null;
  setKudos(apikey: string, kudos: number): UserRow | null;
  log(limit?: number): LogEntry[];
  clearLog(): void;
  /** The server object itself (internal; no stable interface). */
  readonly simulator: unknown;
}

/** Starts a simulator; resolves when it listens. */
export function startSimulator(options?: StartOptions): Promise<SimulatorHandle>;
