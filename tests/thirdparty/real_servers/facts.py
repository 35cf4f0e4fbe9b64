"""What the fake engines make, shared by the launchers (real servers' venv) and the tests."""

VLLM_OMNI_MODEL = "Wan-AI/Wan2.2-T2V-A14B-Diffusers"
#: Frames of 64x64 per video: small, quick to encode, countable after the real encoder.
FRAMES = 8
#: From queued to done: a third queued, the rest running.
RUN_SECONDS = 0.6
#: A prompt containing this makes the fake engine raise, as a GPU error would.
FAIL_WORD = "fail"

#: SGLang's served models, by the task types their `/v1/models` reports.
SGLANG_MODELS = {
    "TI2V": "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
    "T2V": "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
}
