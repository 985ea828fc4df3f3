// The JavaScript error classes of horde-wasm. The Rust code creates them through
// `createError`; they are re-exported from the package so callers can use `instanceof`.
// Their TypeScript declarations are written in src/js_error.rs; ERROR_CLASSES in core/src/error.rs
// lists them, and a test checks this file and those declarations against that list.

/** Base class of every error horde-wasm throws or rejects with. */
export class HordeError extends Error {
  constructor(message, props) {
    super(message, props && 'cause' in props ? { cause: props.cause } : undefined);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k !== 'cause' && v !== undefined) this[k] = v;
      }
    }
  }

  /** A plain summary for logs and `JSON.stringify` (without attached images). */
  toJSON() {
    const out = { name: this.name, message: this.message };
    for (const [k, v] of Object.entries(this)) {
      if (k !== 'partial' && k !== 'cause') out[k] = v;
    }
    return out;
  }
}

function named(base, name) {
  const cls = class extends base {};
  Object.defineProperty(cls, 'name', { value: name });
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
  return cls;
}
Object.defineProperty(HordeError.prototype, 'name', { value: 'HordeError', writable: true, configurable: true });

export const HordeApiError = named(HordeError, 'HordeApiError');
export const HordeBadRequestError = named(HordeApiError, 'HordeBadRequestError');
export const HordeAuthError = named(HordeApiError, 'HordeAuthError');
export const HordeForbiddenError = named(HordeApiError, 'HordeForbiddenError');
export const HordeNotFoundError = named(HordeApiError, 'HordeNotFoundError');
export const HordeRateLimitError = named(HordeApiError, 'HordeRateLimitError');
export const HordeServerError = named(HordeApiError, 'HordeServerError');
export const HordeConnectionError = named(HordeError, 'HordeConnectionError');
export const HordeTimeoutError = named(HordeError, 'HordeTimeoutError');
export const HordeAbortError = named(HordeError, 'HordeAbortError');
export const HordeDecodeError = named(HordeError, 'HordeDecodeError');
export const HordeInvalidArgumentError = named(HordeError, 'HordeInvalidArgumentError');
export const HordeJobError = named(HordeError, 'HordeJobError');
export const HordeJobFaultedError = named(HordeJobError, 'HordeJobFaultedError');
export const HordeJobExpiredError = named(HordeJobError, 'HordeJobExpiredError');
export const HordeJobImpossibleError = named(HordeJobError, 'HordeJobImpossibleError');
export const HordeImageUnavailableError = named(HordeError, 'HordeImageUnavailableError');

const classes = {
  HordeError, HordeApiError, HordeBadRequestError, HordeAuthError, HordeForbiddenError,
  HordeNotFoundError, HordeRateLimitError, HordeServerError, HordeConnectionError,
  HordeTimeoutError, HordeAbortError, HordeDecodeError, HordeInvalidArgumentError,
  HordeJobError, HordeJobFaultedError, HordeJobExpiredError, HordeJobImpossibleError,
  HordeImageUnavailableError,
};

/** Used by the Rust code: a new error of the named class. */
export function createError(name, message, props) {
  const cls = classes[name] || HordeError;
  return new cls(message, props);
}
