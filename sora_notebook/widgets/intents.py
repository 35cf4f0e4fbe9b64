"""The form's intents: field changes, modes, the reference image, and Generate.

The page sends what the person typed or chose; Python keeps it in the `form` trait,
asks the studio for a plan (`plan` trait: quote, budget left, problems per field) and
sends the request. Everything the next request depends on is visible in `form`: the
mode and its parent, extend's added seconds (never Generate's seconds), the reference
with its fit ("1000x1000 -> cropped to 720x1280") and whether it is kept after a submit.
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any

from sora_notebook.client.references import fit_reference
from sora_notebook.decoding import open_picture
from sora_notebook.errors import BudgetExceeded, SoraNotebookError, ValidationError
from sora_notebook.library import Job
from sora_notebook.protocol import DEFAULT_MODEL, DEFAULT_SECONDS, DEFAULT_SIZE, MAX_PROMPT_CHARS
from sora_notebook.widgets.base import Part
from sora_notebook.widgets.rpc import Handler, Problems, Reply
from sora_notebook.widgets.state import capabilities, model_options

if TYPE_CHECKING:
    from sora_notebook.widgets.view import StudioView

__all__ = ["BANNERS", "MODES", "Form"]

MODES = ("new", "remix", "edit", "extend", "frame", "reprompt")
DERIVED = frozenset({"remix", "edit", "extend"})
FIELDS = ("prompt", "model", "size", "seconds", "add_seconds", "n", "fit", "keep_reference")
BANNERS = {
    "remix": "Remix: a new video from this one, changed as your prompt says; keeps its "
    "model, size and length.",
    "edit": "Edit: this video with one change (e.g. 'make it night'); keeps everything "
    "else, including model, size and length.",
    "extend": "Extend: continues this video; the prompt says what happens next. Adds the "
    "seconds chosen below.",
    "reprompt": "Retry with changes: a new generation from the edited prompt, linked to "
    "this one in the tree.",
    "frame": "From a frame: a new video that starts from the picked frame.",
}
PLACEHOLDERS = {
    "new": "Describe the video: subject, setting, camera, light, sound…",
    "remix": "The prompt with your changes…",
    "edit": "What to change, e.g. 'make it night'…",
    "extend": "What happens next…",
    "reprompt": "The prompt with your changes…",
    "frame": "Describe the video that starts from this frame…",
}
ACTION = {"remix": "Remix", "edit": "Edit", "extend": "Extend"}
#: The API's words in the studio's messages -> the form's (its Fit menu's labels).
FORM_WORDS = {
    "fit='crop'": "Fit: crop to fill",
    "fit='pad'": "Fit: pad with bars",
    "fit='none'": "Fit: send as is",
}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
RECENT = 5.0  # seconds: sends this close together are counted together


def in_form_words(text: str) -> str:
    """A studio message as the form names things (its menus, not the API's arguments)."""
    for api, form in FORM_WORDS.items():
        text = text.replace(api, form)
    return text


def _same_kind(value: Any, default: Any) -> bool:
    """`value` may stand where `default` stands (None where the default is None: any)."""
    if default is None:
        return value is None or isinstance(value, str | dict)
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    return isinstance(value, type(default))


def _int(value: Any, low: int, high: int, name: str) -> tuple[int, str]:
    """`value` clamped to low..high, and what was clamped (said to the person)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return low, f"{name} must be a whole number; using {low}."
    if number < low or number > high:
        clamped = min(max(number, low), high)
        return clamped, f"{name} goes from {low} to {high}; {number} became {clamped}."
    return number, ""


class Form(Part):
    """The form's state (the view's `form` and `plan`) and its requests."""

    def __init__(self, view: StudioView) -> None:
        super().__init__(view)
        self._source: bytes | None = None
        self._attempted = self._sending = False
        self._planned_for: tuple[Any, ...] | None = None
        self._recent: list[tuple[float, int]] = []  # (when, how many) sent
        models = model_options()
        backend = self.studio.backend
        open_models = not getattr(backend, "check_models", True) or backend.name not in {
            "emulator",
            "openai",
            "azure",
        }
        self.view.options = {
            "models": models,
            "open_models": open_models,
            "max_prompt": MAX_PROMPT_CHARS,
            "max_variants": 4,
            "capabilities": capabilities(self.studio),
        }
        self._form_defaults: dict[str, Any] = {
            "mode": "new",
            "parent": None,
            "parent_prompt": "",
            "prompt": "",
            "model": "" if open_models else DEFAULT_MODEL,
            "size": DEFAULT_SIZE,
            "seconds": DEFAULT_SECONDS,
            "add_seconds": "4",
            "n": 1,
            "fit": "crop",
            "keep_reference": False,
            "reference": None,
            "notes": {},
            "rev": 0,
            **self._mode_text("new"),
        }
        self.view.form = dict(self._form_defaults)

    def handlers(self) -> dict[str, Handler]:
        return {
            "form": self.request_form,
            "mode": self.request_mode,
            "generate": self.request_generate,
            "reference": self.request_reference,
        }

    def valid(self, form: Any) -> dict[str, Any]:
        """Every field the form's code reads, of its type; anything else -> the default
        (the view's validator of its `form` trait)."""
        defaults = self._form_defaults
        form = form if isinstance(form, dict) else {}
        bad = [k for k, v in defaults.items() if not _same_kind(form.get(k, v), v)]
        if form.get("mode", "new") not in MODES:
            bad.append("mode")
        n = form.get("n", 1)
        if not isinstance(n, int) or not 1 <= n <= 4:
            bad.append("n")
        if not bad:
            return {**defaults, **form}
        return {**defaults, **{k: v for k, v in form.items() if k in defaults and k not in bad}}

    @staticmethod
    def _mode_text(mode: str) -> dict[str, str]:
        return {
            "banner": BANNERS.get(mode, ""),
            "placeholder": PLACEHOLDERS[mode],
            "action": ACTION.get(mode, "Generate"),
        }

    def _set_form(self, *, rev: bool = False, **fields: Any) -> None:
        form = {**self.view.form, **fields}
        if rev:
            form["rev"] = int(form.get("rev", 0)) + 1
        self.view.form = form

    def _parent(self) -> Job | None:
        key = self.view.form.get("parent")
        return self.view._find(key) if key else None

    # --- plan -----------------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        form = self.view.form
        mode = form["mode"]
        params: dict[str, Any] = {"n": 1 if mode in {"edit", "extend"} else int(form["n"])}
        if mode == "extend":
            params["seconds"] = form["add_seconds"]
        elif mode not in DERIVED:
            params.update(model=form["model"] or None, size=form["size"], seconds=form["seconds"])
            if self._source is not None:
                params.update(input_reference=self._source, fit=form["fit"])
        if mode in {"reprompt", "frame"}:
            params["edge_kind"] = mode
        return params

    def replan(self) -> None:
        """Ask the studio for the current form's plan (quote, budget left, problems), only
        when something it depends on changed: a flush does not fit the reference again."""
        form = self.view.form
        parent = self._parent()
        inputs = (
            repr(
                sorted(
                    (k, repr(v)) for k, v in form.items() if k not in {"notes", "rev", "reference"}
                )
            ),
            id(self._source),
            repr(sorted(self.view.money.items())),
            None if parent is None else (parent.key, parent.status, parent.updated_at),
            repr(sorted(capabilities(self.studio).items())),
            self._attempted,
            id(self.view.options),  # a server's model catalogue arrived
        )
        if inputs == self._planned_for:
            return
        self._planned_for = inputs
        mode = "create" if form["mode"] in {"new", "reprompt", "frame"} else form["mode"]
        result = self.studio.plan(form["prompt"], mode=mode, parent=parent, **self._params())
        problems = {field: in_form_words(text) for field, text in result.problems.items()}
        if form["mode"] == "frame" and self._source is None:
            problems["input_reference"] = (
                "Pick a frame first (a card's 'Use a frame as reference')."
            )
        blocking = {k: v for k, v in problems.items() if k in {"budget", "parent"}}
        described = result.reference.describe() if result.reference is not None else ""
        reference = form.get("reference")
        if reference and described and reference.get("describe") != described:
            self._set_form(reference={**reference, "describe": described})
        self.view.plan = {
            "ok": not problems,
            "problems": problems,
            "cost": result.cost,
            "left": result.left,
            "reference": described,
            "disabled": dict(result.disabled),
            "blocked": next(iter(blocking.values()), ""),
            "attempted": self._attempted,
        }

    # --- requests -------------------------------------------------------------------------

    def request_form(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """The person changed fields: keep them (clamped, with a note), answer the plan."""
        self._take_fields(args)
        self.replan()
        return {"plan": self.view.plan}, []

    def _take_fields(self, args: dict[str, Any]) -> None:
        fields = {k: args[k] for k in FIELDS if k in args}
        notes = dict(self.view.form.get("notes") or {})
        if "prompt" in fields:
            fields["prompt"] = str(fields["prompt"])[: MAX_PROMPT_CHARS * 2]
        if "n" in fields:
            fields["n"], notes["n"] = _int(fields["n"], 1, 4, "Variants")
        if "fit" in fields and fields["fit"] not in {"crop", "pad", "none"}:
            fields["fit"] = "crop"
        for name in ("model", "size", "seconds", "add_seconds"):
            if name in fields:
                fields[name] = str(fields[name] or "")[:64]
        if "keep_reference" in fields:
            fields["keep_reference"] = bool(fields["keep_reference"])
        refit = any(k in fields and fields[k] != self.view.form.get(k) for k in ("size", "fit"))
        self._set_form(notes={k: v for k, v in notes.items() if v}, **fields)
        if refit and self._source is not None:
            self._refit()

    def request_mode(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """Switch to `mode` for the job `key` (remix, edit, extend, reprompt) or back to new."""
        self.set_mode(str(args.get("mode", "new")), args.get("key"))
        return {"mode": self.view.form["mode"]}, []

    def set_mode(self, mode: str, key: Any = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}.")
        parent = self.view._find(str(key)) if key else None
        if mode != "new" and parent is None:
            raise LookupError(f"{mode} needs the video it starts from.")
        reason = capabilities(self.studio).get(mode)
        if reason:
            raise ValueError(reason)
        fields: dict[str, Any] = {"mode": mode, "parent": parent.key if parent else None}
        fields["parent_prompt"] = parent.prompt if parent else ""
        if parent is not None and mode not in {"extend", "edit"}:
            fields["prompt"] = parent.prompt
        elif mode in {"extend", "edit"}:
            fields["prompt"] = ""  # what happens next / what to change: a new sentence
        if parent is not None and mode in {"reprompt", "frame"}:
            fields.update(
                model=parent.model or "", size=parent.size or "", seconds=parent.seconds or ""
            )
        if mode in DERIVED or (self.view.form["mode"] == "frame" and mode != "frame"):
            self._clear_reference()
        self._attempted = False
        self._set_form(rev=True, notes={}, **fields, **self._mode_text(mode))
        self.view.say("")
        self.replan()

    def request_generate(self, args: dict[str, Any], _buffers: list[Any]) -> Any:
        """Generate (or remix, edit, extend) what the form says; problems come back per field."""
        if self._sending:
            raise ValueError("Still sending the previous request.")
        self._take_fields(args)
        self.replan()
        if not self.view.plan["ok"]:
            self._attempted = True
            self.replan()
            self.view.say("Nothing was sent: see the messages next to the fields.", "error")
            raise Problems(self.view.plan["problems"])
        self.view.say("Sending…")
        self._sending = True
        return self._generate(dict(self.view.form), self._parent(), self._source)

    async def _generate(self, form: dict[str, Any], parent: Job | None, ref: bytes | None) -> Reply:
        try:
            jobs = await self._submit_form(form, parent, ref)
        except ValidationError as exc:
            self._attempted = True
            self.replan()
            self.view.say("Nothing was sent.", "error")
            raise Problems({exc.param or "prompt": exc.message}) from exc
        except BudgetExceeded as exc:
            self.view.say("Nothing was sent.", "error")
            raise Problems({"budget": str(exc)}) from exc
        except SoraNotebookError as exc:
            self.view.say(f"Not accepted: {exc}", "error")
            raise
        finally:
            self._sending = False
            self.view.flush()
        self._attempted = False
        if not form["keep_reference"]:
            self._clear_reference()
        if form["mode"] != "new":
            self.set_mode("new")
            if form["mode"] == "extend":
                self._set_form(rev=True, prompt="")
        self.replan()
        self.view.say(f"{self._sent(len(jobs))}; the cards follow them.")
        return {"keys": [j.key for j in jobs]}, []

    def _sent(self, n: int) -> str:
        """ "Sent n requests", with how many in the last few seconds when more were."""
        now = time.monotonic()
        self._recent = [(t, k) for t, k in self._recent if now - t < RECENT] + [(now, n)]
        recent = sum(k for _, k in self._recent)
        said = f"Sent {n} request{'s' if n != 1 else ''}"
        return said if recent == n else f"{said} ({recent} in the last {RECENT:g} seconds)"

    async def _submit_form(
        self, form: dict[str, Any], parent: Job | None, ref: bytes | None
    ) -> list[Job]:
        studio, mode, prompt = self.studio, form["mode"], form["prompt"]
        if mode in DERIVED and parent is None:
            raise ValidationError("The video this starts from is gone.", param="parent")
        if mode == "remix":
            return [await studio.remix(parent, prompt) for _ in range(int(form["n"]))]  # type: ignore[arg-type]
        if mode == "edit":
            return [await studio.edit(parent, prompt)]  # type: ignore[arg-type]
        if mode == "extend":
            return [await studio.extend(parent, prompt, form["add_seconds"])]  # type: ignore[arg-type]
        params: dict[str, Any] = {
            "model": form["model"] or None,
            "size": form["size"] or None,
            "seconds": form["seconds"] or None,
            "input_reference": ref,
            "fit": form["fit"] if ref is not None else "none",
        }
        if mode in {"reprompt", "frame"} and parent is not None:
            params.update(parent=parent, edge_kind=mode)
        if int(form["n"]) == 1:
            return [await studio.submit(prompt, **params)]
        return await studio.variants(prompt, int(form["n"]), **params)

    # --- the reference image ----------------------------------------------------------------

    def request_reference(self, args: dict[str, Any], buffers: list[Any]) -> Reply:
        """Use the uploaded image (one buffer) as the reference; it is fitted at once."""
        if not buffers:
            self._clear_reference()
            self.replan()
            return {"reference": None}, []
        data = bytes(buffers[0])
        if len(data) > MAX_IMAGE_BYTES:
            raise ValueError(f"The image is {len(data):,} bytes; the limit is {MAX_IMAGE_BYTES:,}.")
        self.set_reference(data, name=str(args.get("name", "image"))[:120])
        return {"reference": self.view.form["reference"]}, []

    def set_reference(self, data: bytes, *, name: str = "image") -> None:
        self._source = data
        self._refit(name=name)
        self.replan()

    def _refit(self, name: str | None = None) -> None:
        """The preview of the reference as it will be sent (the studio fits the image)."""
        assert self._source is not None
        size, fit = self.view.form["size"] or DEFAULT_SIZE, self.view.form["fit"]
        try:
            im = open_picture(self._source)  # bounded: a bomb is a ValueError here
            source = im.size
            shown = im.convert("RGB") if fit == "none" else None
            if shown is None:
                shown = fit_reference(self._source, size, mode="pad" if fit == "pad" else "crop")
        except (ValidationError, OSError, ValueError) as exc:
            self._clear_reference()
            raise ValueError(f"This image cannot be used: {exc}") from exc
        shown.thumbnail((240, 240))
        small = io.BytesIO()
        shown.save(small, format="PNG")
        self.view.media.extra["@reference"] = ("image/png", small.getvalue())
        old = self.view.form.get("reference") or {}
        self._set_form(
            reference={
                "name": name or old.get("name", "image"),
                "source": f"{source[0]}x{source[1]}",
                "target": size,
                "fit": fit,
                "describe": "",
                "token": int(old.get("token", 0)) + 1,
                "count": 1,
            }
        )

    def _clear_reference(self) -> None:
        self._source = None
        self.view.media.extra.pop("@reference", None)
        self._set_form(reference=None)
