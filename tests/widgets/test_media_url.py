from pathlib import Path

from sora_notebook.widgets.media_url import files_url, server_root


def test_relative_session_path_gives_root(tmp_path: Path):
    cwd = tmp_path / "notebooks" / "demo"
    cwd.mkdir(parents=True)
    env = {"JPY_SESSION_NAME": "notebooks/demo/quick start.ipynb"}
    root = server_root(env=env, cwd=cwd, servers=list)
    assert root == tmp_path.resolve()
    url = files_url(cwd / "sora_studio" / "media" / "v 1.mp4", root)
    assert url == "files/notebooks/demo/sora_studio/media/v%201.mp4"


def test_notebook_at_root(tmp_path: Path):
    assert server_root(env={"JPY_SESSION_NAME": "a.ipynb"}, cwd=tmp_path, servers=list) == (
        tmp_path.resolve()
    )


def test_absolute_session_path_uses_running_server(tmp_path: Path):
    nb_dir = tmp_path / "srv" / "work"
    nb_dir.mkdir(parents=True)
    servers = [{"root_dir": str(tmp_path / "other")}, {"root_dir": str(tmp_path / "srv")}]
    env = {"JPY_SESSION_NAME": str(nb_dir / "x.ipynb")}
    assert server_root(env=env, cwd=nb_dir, servers=lambda: servers) == (tmp_path / "srv")


def test_unknown_root_and_outside_paths_give_no_url(tmp_path: Path):
    assert server_root(env={}, cwd=tmp_path, servers=list) is None
    assert files_url(tmp_path / "x.mp4", None) == ""
    assert files_url("/etc/passwd", tmp_path) == ""
    assert files_url(tmp_path / ".." / "x.mp4", tmp_path) == ""


def test_override(tmp_path: Path):
    env = {"SORA_NOTEBOOK_SERVER_ROOT": str(tmp_path)}
    assert server_root(env=env, cwd=Path("/"), servers=list) == tmp_path.resolve()
