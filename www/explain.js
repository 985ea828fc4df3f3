// Turns a horde-wasm error into plain words for the page: a sentence that says what happened
// and what to do about it. The SDK's error classes and the Horde's return codes (`rc`) carry
// everything needed; the page never shows a stack trace.

/**
 * @param {unknown} err what a horde-wasm call rejected with
 * @param {{ hordeUrl?: string, simulator?: boolean }} [ctx]
 * @returns {{ title: string, text: string, field?: string, technical: string }}
 */
export function explain(err, ctx = {}) {
  const e = /** @type {any} */ (err) || {};
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const rc = typeof e.rc === 'string' ? e.rc : undefined;
  const where = ctx.hordeUrl ? ` at ${ctx.hordeUrl}` : '';
  const out = (title, text, extra = {}) => ({ title, text, technical: technical(e), ...extra });

  switch (rc) {
    case 'InvalidAPIKey':
      return out('API key not accepted', 'The Horde did not accept your API key. Check it under Connection, or use the anonymous key 0000000000.');
    case 'UserNotFound':
      return out('Unknown API key', 'The Horde does not know this API key. Check it for typos, or use the anonymous key 0000000000. A free key comes from aihorde.net/register.');
    case 'KudosUpfront':
      return out('Needs kudos upfront', 'Requests this large (over 1024×1024 pixels or with many steps) need kudos in advance, which this key does not have. Make the image smaller or use fewer steps, or use a key that holds kudos.');
    case 'TooManyPrompts':
      return out('Too many images queued', 'Your key already has as many images queued as it is allowed. Wait for your running jobs to finish, or cancel one, then try again.');
    case 'TimeoutIP':
      return out('Temporarily blocked', 'The Horde has put your address in a short timeout after too many bad requests. Wait a few minutes before trying again.');
    case 'BannedClientAgent':
      return out('Client not allowed', 'The Horde refuses requests from this client version. Update horde-wasm.');
    case 'MaintenanceMode':
      return out('Horde in maintenance', 'The Horde is in maintenance mode and accepts no new jobs right now. Try again later.');
    case 'RequestNotFound':
      return out('Job not found', 'The Horde no longer knows this job: it expired (jobs live about 20 minutes) or was removed. Start it again.');
    case 'WorkerNotFound':
      return out('Worker not found', 'One of the requested workers does not exist. Remove it from the request.');
    case 'StyleNotFound':
      return out('Style not found', 'The Horde does not know the requested style.');
    case 'MissingPrompt':
    case 'InvalidPromptSize':
      return out('Prompt not accepted', 'Write a prompt (it cannot be empty or only spaces, and must not be too long).', { field: 'prompt' });
    case 'CorruptPrompt':
      return out('Prompt refused', 'The Horde refused this prompt because of its content. Rephrase it.', { field: 'prompt' });
    case 'RequiresTrust':
      return out('Needs a trusted account', 'This option is only available to trusted users.');
    case 'UnsupportedModel':
    case 'UnexpectedModelName':
      return out('Model not accepted', 'The Horde does not accept this model name. Pick another model.', { field: 'models' });
    case 'SharedKeyEmpty':
    case 'SharedKeyExpired':
      return out('Shared key used up', 'This shared key has no kudos left or has expired. Use another key.');
    default:
      break;
  }

  switch (name) {
    case 'HordeInvalidArgumentError':
      return out('Check this field', `${e.argument}: ${e.rule}`, { field: e.argument });
    case 'HordeAbortError':
      return out('Cancelled', 'You cancelled this job; it was cancelled on the Horde too.');
    case 'HordeTimeoutError':
      // A job's timeout carries its id (and cancels it); a plain call's timeout does not.
      return out('Took too long', e.jobId
        ? `The job did not finish in time on the Horde${where}, so it was given up and cancelled. Try again; the Horde may be busy.`
        : `The Horde${where} did not answer in time. Try again; the Horde may be busy.`);
    case 'HordeConnectionError':
      return out('Cannot reach the Horde', `No answer from the Horde${where}. Check the address under Connection and your network${ctx.simulator ? ', and that npm start is still running' : ''}.`);
    case 'HordeRateLimitError':
      return out('Slow down', 'The Horde is limiting how fast requests from your address may come in. Wait a minute, then try again.');
    case 'HordeServerError':
      return out('Horde server problem', `The Horde had an internal problem (HTTP ${e.status}). This is not your fault: try again in a moment.`);
    case 'HordeAuthError':
      return out('API key not accepted', 'The Horde did not accept your API key. Check it under Connection.');
    case 'HordeForbiddenError':
      return out('Not allowed', `The Horde refused this request: ${plain(e)}`);
    case 'HordeNotFoundError':
      return out('Not found', `The Horde could not find what was asked for: ${plain(e)}`);
    case 'HordeBadRequestError': {
      const fields = e.errors ? Object.entries(e.errors) : [];
      if (fields.length) {
        const [field, why] = fields[0];
        return out('Request not accepted', `The Horde rejected ${field}: ${why}`, { field });
      }
      return out('Request not accepted', `The Horde rejected the request: ${plain(e)}`);
    }
    case 'HordeJobFaultedError':
      return out('Job failed', 'Workers failed on some images of this job, and the Horde does not redo an image that failed. Images that finished are kept. Try again, perhaps with another model.');
    case 'HordeJobExpiredError':
      return out('Job expired', 'The job expired on the Horde before it finished (jobs live about 20 minutes). Images that finished are kept. Start it again.');
    case 'HordeJobImpossibleError':
      return out('No worker for this job', 'No worker online can run this request right now, so it was cancelled. Pick another model, or a smaller size or fewer steps.');
    case 'HordeImageUnavailableError':
      return out('Image unavailable', 'The image could not be downloaded; its link may have expired. Generate it again.');
    case 'HordeDecodeError':
      return out('Unexpected answer', 'The Horde sent an answer this client cannot read. Check that the address points at an AI Horde API.');
    case 'HordeApiError':
      return out('Horde error', `The Horde answered with an error (HTTP ${e.status}): ${plain(e)}`);
    default:
      return out('Something went wrong', plain(e) || 'An unexpected error happened.');
  }
}

/** The server's own message, without the "METHOD /path failed with NNN rc:" prefix. */
function plain(e) {
  const m = typeof e.message === 'string' ? e.message : '';
  return m.replace(/^[A-Z]+ \S+ failed with \d+(?: \w+)?: /, '').trim();
}

/** One line for developers: class, HTTP status, rc, message. */
function technical(e) {
  const parts = [e.name || 'Error'];
  if (e.status) parts.push(`HTTP ${e.status}`);
  if (e.rc) parts.push(`rc ${e.rc}`);
  if (e.argument) parts.push(`argument ${e.argument}`);
  return `${parts.join(' · ')}: ${e.message || String(e)}`;
}
