"""The built-in emulator: an offline server for the OpenAI Video API that renders real MP4s.

```python
from sora_notebook.emulator import create_app, FaultPlan
app = create_app(speed=50, render="draft")      # ASGI: httpx.ASGITransport(app=app)
engine = app.state.emulator                     # .created, .requests, .media_sha256(id)
```
or from a shell: `sora-notebook emulator --port 8000 --speed 5 --faults "rate=0.2,seed=1"`
(base URL `http://127.0.0.1:8000/v1`, any key unless `--api-key` is given).

- Jobs go queued -> in_progress -> completed / failed on the injected clock; `speed`
  divides the durations (about 20 s for a 4 s sora-2 clip at speed 1, more for longer
  and pro clips). Media expire `retention` seconds after completion (then 410).
- Prompts with a term from `moderation.BLOCKED_TERMS` fail with `moderation_blocked`.
- `x-emulator-fault: 429|500|503|drop-before|drop-after|slow|truncate` forces a fault on
  one request; `FaultPlan` draws them at random from a seed (see `faults`).
- The picture follows the prompt: time of day, weather, setting, subjects (66 silhouettes,
  docs/subjects.png), motion and camera words; the soundtrack follows the scene. A remix
  keeps its parent's composition and changes what its prompt says; an extension
  continues its parent. Every frame is marked EMULATED.
- Each job has its own seed (its number, mixed with `create_app(seed=...)`), so variants
  and repeated prompts differ while the same run of requests renders the same bytes; a
  request's `seed` pins the look. The prompt is burned in as a caption unless the request
  says `caption: false` or the app was made with `caption=False` (blind duels).
- Several models at once (`catalogue`): sora-2 and sora-2-pro in the plain look, and
  `emu-amber` (warm, quick, $0.05/s), `emu-slate` (cool, $0.12/s), `emu-noir` (muted,
  slow, $0.25/s); `GET /v1/models` lists them with sizes, seconds and prices.
- `render="draft"` draws one picture per second (still H.264/AAC of the requested size
  and length); identical inputs are rendered once.

Modules: `app` (routes), `bodies` (request parsing, error answers), `gate` (faults,
auth, counting), `engine` (jobs, lifecycle, persistence), `look` (prompt -> time,
weather, setting, subjects, motion, camera, sound; pure), `vocab` and `subjects` (the
words and silhouettes it knows), `_render` (encoding: the only module that imports PyAV),
`_scenery`, `_paint`, `_yuv`, `_sound` (pixels and samples), `catalogue` (the models
it stands for), `faults`, `moderation`.
Interface: docs/CONTRACTS.md.
"""

from sora_notebook.emulator.app import create_app
from sora_notebook.emulator.faults import KINDS as FAULT_KINDS
from sora_notebook.emulator.faults import ConnectionDropped, FaultPlan

__all__ = ["FAULT_KINDS", "ConnectionDropped", "FaultPlan", "create_app"]
