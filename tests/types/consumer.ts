// A strict TypeScript consumer of the package: `tsc -p tests/types` must accept this file.
// The @ts-expect-error lines prove the types reject what they should (tsc fails if they don't).
import {
  HordeClient,
  HordeError,
  HordeApiError,
  HordeRateLimitError,
  HordeAbortError,
  HordeJobFaultedError,
  HordeInvalidArgumentError,
  ImageGenerateStatusRequest,
  DeleteImageGenerateRequest,
  ImageGenerateCheckRequest,
  isJobComplete,
  isJobDone,
  mergeGenerations,
  type ImageGenerateStatusResponse,
  type ImageGenerateCheckResponse,
  type ImageGeneration,
  type GenerationProgress,
  type ImageGenerateAsyncRequest,
  type GenMetadataType,
  type DownloadedImage,
  type RequestErrorCode,
} from 'horde-wasm';

/** `true` when A and B are the same type (not merely assignable). */
type Exactly<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

const client = new HordeClient({ baseUrl: 'http://127.0.0.1:7001/api', clientAgent: 'MyApp:1.0:me@example.org' });

export async function statusOf(id: string): Promise<number> {
  const status: ImageGenerateStatusResponse = await client.getImageStatus(id);
  const first: ImageGeneration | undefined = status.generations[0];
  const seed: string = first?.seed ?? '';
  const kind: GenMetadataType | undefined = first?.gen_metadata?.[0]?.type;
  if (kind === 'censorship') console.log('censored');
  const shared: boolean = status.shared;
  const check: ImageGenerateCheckResponse = await client.checkImage(id, { timeoutMs: 5000 });
  const viaSend = await client.send(new DeleteImageGenerateRequest(id));
  // send's answer is typed by the request's class.
  const sentStatus: ImageGenerateStatusResponse = await client.send(new ImageGenerateStatusRequest(id));
  const sentCheck = await client.send(new ImageGenerateCheckRequest(id));
  // Exactly the check response, not the union (the status response would also be assignable).
  const checkTyped: Exactly<typeof sentCheck, ImageGenerateCheckResponse> = true;
  console.log(seed, shared, check.wait_time, viaSend.generations.length, sentStatus.generations.length, sentCheck.wait_time,
    checkTyped, isJobComplete(status, 2), isJobDone(check));
  const merged: ImageGeneration[] = mergeGenerations(status.generations, []);
  return merged.length + new ImageGenerateStatusRequest(id).path.length;
}

export async function generate(signal: AbortSignal): Promise<DownloadedImage[]> {
  const request: ImageGenerateAsyncRequest = {
    prompt: 'a lighthouse###fog',
    models: [],
    params: { width: 512, height: 768, steps: 20, n: 2, sampler_name: 'k_euler_a', karras: true },
  };
  try {
    const done = await client.generateImages(request, {
      signal,
      timeoutMs: 600_000,
      onProgress: (p: GenerationProgress) => console.log(p.phase, p.queuePosition, p.waitTime, p.finished),
      onImage: (g) => console.log(g.id, g.censored),
    });
    return await Promise.all(done.generations.map((g) => client.downloadImage(g, { jobId: 'x' })));
  } catch (e) {
    if (e instanceof HordeRateLimitError) {
      const rc: RequestErrorCode | undefined = e.rc;
      const status: number = e.status;
      console.log(rc === 'TooManyPrompts', status, e.retryAfterMs);
    } else if (e instanceof HordeAbortError) {
      console.log(e.partial?.generations.length, e.jobId, e.during, e.cancelError?.name);
    } else if (e instanceof HordeJobFaultedError) {
      const name: 'HordeJobFaultedError' = e.name;
      console.log(name, e.jobId);
    } else if (e instanceof HordeInvalidArgumentError) {
      console.log(e.argument, e.rule);
    } else if (e instanceof HordeApiError) {
      console.log(e.status, e.errors?.['params.width']);
    } else if (e instanceof HordeError) {
      switch (e.name) {
        case 'HordeConnectionError':
        case 'HordeTimeoutError':
          break;
      }
    }
    return [];
  }
}

// @ts-expect-error: the id is a string.
void client.getImageStatus(42);
// @ts-expect-error: unknown option names are type errors too.
void new HordeClient({ baseURL: 'https://aihorde.net/api' });
// @ts-expect-error: the prompt is required.
void client.submitImage({ params: { n: 1 } });
// @ts-expect-error: a check answer has no generations.
void client.send(new ImageGenerateCheckRequest('x')).then((r) => r.generations);
// @ts-expect-error: the request kinds are literal types, not any string.
export const notAKind: 'ImageGenerateCheckRequest' = new ImageGenerateStatusRequest('x').kind;
// @ts-expect-error: generations are typed, not any.
export const wrong: number = ({} as ImageGenerateStatusResponse).generations[0].seed;
