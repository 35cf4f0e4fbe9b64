"""A frozen copy of the emulator's renderer before the prompt-true picture (RENDER_VERSION 4,
commit 6114e9d), kept only so `bench_render` can time today's renderer beside it."""
