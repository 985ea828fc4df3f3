#!/usr/bin/env python3
"""A fake image worker for the real AI Horde server of the conformance stage.

It speaks the server's worker API: POST /v2/generate/pop, a PUT of the WebP to the job's
r2_upload URL (or base64 in the submit when there is none), POST /v2/generate/submit.

Words in a request's positive prompt (before ###) steer it, as the simulator's workers do:
  faultme   every image of the request is submitted as faulted
  slowme    each image takes --slow-seconds more
  an NSFW word with the request's censor flag: a censored image with its censorship metadata

It stops after --duration seconds, on SIGTERM or SIGINT; it does not pop while --pause-file
exists. It only talks to the base URL it is given and to the upload URLs that server hands out.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import re
import signal
import sys
import time
import urllib.error
import urllib.request

NSFW = re.compile(r"\b(nsfw|nude|nudes|naked|nudity|porn|explicit)\b", re.IGNORECASE)
running = True


def stop(_signum, _frame):
    global running
    running = False


def webp(width: int, height: int, seed: int) -> bytes:
    from PIL import Image  # the server's own requirements bring Pillow

    rnd = random.Random(seed)
    img = Image.new("RGB", (max(1, min(width, 3072)), max(1, min(height, 3072))),
                    (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    out = io.BytesIO()
    img.save(out, format="WEBP", quality=80)
    return out.getvalue()


def call(method: str, url: str, body=None, headers=None, data: bytes | None = None, timeout=30):
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, raw
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} worker: {msg}", flush=True)


def sleep_until(deadline: float) -> None:
    while running and time.monotonic() < deadline:
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="the API's base URL (…/api)")
    ap.add_argument("--apikey", required=True)
    ap.add_argument("--name", default="horde-wasm-conformance-worker")
    ap.add_argument("--models", default="stable_diffusion,Deliberate,AlbedoBase XL (SDXL),Flux.1-Schnell fp8 (Compact)")
    ap.add_argument("--mps", type=float, default=8.0,
                    help="megapixel-steps per second (the server distrusts a worker much faster than 20)")
    ap.add_argument("--slow-seconds", type=float, default=20.0)
    ap.add_argument("--duration", type=float, default=3600.0)
    ap.add_argument("--pause-file", required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    headers = {"apikey": args.apikey, "Client-Agent": "horde-wasm-conformance-worker:1:local"}
    pop = {
        "name": args.name, "models": args.models.split(","), "max_pixels": 2048 * 2048, "nsfw": True,
        "threads": 1, "amount": 1, "bridge_agent": "AI Horde Worker reGen:13.0.0:https://github.com/Haidra-Org/horde-worker-reGen",
        # The server's default (true) keeps a worker away from ordinary requests.
        "extra_slow_worker": False, "require_upfront_kudos": False, "allow_img2img": True, "allow_painting": True,
        "allow_unsafe_ipaddr": True, "allow_post_processing": True, "allow_controlnet": True,
        "allow_sdxl_controlnet": True, "allow_lora": True, "limit_max_steps": False,
    }
    end = time.monotonic() + args.duration
    log(f"serving {pop['models']} at {args.base}")
    while running and time.monotonic() < end:
        if os.path.exists(args.pause_file):
            time.sleep(0.2)
            continue
        try:
            code, raw = call("POST", f"{args.base}/v2/generate/pop", pop, headers)
            job = json.loads(raw) if raw else {}
        except Exception as err:  # noqa: BLE001 - the server restarting or busy: pop again
            log(f"pop failed: {err}")
            time.sleep(1)
            continue
        ids = (job.get("ids") or [job.get("id")]) if code == 200 and isinstance(job, dict) else []
        ids = [i for i in ids if i]
        if not ids:
            if code != 200:
                log(f"pop HTTP {code}: {raw[:200]!r}")
            time.sleep(0.5)
            continue
        payload = job.get("payload") or {}
        prompt = (payload.get("prompt") or "").split("###")[0]
        width, height = int(payload.get("width") or 512), int(payload.get("height") or 512)
        steps = int(payload.get("ddim_steps") or payload.get("steps") or 30)
        seconds = max(0.5, width * height * steps * len(ids) / 1e6 / args.mps)
        if "slowme" in prompt:
            seconds += args.slow_seconds
        sleep_until(time.monotonic() + seconds)
        uploads = job.get("r2_uploads") or ([job["r2_upload"]] if job.get("r2_upload") else [])
        try:
            base_seed = int(str(payload.get("seed", "0")))
        except ValueError:
            base_seed = random.randrange(2**32)
        for index, gen_id in enumerate(ids):
            seed = (base_seed + index) % 2**32
            state, metadata = "ok", []
            if "faultme" in prompt:
                state = "faulted"
            elif payload.get("use_nsfw_censor") and NSFW.search(prompt):
                state, metadata = "censored", [{"type": "censorship", "value": "nsfw"}]
            image = webp(width, height, seed)
            generation = base64.b64encode(image).decode()
            if index < len(uploads) and uploads[index]:
                # Without the content type the local S3 keeps an empty object.
                put, _ = call("PUT", uploads[index], data=image, headers={"Content-Type": "image/webp"})
                if 200 <= put < 300:
                    generation = "R2"
            body = {"id": gen_id, "generation": generation, "seed": seed, "state": state, "gen_metadata": metadata}
            code, raw = call("POST", f"{args.base}/v2/generate/submit", body, headers)
            log(f"submitted {gen_id} {state}: HTTP {code}")
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
