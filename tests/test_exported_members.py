"""The public API is what `sora_notebook/__init__.py` re-exports (house rule 1)."""

import sora_notebook


def test_all_is_sorted_and_unique():
    names = list(sora_notebook.__all__)
    assert names == sorted(names, key=lambda n: (not n[0].isupper(), n))
    assert len(names) == len(set(names))


def test_every_exported_name_exists_and_is_documented():
    assert len(sora_notebook.__all__) > 30
    for name in sora_notebook.__all__:
        member = getattr(sora_notebook, name)
        assert member.__doc__, f"{name} has no docstring"


def test_every_public_member_is_exported():
    public = {
        name
        for name, value in vars(sora_notebook).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("sora_notebook")
    }
    assert public <= set(sora_notebook.__all__), public - set(sora_notebook.__all__)
