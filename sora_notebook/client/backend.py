"""Where the Video API lives: base URL, auth and quirks, as one small config object.

```python
Backend.emulator()                        # in-process, offline (the default)
Backend.openai()                          # OPENAI_API_KEY / OPENAI_BASE_URL
Backend.azure("https://res.openai.azure.com", api_key=...)  # or token_provider=
Backend.compatible("http://gpu:8000/v1", dialect="vllm-omni")   # or "sglang"
Backend.litellm("http://proxy:4000")      # LITELLM_PROXY_API_BASE / LITELLM_PROXY_API_KEY
Backend.openrouter()                      # OPENROUTER_API_KEY
Backend.together()                        # TOGETHER_API_KEY
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

from sora_notebook.client._env import choose, emulator_settings
from sora_notebook.client._http.limits import Limits
from sora_notebook.client._transport import EmulatorTransport
from sora_notebook.client._urls import split_credentials
from sora_notebook.client.dialects import DIALECTS, OPENAI, Capabilities, Dialect, dialect_named
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import VARIANTS

__all__ = ["FLAVORS", "Backend", "TokenProvider"]

#: The old name of `DIALECTS`, kept for code written against it.
FLAVORS = DIALECTS
_SWITCHES = ("list", "delete", "remix", "edit", "extend", "cancel", "characters")

TokenProvider = Callable[[], "str | Awaitable[str]"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
TOGETHER_BASE_URL = "https://api.together.ai/v2"
EMULATOR_BASE_URL = "http://emulator.local/v1"
EMULATOR_KEY = "sk-emulator"  # the emulator accepts any key unless it was given one


@dataclass(frozen=True, repr=False, eq=False)
class Backend:
    """A server speaking the Video API, in one of the `dialects`.

    `name` is `emulator | openai | azure | compatible`; `label` is for display; `dialect`
    says how the server differs (`flavor` is its old name). The `supports_*` switches
    and `variants` start as the dialect says and can be declared per backend
    (`with_quirks(supports_remix=False)`, e.g. for a model behind a gateway that cannot
    remix); `capabilities` is the result with reasons. `multipart` sends a create as
    multipart, `check_models` holds known models to the price table, `headers` are sent
    with every API request (OpenRouter's `HTTP-Referer`/`X-Title`), `verify` is TLS
    verification (False or a CA bundle path), `proxy` an HTTP proxy URL. `why` says how
    `from_env` chose it.
    `limits` bounds what the server may send (time, bytes, pages; `Limits()` if None).
    `prices`: dollars per second of video by model, for servers the published table does
    not price (set with `backend.priced({"my-model": 0.05})`).
    A key written into the base URL (`user:KEY@`, `?api-key=KEY`) is moved into the
    auth header; the URL and label never show it.
    """

    name: str
    base_url: str
    label: str
    dialect: Dialect = OPENAI
    multipart: bool = True
    supports_remix: bool = True
    supports_edit: bool = True
    supports_extend: bool = True
    supports_list: bool = True
    supports_delete: bool = True
    supports_cancel: bool = False
    supports_characters: bool = True
    check_models: bool = True
    variants: tuple[str, ...] = VARIANTS
    api_version: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    verify: bool | str = True
    proxy: str | None = None
    why: str = ""
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

    @property
    def flavor(self) -> str | None:
        """The dialect's name (None for the official protocol); the old spelling."""
        return None if self.dialect.name == OPENAI.name else self.dialect.name

    @property
    def capabilities(self) -> Capabilities:
        """What this server offers, with the reason for each action it does not."""
        caps = self.dialect.capabilities
        declared = {
            a: getattr(self, f"supports_{a}")
            for a in _SWITCHES
            if getattr(self, f"supports_{a}") != getattr(caps, a)
        }
        if declared:
            caps = caps.with_(**declared)
        if self.variants != caps.variants:
            caps = replace(caps, variants=tuple(v for v in self.variants if v in VARIANTS))
        return caps

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
        cls,
        base_url: str,
        api_key: str | None = None,
        *,
        dialect: str | Dialect | None = None,
        flavor: str | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        proxy: str | None = None,
    ) -> Backend:
        """Any server speaking the protocol; `dialect` (in DIALECTS) names how it differs.
        `flavor` is the old spelling of `dialect`."""
        if not base_url or urlsplit(base_url).scheme not in {"http", "https"}:
            start = urlsplit(base_url or "").scheme
            given = f"the one given starts with {start + ':'!r}" if start else "no scheme given"
            raise ValidationError(  # the URL itself is not echoed: it may hold a key
                "base_url must start with http:// or https:// (e.g. http://localhost:8000/v1); "
                f"{given}."
            )
        chosen = dialect if isinstance(dialect, Dialect) else dialect_named(dialect or flavor)
        host = urlsplit(base_url).netloc
        label = chosen.label if chosen is not OPENAI else None
        return cls(
            name="compatible",
            base_url=base_url.rstrip("/"),
            label=f"{label}: {host}" if label else host,
            check_models=False,
            _api_key=api_key or None,
            headers=dict(headers or {}),
            verify=verify,
            proxy=proxy,
            **_from_dialect(chosen),
        )

    @classmethod
    def litellm(
        cls, base_url: str | None = None, api_key: str | None = None, **options: Any
    ) -> Backend:
        """A LiteLLM proxy (`LITELLM_PROXY_API_BASE`, `LITELLM_PROXY_API_KEY` when not
        given), e.g. in front of Veo, Runway, Wan or MiniMax. `model` is required: the
        proxy's model names are offered by `studio.models()`."""
        url = base_url or os.environ.get("LITELLM_PROXY_API_BASE")
        if not url:
            raise ValidationError(
                "No LiteLLM proxy: pass its URL (e.g. http://localhost:4000) or set "
                "LITELLM_PROXY_API_BASE."
            )
        url = url.rstrip("/")
        if not url.endswith("/v1"):
            url += "/v1"
        key = api_key or os.environ.get("LITELLM_PROXY_API_KEY")
        return cls.compatible(url, key, dialect="litellm", **options)

    @classmethod
    def openrouter(
        cls,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        app_url: str | None = None,
        app_title: str | None = None,
        **options: Any,
    ) -> Backend:
        """OpenRouter's video API (`OPENROUTER_API_KEY`). `app_url`/`app_title` are sent
        as OpenRouter's `HTTP-Referer`/`X-Title` attribution headers."""
        key = api_key or os.environ.get("OPENROUTER_API_KEY")
        if not key:
            raise ValidationError("No OpenRouter key: pass api_key= or set OPENROUTER_API_KEY.")
        headers = dict(options.pop("headers", None) or {})
        if app_url:
            headers["HTTP-Referer"] = app_url
        if app_title:
            headers["X-Title"] = app_title
        url = base_url or OPENROUTER_BASE_URL
        return cls.compatible(url, key, dialect="openrouter", headers=headers, **options)

    @classmethod
    def together(
        cls, api_key: str | None = None, *, base_url: str | None = None, **options: Any
    ) -> Backend:
        """Together AI's videos API (`TOGETHER_API_KEY`)."""
        key = api_key or os.environ.get("TOGETHER_API_KEY")
        if not key:
            raise ValidationError("No Together key: pass api_key= or set TOGETHER_API_KEY.")
        return cls.compatible(base_url or TOGETHER_BASE_URL, key, dialect="together", **options)

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
        cls,
        env: Mapping[str, str] | None = None,
        *,
        emulator_data_dir: Any = None,
        **emulator_options: Any,
    ) -> Backend:
        """The backend the environment names, else the emulator; `why` says which and why.

        In order: `SORA_NOTEBOOK_BASE_URL` (+ `SORA_NOTEBOOK_API_KEY`,
        `SORA_NOTEBOOK_DIALECT`, or its old name `SORA_NOTEBOOK_FLAVOR`); the gateways
        `OPENROUTER_API_KEY`, `TOGETHER_API_KEY`, `LITELLM_PROXY_API_BASE` (+
        `LITELLM_PROXY_API_KEY`); `AZURE_OPENAI_ENDPOINT` + `AZURE_OPENAI_API_KEY`
        (+ `AZURE_OPENAI_API_VERSION`); `OPENAI_API_KEY` only with `OPENAI_BASE_URL`
        (OpenAI's own video API is retired). The emulator fallback reads
        `SORA_NOTEBOOK_EMULATOR_SPEED` (e.g. `50` for fast demos and tests) and
        `SORA_NOTEBOOK_EMULATOR_RENDER` (`full` or `draft`), and keeps its jobs in
        `emulator_data_dir` when given, so they outlive a kernel restart;
        `emulator_options` go to the emulator too (e.g. `caption=False`).
        """
        env = os.environ if env is None else env
        chosen, why = choose(cls, env)
        if chosen is None:
            settings = emulator_settings(env, emulator_data_dir)
            chosen = cls.emulator(**{**settings, **emulator_options})
        return replace(chosen, why=why)

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

    def http_options(self) -> dict[str, Any]:
        """`httpx.AsyncClient` arguments: transport, TLS verification, proxy."""
        options: dict[str, Any] = {"transport": self.transport(), "verify": self.verify}
        if self.proxy:
            options["proxy"] = self.proxy
        return options

    async def request_headers(self) -> dict[str, str]:
        """The extra headers, then the auth header, for one API request."""
        return {**self.headers, **await self.auth_headers()}

    def __repr__(self) -> str:
        key = "set" if self.has_key else "none"
        dialect = f", dialect={self.flavor!r}" if self.flavor else ""
        return f"Backend(name={self.name!r}, base_url={self.base_url!r}{dialect}, key={key})"

    __str__ = __repr__


def _from_dialect(dialect: Dialect) -> dict[str, Any]:
    """Backend fields that start as the dialect says."""
    caps = dialect.capabilities
    fields: dict[str, Any] = {f"supports_{a}": getattr(caps, a) for a in _SWITCHES}
    return {**fields, "dialect": dialect, "multipart": dialect.multipart, "variants": caps.variants}
