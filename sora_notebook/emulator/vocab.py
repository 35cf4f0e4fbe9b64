"""The words the emulator understands: time of day, weather, setting, motion, camera, sound.

Pure data. `look` reads a prompt with these tables; `_scenery` paints what they name.
"""

from __future__ import annotations

__all__ = [
    "CAMERA",
    "COLOURS",
    "MOTION",
    "MOTION_WORDS",
    "SETTINGS",
    "SETTING_HINTS",
    "SOUNDS",
    "TIMES",
    "WEATHERS",
]

RGB = tuple[int, int, int]


def _table(groups: dict[str, str]) -> dict[str, str]:
    return {word: name for name, words in groups.items() for word in words.split()}


TIMES = _table(
    {
        "dawn": "dawn sunrise daybreak morning",
        "day": "day noon midday afternoon daylight sunny daytime",
        "dusk": "dusk sunset twilight evening",
        "night": "night midnight nighttime moonlight moonlit starry nocturnal",
    }
)
WEATHERS = _table(
    {
        "fog": "fog foggy mist misty haze hazy",
        "rain": "rain rainy raining drizzle downpour storm stormy thunderstorm",
        "snow": "snow snowy snowing snowfall blizzard snowflakes",
        "clear": "clear cloudless",
    }
)
SETTINGS = _table(
    {
        "ocean": "ocean sea seas beach coast shore waves surf underwater lake harbor harbour",
        "forest": "forest woods woodland jungle rainforest grove",
        "desert": "desert dunes dune sahara sand sandy canyon",
        "city": "city street streets town downtown avenue urban traffic neon alley",
        "snowfield": "arctic tundra glacier winter snowfield polar iceberg",
        "space": "space galaxy cosmos orbit nebula planet asteroid moonbase",
        "interior": "room kitchen table indoor indoors interior office studio bedroom cafe "
        "library museum",
        "mountain": "mountain mountains alps peak peaks summit valley cliffs",
        "meadow": "meadow field fields hills grass grassland prairie farm garden park",
    }
)
#: A subject that says where it lives, when the prompt names no setting.
SETTING_HINTS = {
    **dict.fromkeys(("fish", "whale", "shark", "dolphin", "submarine", "boat", "ship"), "ocean"),
    **dict.fromkeys(("camel", "cactus", "pyramid"), "desert"),
    **dict.fromkeys(("car", "bus", "truck", "skyscraper", "motorcycle", "bicycle"), "city"),
    **dict.fromkeys(("astronaut", "rocket"), "space"),
    **dict.fromkeys(("penguin", "skier"), "snowfield"),
    **dict.fromkeys(("cup", "chair"), "interior"),
    **dict.fromkeys(("pine", "owl", "deer", "bear", "wolf"), "forest"),
    **dict.fromkeys(("lighthouse", "palm", "duck"), "ocean"),
    **dict.fromkeys(("castle", "dragon"), "mountain"),
    **dict.fromkeys(("house", "windmill", "tent", "cow", "sheep", "horse", "tree"), "meadow"),
}
#: motion word -> speed factor of the subjects (1 when none is said).
MOTION_WORDS = _table(
    {
        "still": "still static motionless frozen stationary statue tripod",
        "slow": "slow slowly calm gentle gently drifting lazy serene peaceful leisurely",
        "fast": "fast quick quickly running rushing speeding chase chasing galloping dash",
        "racing": "racing race races sprint sprinting hurtling",
    }
)
MOTION = {"still": 0.0, "slow": 0.35, "normal": 1.0, "fast": 2.2, "racing": 3.5}
#: camera word -> the move it names (`look._camera` combines them with left/right/in/out).
CAMERA = _table(
    {
        "pan": "pan pans panning tracking truck sweep sweeping",
        "tilt": "tilt tilts tilting crane",
        "zoom": "zoom zooms zooming push",
        "dolly": "dolly dollying dollies",
        "orbit": "orbit orbits orbiting circling circles",
        "aerial": "aerial drone flyover overhead birdseye",
        "handheld": "handheld shaky shaking documentary",
        "locked": "static locked tripod",
    }
)
SOUNDS = _table(
    {
        "rain": "rain rainy raining downpour",
        "waves": "waves surf",
        "wind": "wind windy breeze gusts howling blizzard",
        "traffic": "traffic honking",
        "silence": "silent silence mute muted soundless",
        "music": "music song melody tune",
    }
)
#: Colour words that pin the colour of the subject they come before.
COLOURS: dict[str, RGB] = {
    "red": (200, 40, 40),
    "orange": (240, 140, 30),
    "yellow": (240, 215, 60),
    "golden": (230, 180, 60),
    "gold": (230, 180, 60),
    "green": (50, 170, 70),
    "blue": (40, 90, 210),
    "purple": (130, 60, 180),
    "violet": (150, 80, 200),
    "pink": (240, 130, 180),
    "white": (235, 235, 235),
    "black": (20, 20, 25),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "brown": (110, 70, 40),
    "silver": (190, 195, 200),
}
