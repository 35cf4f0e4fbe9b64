"""What a dialect is: the capabilities of a server and the mapping to and from its shapes.

A `Dialect` is a frozen dataclass; each server whose shapes differ subclasses it and
overrides the few methods that differ (`create_fields`, `normalize`, `media`, ...).
Nothing outside `client/dialects/` branches on a server's name: the client calls these
methods, the studio and the view read `capabilities`.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from sora_notebook.client._http.multipart import FilePart
from sora_notebook.errors import APIError, SoraNotebookError
from sora_notebook.protocol import MODELS, VARIANTS

__all__ = [
    "ACTIONS",
    "Capabilities",
    "Dialect",
    "MediaSource",
    "ModelInfo",
    "catalogue_problems",
    "data_url",
    "ratio_of",
    "size_from",
]

#: The actions a server may or may not offer.
ACTIONS = ("list", "delete", "remix", "edit", "extend", "cancel", "characters")


@dataclass(frozen=True)
class Capabilities:
    """What a server offers. `reason(action)` says why an action is not offered."""

    list: bool = True
    delete: bool = True
    remix: bool = True
    edit: bool = True
    extend: bool = True
    cancel: bool = False
    characters: bool = True
    variants: tuple[str, ...] = VARIANTS
    outputs_per_job: bool = False
    reasons: Mapping[str, str] = field(default_factory=dict, compare=False)

    def reason(self, action: str) -> str | None:
        """Why `action` is not offered, or None when it is."""
        if action in VARIANTS[1:]:
            if action in self.variants:
                return None
            return self.reasons.get(action) or (
                f"The server only serves the MP4; the {action} is made locally from it."
            )
        if action == "outputs_per_job":
            return None if self.outputs_per_job else self.reasons.get(action)
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
        if getattr(self, action):
            return None
        return self.reasons.get(action) or f"The server does not offer {action}."

    def disabled(self) -> dict[str, str]:
        """Every action not offered, with its reason (for `Plan.disabled` and the view)."""
        out = {a: r for a in ACTIONS if (r := self.reason(a)) is not None}
        out.update({v: r for v in VARIANTS[1:] if (r := self.reason(v)) is not None})
        return out

    def with_(self, **changes: bool) -> Capabilities:
        """A copy with some actions switched (a user's declaration for one backend)."""
        reasons = dict(self.reasons)
        for name, on in changes.items():
            if not on and name not in reasons:
                reasons[name] = f"This backend cannot {name} (switched off for it)."
        fields: dict[str, Any] = {**changes, "reasons": reasons}
        return replace(self, **fields)


@dataclass(frozen=True)
class ModelInfo:
    """A model a server offers, with the sizes, seconds and price it says (if any)."""

    id: str
    sizes: tuple[str, ...] = ()
    seconds: tuple[str, ...] = ()
    audio: bool | None = None
    #: Whether it takes a first frame (image-to-video); None when the catalogue is silent.
    image: bool | None = None
    price_per_second: float | None = None
    #: USD per second by resolution ("1080p"; "" for any), as a catalogue prices it.
    prices: Mapping[str, float] = field(default_factory=dict, compare=False)

    def price_for(self, size: str | None) -> float | None:
        """USD per second for a video of `size` ("1280x720" -> the 720p price, else the
        price for any resolution), or None when the catalogue gives none."""
        try:
            short = min(int(x) for x in str(size).lower().split("x")) if size else None
        except ValueError:
            short = None
        if short is not None and f"{short}p" in self.prices:
            return self.prices[f"{short}p"]
        return self.prices.get("", self.price_per_second)


@dataclass(frozen=True)
class MediaSource:
    """Where one output's bytes are: an API path with query, or a URL the server gave."""

    path: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    url: str | None = None


@dataclass(frozen=True)
class Dialect:
    """The official protocol (`/v1/videos`, OpenAI's shapes); servers subclass it.

    `multipart`: send a create as multipart (else JSON unless a file is attached);
    `json_only`: the server takes no multipart at all (a file goes as a data URL);
    `requires_model`: refuse a create without `model` before sending;
    `models_path`: the catalogue to ask (`GET`), None when there is none;
    `needs_job_for_media`: the media address is in the job (read it before a download);
    `reports_cost`: the server says what a job cost; `reference_fields`: where a first
    frame goes (for the compatibility table); `takes_image_url`: a first frame may be
    given by URL (else the client fetches it and uploads the bytes); `audio_field`: the
    create field that turns sound on or off (None: the server decides, as OpenAI's
    always-on audio); `params`: the further create fields the server documents (seed,
    steps, ...), for forms and sweeps.
    """

    name: str = "openai"
    label: str = "OpenAI-compatible"
    capabilities: Capabilities = Capabilities()
    multipart: bool = True
    json_only: bool = False
    requires_model: bool = False
    models_path: str | None = "/models"
    #: Its catalogue binds requests (sizes, seconds, task types): the studio reads it
    #: before the first request, not only when `studio.models()` is called.
    catalogue_binds: bool = False
    needs_job_for_media: bool = False
    reports_cost: bool = False
    failed_jobs_billed: bool = False  # the server charges for a job that failed
    reference_fields: str = "`input_reference` (file or `{image_url}`)"
    takes_image_url: bool = True
    audio_field: str | None = None
    params: tuple[str, ...] = ()
    source: str = "OpenAI Video API (spec/openai-videos.openapi.yaml)"

    #: Words of a 5xx create answer that refuse the request (see `create_refused`).
    REFUSAL: ClassVar[re.Pattern[str]] = re.compile(
        r"not (?:yet )?supported|unsupported|not implemented|notimplementederror|\brequires?\b|"
        r"\brequired\b|\binvalid\b|not allowed",
        re.IGNORECASE,
    )

    # --- requests ------------------------------------------------------------------

    def create_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The create body's fields in this server's names (from the official ones).

        `audio` (True/False) becomes the server's own switch (`generate_sound`,
        `generate_audio`); a server without one gets no such field.
        """
        out = dict(fields)
        audio = out.pop("audio", None)
        if audio is not None and self.audio_field is not None:
            out[self.audio_field] = bool(audio)
        ref = out.get("input_reference")
        if isinstance(ref, Mapping) and "image_url" in ref:
            del out["input_reference"]
            out.update(self.image_url_fields(str(ref["image_url"])))
        return out

    def image_url_fields(self, url: str) -> dict[str, Any]:
        """The fields that carry a reference image given by URL."""
        return {"input_reference": {"image_url": url}}

    def providers_path(self, model: str) -> str | None:
        """Where a gateway says which provider serves `model` (`GET`; a path from the
        server's root, not from the API's base URL), or None."""
        return None

    def provider_of(self, body: Any) -> str | None:
        """The provider named by the answer of `providers_path`, or None."""
        return None

    def data_url_limit(self, provider: str | None) -> int | None:
        """None when an uploaded first frame goes as a file; else it goes as a `data:` URL
        in a JSON body (a gateway's `provider` that takes no file), of fewer characters
        than this."""
        return None

    def outputs_field(self, n: int) -> dict[str, Any]:
        """The create field asking for `n` outputs in one job ({} when there is none)."""
        return {}

    def derive_refused(self, kind: str, video_id: str) -> str | None:
        """Why this server cannot remix, edit or extend the job `video_id`, where the job
        itself tells (a gateway's id naming its upstream); None: the capabilities decide."""
        return None

    # --- failures ------------------------------------------------------------------

    def create_refused(self, error: SoraNotebookError) -> bool:
        """Whether a create's error answer says plainly that nothing was made: a 500 or
        501 whose body states a refusal ("... is not supported", "... requires ...").
        Anything else (a lost answer, a gateway timeout, a bare or generic 5xx) is
        ambiguous and looked up before anything is sent again."""
        if not isinstance(error, APIError) or error.status_code not in (500, 501):
            return False
        return bool(self.REFUSAL.search(error.message))

    def failed_status(self, error: SoraNotebookError, tries: int) -> str | None:
        """The reason a job failed, read from an error answering its status (its `tries`-th
        in a row), or None when the job may still be running and is polled again."""
        return None

    def failed_media(self, error: SoraNotebookError, tries: int) -> str | None:
        """The reason a job that said `completed` has no media, read from the error its
        content answered (its `tries`-th in a row); None: try the download again later."""
        return None

    def status_word(self, status: str) -> str:
        """The protocol's status for a word this server uses; an unknown word is kept as
        it is (it counts as in progress, bounded by the wait)."""
        return status

    # --- answers -------------------------------------------------------------------

    def normalize(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A job in the official shape (status, size, seconds, error), extras kept."""
        return dict(body)

    def reported_cost(self, raw: Mapping[str, Any]) -> float | None:
        """USD the server says it charged for this job, when it says so (a finite
        number, 0 or more; the studio reads reported costs here and nowhere else)."""
        value = raw.get("server_cost")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if math.isfinite(value) and value >= 0 else None

    def cost_from_headers(self, headers: Mapping[str, str]) -> float | None:
        """USD a create's response headers report (LiteLLM's cost header)."""
        return None

    def read_headers(self) -> Mapping[str, str]:
        """Headers sent with every read (a GET: status, list, content): what a gateway
        needs to answer a read at once, as the studio polls and retries reads itself."""
        return {}

    def output_count(self, raw: Mapping[str, Any]) -> int:
        """How many outputs a completed job holds."""
        return 1

    def media(self, video_id: str, segment: str, variant: str, index: int) -> MediaSource:
        """Where to fetch one output (`index`) of a variant, by the API."""
        params = {} if variant == "video" else {"variant": variant}
        return MediaSource(path=f"/videos/{segment}/content", params=params)

    def media_url(self, raw: Mapping[str, Any], index: int) -> str | None:
        """A URL the job itself gives for an output (signed storage), if any."""
        return None

    def parse_models(self, body: Any) -> list[ModelInfo]:
        """The catalogue in `ModelInfo`s (OpenAI's `{data: [{id}]}` by default)."""
        items = body.get("data") if isinstance(body, Mapping) else None
        out = []
        for item in items or ():
            if isinstance(item, Mapping) and item.get("id"):
                spec = MODELS.get(str(item["id"]))
                out.append(
                    ModelInfo(
                        id=str(item["id"])[:200],
                        sizes=spec.sizes if spec else (),
                        seconds=spec.seconds if spec else (),
                    )
                )
        return out[:500]

    def remixed_from(self, raw: Mapping[str, Any], own_id: str) -> str | None:
        """The parent's id as this server names it to the client."""
        value = raw.get("remixed_from_video_id")
        return None if value is None else str(value)


# --- helpers shared by dialects -------------------------------------------------------


def ratio_of(width: int, height: int) -> str:
    """`1280, 720` -> `"16:9"`."""
    g = math.gcd(width, height) or 1
    return f"{width // g}:{height // g}"


_RESOLUTION_SHORT = {
    "480p": 480,
    "720p": 720,
    "768p": 768,
    "1080p": 1080,
    "1440p": 1440,
    "2160p": 2160,
    "4k": 2160,
}


def size_from(resolution: Any, aspect: Any) -> str | None:
    """`"720p"`, `"16:9"` -> `"1280x720"` (for display and the tree); None if unknown."""
    short = _RESOLUTION_SHORT.get(str(resolution or "").lower())
    try:
        a, b = (int(x) for x in str(aspect or "").split(":"))
    except ValueError:
        return None
    if short is None or a <= 0 or b <= 0:
        return None
    if a >= b:
        return f"{round(short * a / b)}x{short}"
    return f"{short}x{round(short * b / a)}"


def data_url(part: FilePart) -> str:
    """An uploaded image as a `data:` URL, for servers that take references only by URL."""
    return f"data:{part.content_type};base64,{base64.b64encode(part.content).decode()}"


def catalogue_problems(
    models: list[ModelInfo],
    model: str | None,
    size: str | None,
    seconds: str | None,
    *,
    reference: bool = False,
) -> dict[str, str]:
    """Field -> what to do, for a request a server's catalogue says its model cannot make
    (empty when it can, or when the catalogue does not say); `reference`: the request
    gives a first frame."""
    found = next((m for m in models if m.id == model), None)
    if found is None:
        return {}
    problems = {}
    if reference and found.image is False:
        others = [m.id for m in models if m.image][:5]
        hint = (
            f"choose a model that takes one ({', '.join(others)})"
            if others
            else ("this server's catalogue lists none that takes one")
        )
        problems["input_reference"] = (
            f"{found.id} makes text-to-video only (the server's model list says so): leave "
            f"out the reference image, or {hint}."
        )
    if size is not None and found.sizes and size not in found.sizes:
        problems["size"] = f"{found.id} makes {', '.join(found.sizes)}; choose one of those."
    if seconds is not None and found.seconds and str(seconds) not in found.seconds:
        problems["seconds"] = f"{found.id} makes clips of {', '.join(found.seconds)} seconds."
    return problems
