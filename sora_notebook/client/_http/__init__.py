"""Private HTTP helpers for the client: retry schedule, multipart encoding, media checks."""
