"""How `Backend.from_env` reads the environment (kept apart to keep backend.py small)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sora_notebook.errors import ValidationError

if TYPE_CHECKING:
    from sora_notebook.client.backend import Backend

__all__ = ["choose", "emulator_settings"]


def choose(cls: type[Backend], env: Mapping[str, str]) -> tuple[Backend | None, str]:
    """The backend the environment names and why (None: the emulator, and why)."""
    if env.get("SORA_NOTEBOOK_BASE_URL"):
        dialect = env.get("SORA_NOTEBOOK_DIALECT") or env.get("SORA_NOTEBOOK_FLAVOR") or None
        backend = cls.compatible(
            env["SORA_NOTEBOOK_BASE_URL"], env.get("SORA_NOTEBOOK_API_KEY"), dialect=dialect
        )
        return backend, "SORA_NOTEBOOK_BASE_URL is set"
    if env.get("OPENROUTER_API_KEY"):
        return cls.openrouter(env["OPENROUTER_API_KEY"]), "OPENROUTER_API_KEY is set"
    if env.get("TOGETHER_API_KEY"):
        return cls.together(env["TOGETHER_API_KEY"]), "TOGETHER_API_KEY is set"
    if env.get("LITELLM_PROXY_API_BASE"):
        backend = cls.litellm(env["LITELLM_PROXY_API_BASE"], env.get("LITELLM_PROXY_API_KEY"))
        return backend, "LITELLM_PROXY_API_BASE is set"
    if env.get("AZURE_OPENAI_ENDPOINT") and env.get("AZURE_OPENAI_API_KEY"):
        backend = cls.azure(
            env["AZURE_OPENAI_ENDPOINT"],
            api_key=env["AZURE_OPENAI_API_KEY"],
            api_version=env.get("AZURE_OPENAI_API_VERSION") or None,
        )
        return backend, "AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY are set"
    if env.get("OPENAI_API_KEY") and env.get("OPENAI_BASE_URL"):
        backend = cls.openai(env["OPENAI_API_KEY"], base_url=env["OPENAI_BASE_URL"])
        return backend, "OPENAI_API_KEY and OPENAI_BASE_URL are set"
    if env.get("OPENAI_API_KEY"):
        return None, (
            "OPENAI_API_KEY is set, but OpenAI's video API is retired: using the emulator. "
            "Set OPENAI_BASE_URL to use an OpenAI-compatible server."
        )
    return None, (
        "No server named in the environment (SORA_NOTEBOOK_BASE_URL, OPENROUTER_API_KEY, "
        "TOGETHER_API_KEY, LITELLM_PROXY_API_BASE, ...): using the offline emulator."
    )


def emulator_settings(env: Mapping[str, str], data_dir: Any) -> dict[str, Any]:
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
