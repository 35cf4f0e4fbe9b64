"""Where the Video API lives: base URL, auth and quirks, as one small config object.

```python
Backend.emulator()                        # in-process, offline (the default)
Backend.openai()                          # OPENAI_API_KEY / OPENAI_BASE_URL
Backend.azure("https://res.openai.azure.com", api_key=...)  # or token_provider=
Backend.compatible("http://gpu:8000/v1", flavor="vllm-omni")
Backend.from_env()                        # the first of these the environment names
```
The key is held privately: it never appears in `repr`, `str`, an exception or a log.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from sora_notebook.client._http.limits import Limits
from sora_notebook.client._transport import EmulatorTransport
from sora_notebook.client._urls import split_credentials
from sora_notebook.client.dialects import DIALECTS
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import VARIANTS

__all__ = ["FLAVORS", "Backend", "TokenProvider"]

#: The old name of `DIALECTS`, kept for code written against it.
FLAVORS = DIALECTS

TokenProvider = Callable[[], "str | Awaitable[str]"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
EMULATOR_BASE_URL = "http://emulator.local/v1"
EMULATOR_KEY = "sk-emulator"  # the emulator accepts any key unless it was given one


@dataclass(frozen=True, repr=False, eq=False)
class Backend:
    """A server speaking the Video API.

    `name` is `emulator | openai | azure | compatible`; `label` is for display. Quirks:
    `multipart` (send create as multipart, else JSON unless a file is attached),
    `supports_remix/edit/extend/list`, `check_models` (hold known models to the capability
    table; compatible servers with no model given stay open), `image_url_field` (the
    form field for a reference given by URL), `variants` (the media kinds it serves;
    some servers always send the MP4), `api_version` (Azure's query parameter).
    `limits` bounds what the server may send (time, bytes, pages; `Limits()` if None).
    `prices`: dollars per second of video by model, for servers the published table does
    not price (set with `backend.priced({"my-model": 0.05})`).
    A key written into the base URL (`user:KEY@`, `?api-key=KEY`) is moved into the
    auth header; the URL and label never show it.
    """

    name: str
    base_url: str
    label: str
    multipart: bool = True
    supports_remix: bool = True
    supports_edit: bool = True
    supports_extend: bool = True
    supports_list: bool = True
    check_models: bool = True
    flavor: str | None = None
    image_url_field: str | None = None
    variants: tuple[str, ...] = VARIANTS
    api_version: str | None = None
    limits: Limits | None = None
    prices: Mapping[str, float] | None = field(default=None, compare=False)
    app: Any = field(default=None, compare=False)
    _api_key: str | None = field(default=None, compare=False)
    _auth_header: str = field(default="authorization", compare=False)
    _token_provider: TokenProvider | None = field(default=None, compare=False)

    def priced(self, prices: Mapping[str, float]) -> Backend:
        """This backend with its own prices: model -> dollars per second of video."""
        return replace(self, prices=dict(prices))

    def __post_init__(self) -> None:
        clean, key = split_credentials(self.base_url)
        if clean == self.base_url.rstrip("/") or clean == self.base_url:
            return
        if key is not None and self._token_provider is None:
            if self._api_key and self._api_key != key:
                raise ValidationError(
                    "The base URL holds a key and api_key= gives a different one. Pass the "
                    "key once, as api_key=, with a base URL without credentials.",
                    param="base_url",
                )
            object.__setattr__(self, "_api_key", key)
        raw_host = urlsplit(self.base_url).netloc
        label = self.label.replace(raw_host, urlsplit(clean).netloc)
        if key:
            label = label.replace(key, "")
        object.__setattr__(self, "base_url", clean.rstrip("/"))
        object.__setattr__(self, "label", label)

    # --- factories -----------------------------------------------------------------

    @classmethod
    def openai(cls, api_key: str | None = None, *, base_url: str | None = None) -> Backend:
        """OpenAI's hosted API (`OPENAI_API_KEY`, `OPENAI_BASE_URL` when not given)."""
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            raise ValidationError(
                "No OpenAI key: pass api_key= or set OPENAI_API_KEY. Without a key, use "
                "Backend.emulator() to work offline."
            )
        url = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL).rstrip("/")
        return cls(name="openai", base_url=url, label="OpenAI", _api_key=key)

    @classmethod
    def azure(
        cls,
        endpoint: str,
        api_key: str | None = None,
        token_provider: TokenProvider | None = None,
        api_version: str | None = None,
    ) -> Backend:
        """Azure AI Foundry: `api-key` header, or an Entra ID token from `token_provider`.

        `token_provider` is a sync or async callable returning a bearer token; it is
        called for every request so it can refresh. `model` is the deployment name.
        """
        if not endpoint:
            raise ValidationError(
                "Azure needs the resource endpoint, e.g. https://NAME.openai.azure.com."
            )
        key = api_key or (None if token_provider else os.environ.get("AZURE_OPENAI_API_KEY"))
        if not key and token_provider is None:
            raise ValidationError(
                "No Azure credential: pass api_key=, set AZURE_OPENAI_API_KEY, or pass "
                "token_provider= (an Entra ID token function)."
            )
        root = endpoint.rstrip("/")
        if root.endswith("/openai/v1"):
            root = root[: -len("/openai/v1")]
        host = urlsplit(root).hostname or root
        return cls(
            name="azure",
            base_url=f"{root}/openai/v1",
            label=f"Azure: {host}",
            api_version=api_version,
            _api_key=None if token_provider else key,
            _auth_header="authorization" if token_provider else "api-key",
            _token_provider=token_provider,
        )

    @classmethod
    def compatible(
        cls, base_url: str, api_key: str | None = None, *, flavor: str | None = None
    ) -> Backend:
        """Any server speaking the protocol; `flavor` in FLAVORS names its quirks."""
        if not base_url or urlsplit(base_url).scheme not in {"http", "https"}:
            raise ValidationError(
                f"base_url must be an http(s) URL such as http://localhost:8000/v1; got "
                f"{base_url!r}."
            )
        quirks = dict(FLAVORS.get(flavor or "", {}))
        if flavor is not None and flavor not in FLAVORS:
            raise ValidationError(
                f"Unknown flavor {flavor!r}; use one of {', '.join(sorted(FLAVORS))}, or none."
            )
        host = urlsplit(base_url).netloc
        label = quirks.pop("label", None)
        return cls(
            name="compatible",
            base_url=base_url.rstrip("/"),
            label=f"{label}: {host}" if label else host,
            check_models=False,
            flavor=flavor,
            _api_key=api_key or None,
            **quirks,
        )

    @classmethod
    def emulator(cls, **create_app_kwargs: Any) -> Backend:
        """The built-in emulator, in-process (no socket). `.app` is the ASGI app.

        The emulator takes any key unless `api_key=` is given; a placeholder is sent.
        """
        from sora_notebook.emulator import create_app

        app = create_app(**create_app_kwargs)
        return cls(
            name="emulator",
            base_url=EMULATOR_BASE_URL,
            label="Emulator",
            app=app,
            _api_key=create_app_kwargs.get("api_key") or EMULATOR_KEY,
        )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, emulator_data_dir: Any = None
    ) -> Backend:
        """The backend the environment names, else the emulator.

        In order: `SORA_NOTEBOOK_BASE_URL` (+ `SORA_NOTEBOOK_API_KEY`,
        `SORA_NOTEBOOK_FLAVOR`), `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`),
        `AZURE_OPENAI_ENDPOINT` (+ `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_API_VERSION`).
        The emulator fallback reads `SORA_NOTEBOOK_EMULATOR_SPEED` (e.g. `50` for fast
        demos and tests) and `SORA_NOTEBOOK_EMULATOR_RENDER` (`full` or `draft`), and keeps
        its jobs in `emulator_data_dir` when given, so they outlive a kernel restart.
        """
        env = os.environ if env is None else env
        if env.get("SORA_NOTEBOOK_BASE_URL"):
            return cls.compatible(
                env["SORA_NOTEBOOK_BASE_URL"],
                env.get("SORA_NOTEBOOK_API_KEY"),
                flavor=env.get("SORA_NOTEBOOK_FLAVOR") or None,
            )
        if env.get("OPENAI_API_KEY"):
            return cls.openai(env["OPENAI_API_KEY"], base_url=env.get("OPENAI_BASE_URL"))
        if env.get("AZURE_OPENAI_ENDPOINT") and env.get("AZURE_OPENAI_API_KEY"):
            return cls.azure(
                env["AZURE_OPENAI_ENDPOINT"],
                api_key=env["AZURE_OPENAI_API_KEY"],
                api_version=env.get("AZURE_OPENAI_API_VERSION") or None,
            )
        return cls.emulator(**_emulator_settings(env, emulator_data_dir))

    # --- use -----------------------------------------------------------------------

    @property
    def has_key(self) -> bool:
        return bool(self._api_key or self._token_provider)

    def with_quirks(self, **quirks: Any) -> Backend:
        """A copy with some quirks changed, e.g. `multipart=False`."""
        return replace(self, **quirks)

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as `/videos`."""
        return f"{self.base_url}{path}"

    def query(self) -> dict[str, str]:
        """Query parameters every request carries (Azure's `api-version`)."""
        return {"api-version": self.api_version} if self.api_version else {}

    async def auth_headers(self) -> dict[str, str]:
        """The auth header for one request (asks the token provider each time)."""
        if self._token_provider is not None:
            token = self._token_provider()
            if inspect.isawaitable(token):
                token = await token
            return {"authorization": f"Bearer {token}"}
        if not self._api_key:
            return {}
        if self._auth_header == "api-key":
            return {"api-key": self._api_key}
        return {"authorization": f"Bearer {self._api_key}"}

    def transport(self) -> httpx.AsyncBaseTransport | None:
        """The transport to reach this backend (in-process for the emulator)."""
        return EmulatorTransport(self.app) if self.app is not None else None

    def __repr__(self) -> str:
        key = "set" if self.has_key else "none"
        return f"Backend(name={self.name!r}, base_url={self.base_url!r}, key={key})"

    __str__ = __repr__


def _emulator_settings(env: Mapping[str, str], data_dir: Any) -> dict[str, Any]:
    """`create_app` arguments for the emulator fallback, from the environment."""
    settings: dict[str, Any] = {}
    speed = env.get("SORA_NOTEBOOK_EMULATOR_SPEED")
    if speed:
        try:
            settings["speed"] = float(speed)
        except ValueError:
            raise ValidationError(
                f"SORA_NOTEBOOK_EMULATOR_SPEED must be a number such as 1 or 50; got {speed!r}."
            ) from None
        if settings["speed"] <= 0:
            raise ValidationError("SORA_NOTEBOOK_EMULATOR_SPEED must be above 0.")
    render = env.get("SORA_NOTEBOOK_EMULATOR_RENDER")
    if render:
        if render not in {"full", "draft"}:
            raise ValidationError(
                f"SORA_NOTEBOOK_EMULATOR_RENDER must be 'full' or 'draft'; got {render!r}."
            )
        settings["render"] = render
    if data_dir is not None:
        settings["data_dir"] = data_dir
    return settings
