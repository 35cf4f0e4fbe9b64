"""The generation form: prompt, model/size/seconds, reference image, variants, cost.

Everything is checked in Python before anything is sent: problems are shown next to
their field and `collect()` returns None. Choices are limited to what the model allows
(`protocol.MODELS`). Modes: `new`, `remix`, `edit`, `extend`, `frame` (a picked frame is the
reference), `reprompt` (a new generation from an edited prompt, linked to its parent).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from PIL import Image

from sora_notebook.client.references import fit_reference
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import (
    DEFAULT_MODEL,
    DEFAULT_SECONDS,
    DEFAULT_SIZE,
    MAX_PROMPT_CHARS,
    MODELS,
    validate_create,
)
from sora_notebook.widgets.text import TextView
from sora_notebook.widgets.visibility import set_hidden

__all__ = ["MODES", "Request", "SubmitForm"]

MODES = ("new", "remix", "edit", "extend", "frame", "reprompt")
MAX_VARIANTS = 4
_SUBMIT_TEXT = {
    "new": "Generate",
    "remix": "Remix",
    "edit": "Edit",
    "extend": "Extend",
    "frame": "Generate from frame",
    "reprompt": "Generate again",
}
_MODE_TEXT = {
    "remix": "Remixing",
    "edit": "Editing",
    "extend": "Extending",
    "frame": "Starting from a frame of",
    "reprompt": "Re-prompting",
}
FIELDS = ("prompt", "model", "size", "seconds", "variants", "reference", "submit")


@dataclass(frozen=True)
class Request:
    """A checked submission, ready for the studio."""

    mode: str
    prompt: str
    model: str | None
    size: str | None
    seconds: str | None
    n: int
    reference: bytes | None
    parent: Any | None


def _all_sizes() -> list[str]:
    sizes: list[str] = []
    for spec in MODELS.values():
        sizes += [s for s in spec.sizes if s not in sizes]
    return sizes


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


class SubmitForm:
    """The form's widgets (`box`) and its checks; the panel performs the submission."""

    def __init__(self, studio: Any) -> None:
        self.studio = studio
        self.mode = "new"
        self.parent: Any | None = None
        self._reference_source: bytes | None = None
        self.reference: bytes | None = None
        backend = studio.backend
        self._open_models = not getattr(backend, "check_models", True) or backend.name not in {
            "emulator",
            "openai",
            "azure",
        }
        models: list[tuple[str, str]] = [(m, m) for m in MODELS]
        if self._open_models:
            models.insert(0, ("server default", ""))

        self.mode_text = TextView(kind="strong")
        self.cancel = w.Button(description="Cancel", tooltip="Back to a new generation (Esc)")
        self.cancel.add_class("sn-mode-cancel")
        self.mode_row = w.HBox([self.mode_text, self.cancel])
        self.mode_row.add_class("sn-mode")

        self.prompt = w.Textarea(
            placeholder="Describe the video: subject, setting, camera, light, sound…",
            continuous_update=True,
            layout=w.Layout(width="100%"),
        )
        self.prompt.add_class("sn-prompt")
        self.count = w.Label()
        self.count.add_class("sn-count")

        self.model = w.Dropdown(
            options=models, value="" if self._open_models else DEFAULT_MODEL, description="Model"
        )
        self.model.add_class("sn-model")
        self.size = w.Dropdown(description="Size")
        self.size.add_class("sn-size")
        self.seconds = w.Dropdown(description="Seconds")
        self.seconds.add_class("sn-seconds")
        self.variants = w.BoundedIntText(value=1, min=1, max=MAX_VARIANTS, description="Variants")
        self.variants.add_class("sn-variants")
        self.params = w.HBox([self.model, self.size, self.seconds, self.variants])
        self.params.add_class("sn-params")
        self.keeps = TextView("Keeps the parent's model and size.", kind="hint")
        self.keeps_box = w.Box([self.keeps])  # hidden in its place: see visibility.py

        self.upload = w.FileUpload(
            accept="image/png,image/jpeg,image/webp", multiple=False, description="Reference"
        )
        self.upload.add_class("sn-reference")
        self.fit = w.Dropdown(
            options=[("crop to fill", "crop"), ("pad with bars", "pad")],
            value="crop",
            description="Fit",
        )
        self.fit.add_class("sn-fit")
        self.preview = w.Image(format="png", layout=w.Layout(max_width="160px"))
        self.preview.add_class("sn-reference-preview")
        self.clear_reference = w.Button(description="Remove image")
        self.clear_reference.add_class("sn-reference-clear")
        self.reference_row = w.HBox([self.upload, self.fit, self.preview, self.clear_reference])
        self.reference_row.add_class("sn-reference-row")

        self.cost = TextView(kind="muted")
        self.cost.add_class("sn-cost")
        self.submit = w.Button(description="Generate", button_style="primary", icon="play")
        self.submit.add_class("sn-submit")
        self.shortcut = w.Label("Ctrl/Cmd+Enter")
        self.shortcut.add_class("sn-shortcut")
        self.status = TextView(kind="muted")
        self.status.add_class("sn-form-status")

        self.submit_row = w.HBox([self.submit, self.shortcut, self.status])
        self.submit_row.add_class("sn-submit-row")

        self.errors: dict[str, TextView] = {}
        for name in FIELDS:
            view = TextView(kind="error")
            view.add_class("sn-error")
            view.add_class(f"sn-error-{name}")
            self.errors[name] = view

        self.box = w.VBox(
            [
                self.mode_row,
                self.prompt,
                w.HBox([self.count, self.errors["prompt"]]),
                self.params,
                self.keeps_box,
                self.errors["model"],
                self.errors["size"],
                self.errors["seconds"],
                self.errors["variants"],
                self.reference_row,
                self.errors["reference"],
                self.cost,
                self.submit_row,
                self.errors["submit"],
            ]
        )
        self.box.add_class("sn-form")

        self.prompt.observe(self._on_prompt, names="value")
        self.model.observe(self._on_model, names="value")
        for control in (self.size, self.seconds, self.variants):
            control.observe(self._on_params, names="value")
        self.size.observe(self._refit, names="value")
        self.fit.observe(self._refit, names="value")
        self.upload.observe(self._on_upload, names="value")
        self.clear_reference.on_click(lambda _b: self.set_reference(None))
        self.cancel.on_click(lambda _b: self.set_mode("new"))
        self._on_model()
        self._on_prompt()
        self.set_mode("new")

    # --- choices --------------------------------------------------------------------

    def _on_model(self, _change: Any = None) -> None:
        spec = MODELS.get(self.model.value)
        sizes = list(spec.sizes) if spec else _all_sizes()
        seconds = list(spec.seconds) if spec else list(MODELS[DEFAULT_MODEL].seconds)
        keep_size, keep_seconds = self.size.value, self.seconds.value
        self.size.options = sizes
        self.size.value = (
            keep_size
            if keep_size in sizes
            else (DEFAULT_SIZE if DEFAULT_SIZE in sizes else sizes[0])
        )
        self.seconds.options = seconds
        self.seconds.value = (
            keep_seconds
            if keep_seconds in seconds
            else (DEFAULT_SECONDS if DEFAULT_SECONDS in seconds else seconds[0])
        )
        self.refresh_cost()

    def _on_prompt(self, _change: Any = None) -> None:
        n = len(self.prompt.value)
        self.count.value = f"{n:,} / {MAX_PROMPT_CHARS:,} characters"
        if n > MAX_PROMPT_CHARS:
            self.count.add_class("sn-over")
        else:
            self.count.remove_class("sn-over")
        if self.errors["prompt"].value and self.prompt.value.strip():
            self.errors["prompt"].value = ""

    def _on_params(self, _change: Any = None) -> None:
        self.refresh_cost()

    # --- the reference image ----------------------------------------------------------

    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        data = bytes(files[0]["content"])
        self.upload.value = ()  # keep the bytes out of the widget state (and the notebook)
        self.set_reference(data)

    def set_reference(self, data: bytes | None) -> None:
        """Use this image (bytes) as the reference, fitted to the chosen size; None clears."""
        self._reference_source = data
        self._refit()

    def _refit(self, _change: Any = None) -> None:
        self.errors["reference"].value = ""
        data = self._reference_source
        if data is None:
            self.reference = None
            self.preview.value = b""
            set_hidden(self.preview, True)
            set_hidden(self.clear_reference, True)
            return
        size = self.size.value or DEFAULT_SIZE
        try:
            fitted = fit_reference(data, size, mode=self.fit.value)
        except ValidationError as exc:
            self.reference = None
            self.errors["reference"].value = exc.message
            return
        out = io.BytesIO()
        fitted.save(out, format="PNG")
        self.reference = out.getvalue()
        small = fitted.copy()
        small.thumbnail((240, 240), Image.Resampling.BILINEAR)
        out = io.BytesIO()
        small.save(out, format="PNG")
        self.preview.value = out.getvalue()
        set_hidden(self.preview, False)
        set_hidden(self.clear_reference, False)

    # --- modes ------------------------------------------------------------------------

    def set_mode(self, mode: str, parent: Any | None = None) -> None:
        """Switch mode; `parent` is the job remixed, extended or re-prompted."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}.")
        if mode != "new" and parent is None:
            raise ValueError(f"{mode} needs the job it starts from.")
        previous = self.mode
        self.mode, self.parent = mode, (parent if mode != "new" else None)
        for view in self.errors.values():
            view.value = ""
        if mode == "new":
            self.mode_text.value = ""
        else:
            prompt = " ".join((parent.prompt or "").split())
            short = prompt if len(prompt) <= 120 else prompt[:119] + "…"
            self.mode_text.value = f"{_MODE_TEXT[mode]}: {short}"
            self.mode_text.title = prompt
            if mode in {"reprompt", "remix", "edit"} and not self.prompt.value.strip():
                self.prompt.value = parent.prompt or ""
        if mode in {"reprompt", "frame"} and parent is not None:
            if parent.model in MODELS or (self._open_models and not parent.model):
                self.model.value = parent.model or ""
            if parent.size in self.size.options:
                self.size.value = parent.size
            if parent.seconds in self.seconds.options:
                self.seconds.value = parent.seconds
        if previous == "frame" and mode != "frame":
            self.set_reference(None)
        set_hidden(self.mode_row, mode == "new")
        fixed = mode in {"remix", "edit", "extend"}
        set_hidden(self.model, fixed)
        set_hidden(self.size, fixed)
        set_hidden(self.seconds, mode in {"remix", "edit"})
        set_hidden(self.variants, mode in {"edit", "extend"})
        set_hidden(self.keeps_box, not fixed)
        set_hidden(self.reference_row, fixed)
        if fixed:
            self.set_reference(None)
        self.seconds.description = "Add (s)" if mode == "extend" else "Seconds"
        self.refresh_cost()

    # --- cost ---------------------------------------------------------------------------

    def _cost_params(self) -> tuple[str | None, str | None, str | None, int]:
        n = 1 if self.mode in {"edit", "extend"} else int(self.variants.value or 1)
        if self.mode in {"remix", "edit", "extend"} and self.parent is not None:
            seconds = self.seconds.value if self.mode == "extend" else self.parent.seconds
            return self.parent.model, self.parent.size, seconds, n
        return self.model.value or None, self.size.value, self.seconds.value, n

    def estimate(self) -> float | None:
        model, size, seconds, n = self._cost_params()
        try:
            return self.studio.estimate(model=model, size=size, seconds=seconds, n=n)
        except ValidationError:
            return None

    def refresh_cost(self) -> None:
        """Rewrite the cost line: this request, the session so far, the budget."""
        estimate = self.estimate()
        spent = float(getattr(self.studio, "spent", 0.0) or 0.0)
        budget = getattr(self.studio, "budget", None)
        parts = [
            f"Estimate {_money(estimate)}"
            if estimate is not None
            else "Estimate: price unknown for this backend"
        ]
        parts.append(f"session {_money(spent)}")
        if budget is not None:
            parts.append(f"budget {_money(budget)} ({_money(max(budget - spent, 0.0))} left)")
        self.cost.value = " · ".join(parts)
        label = _SUBMIT_TEXT[self.mode]
        n = self._cost_params()[3]
        self.submit.description = f"{label} ×{n}" if n > 1 else label

    # --- checking -----------------------------------------------------------------------

    def show_error(self, field: str, message: str) -> None:
        self.errors[field if field in self.errors else "submit"].value = message

    def collect(self) -> Request | None:
        """The checked request, or None with every problem shown next to its field."""
        for view in self.errors.values():
            view.value = ""
        problems = False
        prompt = self.prompt.value
        model, size, seconds, n = self._cost_params()
        backend = self.studio.backend
        if self.mode in {"remix", "edit", "extend"}:
            capability = f"supports_{self.mode}"
            if not getattr(backend, capability, True):
                self.show_error(
                    "submit",
                    f"{backend.label} cannot {self.mode} videos. Use 'Generate again' "
                    "(a new generation from the edited prompt) instead.",
                )
                problems = True
        try:
            validate_create(
                prompt,
                model if (model or not self._open_models) else None,
                size if self.mode not in {"remix", "edit"} else None,
                seconds if self.mode not in {"remix", "edit"} else None,
            )
        except ValidationError as exc:
            self.show_error(exc.param or "submit", exc.message)
            problems = True
        if not 1 <= n <= MAX_VARIANTS:
            self.show_error("variants", f"Ask for 1 to {MAX_VARIANTS} variants.")
            problems = True
        if self._reference_source is not None and self.reference is None:
            self.show_error(
                "reference",
                self.errors["reference"].value
                or "The reference image could not be fitted; choose another.",
            )
            problems = True
        if self.mode == "frame" and self.reference is None:
            self.show_error("reference", "Pick a frame first (the card's Frame button).")
            problems = True
        budget = getattr(self.studio, "budget", None)
        estimate = self.estimate()
        if not problems and budget is not None and estimate is not None:
            spent = float(getattr(self.studio, "spent", 0.0) or 0.0)
            if spent + estimate > budget + 1e-9:
                self.show_error(
                    "submit",
                    f"This would cost {_money(estimate)}, but only "
                    f"{_money(max(budget - spent, 0.0))} of the {_money(budget)} budget is "
                    "left. Ask for fewer variants or seconds, or raise studio.budget.",
                )
                problems = True
        if problems:
            return None
        return Request(
            mode=self.mode,
            prompt=prompt,
            model=model,
            size=size,
            seconds=seconds,
            n=n,
            reference=self.reference if self.mode not in {"remix", "edit", "extend"} else None,
            parent=self.parent,
        )
