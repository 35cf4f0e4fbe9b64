"""The client layer: where a server lives (`Backend`), how it differs (`dialects`), and
`AsyncSoraClient`, which speaks the Video API over an injected httpx client."""

from sora_notebook.client._client import AsyncSoraClient
from sora_notebook.client._http.limits import Limits
from sora_notebook.client.backend import Backend
from sora_notebook.client.references import fit_reference

__all__ = ["AsyncSoraClient", "Backend", "Limits", "fit_reference"]
