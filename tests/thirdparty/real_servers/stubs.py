"""Empty stand-ins for the modules a CPU machine cannot install (torch, CUDA kernels...).

The real servers' wheels import far more than their HTTP layers use. `install` puts a
finder first on `sys.meta_path` that answers:

- for a package or module in `stubbed`: a permissive empty module (every attribute is an inert
  class that can be subclassed, called, indexed and used in `X | None`);
- for a package in `partial`: the wheel's real modules named by the allowed prefixes, and
  inert modules for the rest (whose imports pull torch in at import time);
- `overrides`: a few attributes the real code calls whose modules are inert (each is
  named, with the wheel's file:line, where it is given), and under ``ABSENT`` the names
  that must be missing (so that `hasattr(torch, "npu")` is false).

Which modules ended up inert is in `STUBBED`, for the launchers' health answers.
This module runs inside the real servers' venv only (see ``scripts/install-real-servers.sh``).
"""

from __future__ import annotations

import abc
import dataclasses
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

STUBBED: set[str] = set()


class _Inert(abc.ABCMeta):
    """Metaclass of the inert classes: every use yields another inert value."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any
    ) -> Any:
        return super().__new__(mcs, name, bases, namespace)

    def __init__(
        cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any
    ) -> None:
        super().__init__(name, bases, namespace)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return inert(f"{cls.__module__}.{cls.__name__}.{name}")

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def register(cls, *args: Any, **kwargs: Any) -> Any:
        """`Registry.register(key)` as a decorator, or `Auto.register(config, cls)`."""
        if args and isinstance(args[-1], type):
            return args[-1]
        return lambda function: function

    def __setitem__(cls, item: Any, value: Any) -> None:
        return None

    def __contains__(cls, item: Any) -> bool:
        return False

    def __or__(cls, other: Any) -> Any:
        return cls

    def __ror__(cls, other: Any) -> Any:
        return cls

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator: keep the function
        return super().__call__()

    def __add__(cls, other: Any) -> Any:
        return other

    def __radd__(cls, other: Any) -> Any:
        return other

    def __iter__(cls) -> Any:
        return iter(())

    def __bool__(cls) -> bool:
        return False

    def __len__(cls) -> int:
        return 0

    def __index__(cls) -> int:
        return 0


def _instance_getattr(self: Any, name: str) -> Any:
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    return inert(name)


def _any_schema(cls: Any, source: Any, handler: Any) -> Any:
    from pydantic_core import core_schema

    return core_schema.any_schema()


def inert(qualname: str) -> Any:
    module, _, name = qualname.rpartition(".")
    namespace = {"__module__": module, "__init__": lambda self, *a, **k: None}
    namespace["__getattr__"] = _instance_getattr
    namespace["__bool__"] = lambda self: False
    namespace["__call__"] = lambda self, *a, **k: inert(name)()
    namespace["__iter__"] = lambda self: iter(())
    namespace["__getitem__"] = lambda self, key: inert(name)()
    namespace["__setitem__"] = lambda self, key, value: None
    namespace["__contains__"] = lambda self, key: False
    namespace["__get_pydantic_core_schema__"] = classmethod(_any_schema)
    namespace["__dataclass_fields__"] = {}
    namespace["__dataclass_params__"] = dataclasses._DataclassParams(  # type: ignore[attr-defined]
        True, True, True, False, False, False
    )
    namespace["__init_subclass__"] = classmethod(lambda cls, **kw: None)
    return _Inert(name, (), namespace)


class _InertModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        absent = self.__dict__.get("ABSENT", ())
        if (name.startswith("__") and name.endswith("__")) or name in absent:
            raise AttributeError(name)
        value = inert(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _InertLoader(importlib.abc.Loader):
    def __init__(self, path: list[str] | None, overrides: Mapping[str, Any]) -> None:
        self.path = path
        self.overrides = overrides

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _InertModule(spec.name)
        module.__path__ = list(self.path or [])
        module.__dict__.update(self.overrides)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        STUBBED.add(module.__name__)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(
        self,
        stubbed: Iterable[str],
        partial: Mapping[str, Iterable[str]],
        overrides: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.stubbed = set(stubbed)
        self.partial = {top: tuple(keep) for top, keep in partial.items()}
        self.overrides = overrides
        self.roots = {top: _package_dir(top) for top in self.partial}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        top = name.split(".")[0]
        if any(name == s or name.startswith(s + ".") for s in self.stubbed):
            return self._inert(name, None)
        if top not in self.partial:
            return None
        keep = self.partial[top]
        if any(name == k or name.startswith(k + ".") for k in keep):
            return None  # the wheel's own module
        real_dir = self.roots[top] + "/" + "/".join(name.split(".")[1:])
        hollow = any(k.startswith(name + ".") for k in keep)
        return self._inert(name, [real_dir.rstrip("/")] if hollow else None)

    def _inert(self, name: str, path: list[str] | None) -> importlib.machinery.ModuleSpec:
        loader = _InertLoader(path, self.overrides.get(name, {}))
        return importlib.machinery.ModuleSpec(name, loader, is_package=True)


def _package_dir(top: str) -> str:
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{top} is not installed: run scripts/install-real-servers.sh")
    return next(iter(spec.submodule_search_locations))


def install(
    stubbed: Iterable[str],
    partial: Mapping[str, Iterable[str]] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Serve inert modules for `stubbed` packages and the non-kept parts of `partial` ones."""
    sys.meta_path.insert(0, _Finder(stubbed, partial or {}, overrides or {}))
