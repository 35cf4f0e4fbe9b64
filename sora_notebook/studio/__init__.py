"""The studio layer: the engine a person drives (plans, tracking, events, lineage)."""

from sora_notebook.library.lineage import Tree
from sora_notebook.studio._studio import Studio
from sora_notebook.studio.events import StudioEvent
from sora_notebook.studio.importing import ImportReport

__all__ = ["ImportReport", "Studio", "StudioEvent", "Tree"]
