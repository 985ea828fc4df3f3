"""Recipe: a Python script using horde_sdk against horde-sim.

    npx horde-sim --port 7001 --speed 20 &
    AI_HORDE_URL=http://127.0.0.1:7001/api/ python horde_sdk_recipe.py

horde_sdk reads AI_HORDE_URL when it is imported, so set it before the script starts.
"""

import os
import sys

from horde_sdk.ai_horde_api.ai_horde_clients import AIHordeAPISimpleClient
from horde_sdk.ai_horde_api.apimodels import ImageGenerateAsyncRequest, ImageGenerationInputPayload

if not os.environ.get("AI_HORDE_URL", "").startswith("http://127.0.0.1"):
    sys.exit("set AI_HORDE_URL to the simulator's API, e.g. http://127.0.0.1:7001/api/")

client = AIHordeAPISimpleClient()
status, job_id = client.image_generate_request(
    ImageGenerateAsyncRequest(
        apikey="simtestkey000000000001",
        prompt="a lighthouse at dusk",
        models=["stable_diffusion"],
        params=ImageGenerationInputPayload(width=640, height=384, steps=10, n=2),
    ),
    timeout=120,
)
assert status.done and len(status.generations) == 2, status
images = [client.download_image_from_generation(g) for g in status.generations]
assert all(image.size == (640, 384) for image in images), [image.size for image in images]
print(f"job {job_id}: {len(images)} images of {images[0].size[0]}x{images[0].size[1]}")
