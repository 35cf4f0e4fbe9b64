import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="sora-notebook quickstart")


@app.cell
def _(mo):
    mo.md(r"""
    # sora-notebook quickstart (marimo)

    A studio for AI video generation over the OpenAI Video API (Sora 2 protocol), in
    marimo. With no key configured it runs on the **built-in emulator**: real MP4s drawn
    offline, no network, no cost. The badge at the top of the view always says which
    backend you are talking to.

    Open it with `marimo edit notebooks/01-quickstart-marimo.py` (or `marimo run` for
    the app view).
    """)
    return


@app.cell
def _():
    import marimo as mo

    from sora_notebook import Studio

    return Studio, mo


@app.cell
def _(Studio):
    # The studio tracks its jobs on marimo's event loop, which keeps running between
    # cells: progress reaches the view while no cell runs.
    studio = Studio()
    return (studio,)


@app.cell
def _(mo, studio):
    # One anywidget (no child widgets), so marimo can show it.
    view = mo.ui.anywidget(studio.panel())
    view
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## What to try

    1. Type a prompt and click **Generate** (or Ctrl/Cmd+Enter). The card's progress
       moves on its own: no cell is running.
    2. When the card shows the video, play it.
    3. Click **Remix**, change the prompt and Generate: the history tree grows a
       connected node.
    4. In the history tree, click one node and Ctrl/Shift+click another to **compare**
       them side by side, with synchronised play, seek and a wipe.

    Everything is kept in `sora_studio/` next to this notebook, so the history survives
    a restart. From Python: `studio.jobs()`, `await studio.generate("...")`.
    """)
    return


if __name__ == "__main__":
    app.run()
